import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';

export default defineCheck({
  id: 'pg-long-transaction',
  title: 'No long-running PostgreSQL transaction',
  failureTitle: 'A PostgreSQL transaction has been open a long time',
  description: 'The oldest open transaction (pg_stat_activity.xact_start): its locks stay held and VACUUM cannot remove rows newer than its snapshot until it ends.',
  source: 'postgres',
  category: 'locks',
  requires: ['sessions'],
  defaultSeverity: 'fail',
  messages: { 'no-long-transaction': ['pass'], 'long-transaction': ['warn', 'fail'] },
  thresholds: {
    warnMs: { default: 60000, unit: 'ms', description: 'A transaction open this long warns.' },
    failMs: { default: 600000, unit: 'ms', description: 'A transaction open this long fails.' },
  },
  run({ sessions }, { thresholds }) {
    const open = sessions.filter((s) => s.transactionAgeMs !== null).sort((a, b) => b.transactionAgeMs! - a.transactionAgeMs!);
    const top = open[0];
    if (!top || top.transactionAgeMs! < thresholds.warnMs) {
      return { status: 'pass', messageId: 'no-long-transaction', message: top ? `The oldest open transaction is ${formatMs(top.transactionAgeMs!)} old (pid ${top.pid}), under ${formatMs(thresholds.warnMs)}.` : 'No session is in a transaction.', evidence: { oldestMs: top?.transactionAgeMs ?? null, openTransactions: open.length } };
    }
    const age = top.transactionAgeMs!;
    return {
      status: age >= thresholds.failMs ? 'fail' : 'warn',
      messageId: 'long-transaction',
      message: `pid ${top.pid} (${top.user ?? 'user unknown'}${top.application ? `, ${top.application}` : ''}, ${top.state ?? 'state unknown'}) has had a transaction open for ${formatMs(age)}, since ${top.xactStart ?? 'unknown'}. Its locks are held until it ends, and VACUUM cannot clean up rows changed since it began.`,
      evidence: { pid: top.pid, user: top.user, application: top.application, state: top.state, transactionAgeMs: age, xactStart: top.xactStart, query: top.query, openTransactions: open.length },
      fixes: [
        { summary: 'Find what the session is doing, and end the transaction in the app (commit or roll back sooner; no network calls or user input inside a transaction)', sql: `SELECT pid, state, xact_start, query FROM pg_stat_activity WHERE pid = ${top.pid};` },
        { summary: 'Bound transactions server-side (PostgreSQL 17+: transaction_timeout; before: statement_timeout and idle_in_transaction_session_timeout)', sql: "ALTER ROLE app SET transaction_timeout = '5min';", docs: 'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-TRANSACTION-TIMEOUT' },
      ],
    };
  },
});
