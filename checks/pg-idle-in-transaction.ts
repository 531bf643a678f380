import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';
import { endSessionFixes, timeoutFixes } from '../src/sources/postgres/fixes.js';

export default defineCheck({
  id: 'pg-idle-in-transaction',
  title: 'No PostgreSQL session sits idle in a transaction holding locks',
  failureTitle: 'A PostgreSQL session sits idle in a transaction, holding its locks',
  description: 'Sessions in state "idle in transaction" (the app began a transaction and is not running a statement): how long, how many locks they hold, whom they block.',
  source: 'postgres',
  category: 'locks',
  requires: ['sessions', 'trees'],
  optional: ['locks'],
  defaultSeverity: 'fail',
  messages: { 'none-idle': ['pass'], 'briefly-idle': ['pass'], 'idle-holding-locks': ['warn'], 'idle-blocking': ['fail'] },
  thresholds: { idleMs: { default: 5000, unit: 'ms', description: 'Idle in a transaction this long, holding locks, warns.' } },
  run({ sessions, trees, locks }, { thresholds }) {
    const idle = sessions.filter((s) => s.state?.startsWith('idle in transaction'));
    if (idle.length === 0) return { status: 'pass', messageId: 'none-idle', message: 'No session is idle in a transaction.', evidence: { sessions: sessions.length } };
    const held = (pid: number) => (locks ?? []).filter((l) => l.pid === pid && l.granted && l.lockType !== 'virtualxid').length;
    const roots = new Map(trees.map((t) => [t.root, t.waiters.length]));
    const ranked = idle.map((s) => ({ s, locks: held(s.pid), blocks: roots.get(s.pid) ?? 0, idleMs: s.stateAgeMs ?? 0 })).sort((a, b) => b.blocks - a.blocks || b.idleMs - a.idleMs);
    const top = ranked[0]!;
    const evidence = { pid: top.s.pid, user: top.s.user, application: top.s.application, idleMs: top.idleMs, transactionAgeMs: top.s.transactionAgeMs, locksHeld: locks ? top.locks : null, blocks: top.blocks, idleSessions: idle.length, query: top.s.query };
    const who = `pid ${top.s.pid} (${top.s.user ?? 'user unknown'}${top.s.application ? `, ${top.s.application}` : ''})`;
    const fixes = [...endSessionFixes(top.s.pid), ...timeoutFixes([top.s.user ?? 'app'], { idle_in_transaction_session_timeout: '30s' })];
    if (top.blocks > 0) {
      return {
        status: 'fail',
        messageId: 'idle-blocking',
        message: `${who} has been idle in a transaction for ${formatMs(top.idleMs)} (transaction ${formatMs(top.s.transactionAgeMs ?? top.idleMs)}) and blocks ${top.blocks} session(s): it runs no statement, so nothing will end it but the app — its last statement was: ${top.s.query ?? 'unknown'}.`,
        evidence,
        fixes,
      };
    }
    if (top.idleMs >= thresholds.idleMs && (top.locks > 0 || !locks)) {
      return {
        status: 'warn',
        messageId: 'idle-holding-locks',
        message: `${who} has been idle in a transaction for ${formatMs(top.idleMs)}${locks ? ` holding ${top.locks} lock(s)` : ''}; it blocks nobody yet, but any session that needs those rows or tables will queue behind it. ${idle.length} session(s) idle in a transaction in all.`,
        evidence,
        fixes,
      };
    }
    return { status: 'pass', messageId: 'briefly-idle', message: `${idle.length} session(s) idle in a transaction, the longest for ${formatMs(top.idleMs)} (under ${formatMs(thresholds.idleMs)}) or holding no lock, blocking nobody.`, evidence };
  },
});
