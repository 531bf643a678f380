import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';

const pct = (n: number, of: number) => (of === 0 ? '0 %' : `${((n / of) * 100).toFixed(1)} %`);

export default defineCheck({
  id: 'pg-ddl-race',
  title: 'Concurrent start-up DDL succeeds',
  failureTitle: 'Concurrent start-up DDL fails: the catalog race',
  description: 'From `lockscope stress postgres://… --ddl-race`: sessions running the same start-up DDL at once, failed start-ups by SQLSTATE, and with --compare the same behind one pg_advisory_xact_lock.',
  source: 'postgres',
  category: 'stress',
  requires: ['ddlRace'],
  defaultSeverity: 'fail',
  messages: { 'no-race': ['pass'], 'race-fixed-by-lock': ['fail'], 'race': ['fail'], 'interrupted': ['skip'] },
  thresholds: {},
  run({ ddlRace }) {
    const [plain, locked] = ddlRace.arms;
    if (!plain || ddlRace.interrupted) return { status: 'skip', messageId: 'interrupted', message: `The race was interrupted (${ddlRace.interrupted ?? 'no round ran'}): its numbers are not judged.`, evidence: { interrupted: ddlRace.interrupted } };
    const runs = plain.rounds * plain.sessions;
    const failed = runs - plain.succeeded;
    const e = plain.errors;
    const evidence = { sessions: plain.sessions, rounds: plain.rounds, failed, runs, ...e, lockedFailed: locked ? locked.rounds * locked.sessions - locked.succeeded : null, examples: plain.examples };
    if (failed === 0) {
      return { status: 'pass', messageId: 'no-race', message: `${plain.sessions} sessions ran the start-up DDL together ${plain.rounds} times (${formatMs(plain.durationMs)}): every one succeeded.`, evidence };
    }
    const kinds = [
      e.tupleConcurrentlyUpdated ? `${e.tupleConcurrentlyUpdated} "tuple concurrently updated" (XX000)` : '',
      e.uniqueViolation ? `${e.uniqueViolation} unique violations on the catalog (23505, e.g. pg_type_typname_nsp_index)` : '',
      e.alreadyExists ? `${e.alreadyExists} "already exists" despite IF NOT EXISTS (42P07/42710)` : '',
      e.deadlock ? `${e.deadlock} deadlocks (40P01)` : '',
      e.other ? `${e.other} other` : '',
    ].filter(Boolean);
    const base = `${failed} of ${runs} start-ups failed (${pct(failed, runs)}) when ${plain.sessions} sessions ran the same DDL at once: ${kinds.join(', ')}. IF NOT EXISTS does not protect against a concurrent CREATE, and concurrent GRANT/COMMENT/ALTER update the same catalog row.`;
    const fixes = [
      {
        summary: 'Serialise start-up migrations with one advisory lock, held to the end of the migration transaction',
        sql: "BEGIN;\nSELECT pg_advisory_xact_lock(hashtext('myapp-migrations'));\n-- the start-up DDL\nCOMMIT;",
        docs: 'https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS',
      },
      { summary: 'Or run migrations once, in a single job before the app processes start (a release phase, an init container), not in every process' },
    ];
    if (locked) {
      const lockedFailed = locked.rounds * locked.sessions - locked.succeeded;
      return {
        status: 'fail',
        messageId: lockedFailed === 0 ? 'race-fixed-by-lock' : 'race',
        message: `${base} With one pg_advisory_xact_lock around each session's DDL: ${lockedFailed} of ${locked.rounds * locked.sessions} failed${lockedFailed === 0 ? ' — the lock removes the race' : ''} (it took ${formatMs(locked.durationMs)} against ${formatMs(plain.durationMs)}).`,
        evidence,
        fixes,
      };
    }
    return { status: 'fail', messageId: 'race', message: `${base} Run with --compare to measure the advisory-lock fix.`, evidence, fixes };
  },
});
