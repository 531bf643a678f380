import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';

export default defineCheck({
  id: 'pg-prepared-transactions',
  title: 'No orphaned PostgreSQL prepared transaction holds locks',
  failureTitle: 'A PostgreSQL prepared transaction holds locks with no session behind it',
  description: 'pg_prepared_xacts: two-phase transactions PREPAREd and never committed or rolled back keep their locks across restarts.',
  source: 'postgres',
  category: 'locks',
  requires: ['prepared'],
  defaultSeverity: 'fail',
  messages: { 'no-prepared': ['pass'], 'recent-prepared': ['pass'], 'orphaned-prepared': ['fail'] },
  thresholds: { ageMs: { default: 60000, unit: 'ms', description: 'A prepared transaction older than this, holding locks, fails.' } },
  run({ prepared }, { thresholds }) {
    if (prepared.length === 0) return { status: 'pass', messageId: 'no-prepared', message: 'No prepared transaction.', evidence: { prepared: 0 } };
    const old = prepared.filter((p) => p.ageMs >= thresholds.ageMs && p.locks > 0).sort((a, b) => b.ageMs - a.ageMs);
    if (old.length === 0) return { status: 'pass', messageId: 'recent-prepared', message: `${prepared.length} prepared transaction(s), none older than ${formatMs(thresholds.ageMs)} with locks: two-phase commit in progress.`, evidence: { prepared: prepared.length } };
    const p = old[0]!;
    return {
      status: 'fail',
      messageId: 'orphaned-prepared',
      message: `Prepared transaction '${p.gid}' (owner ${p.owner ?? 'unknown'}) was prepared ${formatMs(p.ageMs)} ago and holds ${p.locks} lock(s). No session owns it: its locks stay until someone runs COMMIT PREPARED or ROLLBACK PREPARED, even across a server restart. ${old.length} such transaction(s).`,
      evidence: { gid: p.gid, owner: p.owner, ageMs: p.ageMs, locks: p.locks, orphaned: old.map((o) => o.gid) },
      fixes: [{ summary: 'Ask the transaction manager that prepared it; if it is gone, finish it by hand (ROLLBACK unless you know it must commit)', sql: `ROLLBACK PREPARED '${p.gid.replace(/'/g, "''")}';`, caution: 'lockscope never runs this itself.', docs: 'https://www.postgresql.org/docs/current/sql-rollback-prepared.html' }],
    };
  },
});
