import { defineCheck } from '../src/core/check.js';

export default defineCheck({
  id: 'pg-connections',
  title: 'PostgreSQL has connections to spare',
  failureTitle: 'PostgreSQL is close to max_connections',
  description: 'Client sessions of the whole server against max_connections minus the slots reserved for superusers.',
  source: 'postgres',
  category: 'audit',
  requires: ['settings', 'database'],
  defaultSeverity: 'fail',
  messages: { 'room-to-spare': ['pass'], 'near-limit': ['warn', 'fail'] },
  thresholds: {
    warnPercent: { default: 80, unit: 'percent', description: 'Connections in use at this share of the limit warn.' },
    failPercent: { default: 95, unit: 'percent', description: 'At this share, fail.' },
  },
  run({ settings, database }, { thresholds }) {
    const max = Number(settings.max_connections?.setting ?? 100) - Number(settings.superuser_reserved_connections?.setting ?? 0);
    // numbackends counts this database; lockscope's own session is one of them.
    const used = Math.max(0, database.backends - 1);
    const pct = max > 0 ? Math.round((used / max) * 100) : 100;
    const evidence = { connections: used, limit: max, percent: pct };
    if (pct < thresholds.warnPercent) return { status: 'pass', messageId: 'room-to-spare', message: `${used} of ${max} connections in use on database ${database.name} (${pct} %).`, evidence };
    return {
      status: pct >= thresholds.failPercent ? 'fail' : 'warn',
      messageId: 'near-limit',
      message: `${used} of ${max} connections in use on database ${database.name} (${pct} %): a new connection (an app starting, a deploy's second set of workers) is refused with "too many clients already", and sessions blocked on locks keep their connections while they wait.`,
      evidence,
      fixes: [{ summary: 'Pool connections (PgBouncer in transaction mode, or a smaller pool per app process) rather than raising max_connections', docs: 'https://www.postgresql.org/docs/current/runtime-config-connection.html#GUC-MAX-CONNECTIONS' }],
    };
  },
});
