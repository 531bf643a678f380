import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';

export default defineCheck({
  id: 'pg-log-lock-waits',
  title: 'PostgreSQL logs long lock waits',
  failureTitle: 'PostgreSQL does not log lock waits',
  description: 'log_lock_waits: whether the server logs a session that waited longer than deadlock_timeout for a lock, with who held it.',
  source: 'postgres',
  category: 'audit',
  requires: ['settings'],
  defaultSeverity: 'info',
  messages: { 'logging-on': ['pass'], 'logging-off': ['info'] },
  thresholds: {},
  run({ settings }) {
    const on = settings.log_lock_waits?.setting === 'on';
    const dt = Number(settings.deadlock_timeout?.setting ?? 1000);
    if (on) return { status: 'pass', messageId: 'logging-on', message: `log_lock_waits is on: every wait longer than deadlock_timeout (${formatMs(dt)}) is logged with the holders' pids.`, evidence: { logLockWaits: true, deadlockTimeoutMs: dt } };
    return {
      status: 'info',
      title: 'PostgreSQL does not log lock waits (log_lock_waits off)',
      messageId: 'logging-off',
      message: `log_lock_waits is off (source: ${settings.log_lock_waits?.source ?? 'unknown'}): a wait that lasted minutes leaves no trace in the server log, so after the fact nobody can say who blocked whom. With it on, every wait longer than deadlock_timeout (${formatMs(dt)}) is logged with the pids holding the lock.`,
      evidence: { logLockWaits: false, deadlockTimeoutMs: dt },
      fixes: [{ summary: 'Turn it on (a reload is enough; superuser)', sql: "ALTER SYSTEM SET log_lock_waits = on;\nSELECT pg_reload_conf();", docs: 'https://www.postgresql.org/docs/current/runtime-config-logging.html#GUC-LOG-LOCK-WAITS' }],
    };
  },
});
