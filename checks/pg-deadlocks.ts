import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';

export default defineCheck({
  id: 'pg-deadlocks',
  title: 'No PostgreSQL deadlock during the window',
  failureTitle: 'PostgreSQL broke deadlocks during the window',
  description: 'From sampling (`lockscope locks --for` on a postgres:// target): deadlocks the server detected in the window (pg_stat_database.deadlocks, end minus start).',
  source: 'postgres',
  category: 'locks',
  requires: ['window'],
  optional: ['settings'],
  defaultSeverity: 'fail',
  messages: { 'no-deadlocks': ['pass'], deadlocks: ['fail'] },
  thresholds: {},
  run({ window, settings }) {
    if (window.deadlocks === 0) return { status: 'pass', messageId: 'no-deadlocks', message: `The server reported no deadlock in ${formatMs(window.durationMs)} (a backend reports its counters when idle, up to ~10 s late: a deadlock at the very end of the window shows in the next one).`, evidence: { deadlocks: 0, windowMs: window.durationMs } };
    return {
      status: 'fail',
      messageId: 'deadlocks',
      message: `PostgreSQL detected ${window.deadlocks} deadlock(s) in ${formatMs(window.durationMs)} and cancelled one transaction of each with "deadlock detected" (SQLSTATE 40P01), after deadlock_timeout (${settings?.deadlock_timeout?.setting ?? '?'} ms). Two transactions took the same locks in opposite orders.`,
      evidence: { deadlocks: window.deadlocks, windowMs: window.durationMs },
      fixes: [
        { summary: 'Take locks in one order everywhere (e.g. update rows ordered by primary key; lock the parent row before the children), and retry a transaction that fails with 40P01', sql: 'SELECT … FROM t WHERE id = ANY($1) ORDER BY id FOR UPDATE;' },
        { summary: 'Turn on log_lock_waits to see the statements involved (the server log has the details of each deadlock)', sql: "ALTER SYSTEM SET log_lock_waits = on; SELECT pg_reload_conf();" },
      ],
    };
  },
});
