import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';
import { endSessionFixes } from '../src/sources/postgres/fixes.js';

export default defineCheck({
  id: 'pg-root-blocker',
  title: 'No PostgreSQL session has kept others waiting for a lock',
  failureTitle: 'A PostgreSQL session keeps others waiting for its locks',
  description: 'PostgreSQL blocking trees (pg_blocking_pids): the root blocker of each, how long its waiters have waited, and what it is doing.',
  source: 'postgres',
  category: 'locks',
  requires: ['trees', 'sessions'],
  optional: ['window'],
  defaultSeverity: 'fail',
  messages: { 'no-blocking': ['pass'], 'short-waits': ['pass'], blocking: ['warn', 'fail'] },
  thresholds: {
    warnMs: { default: 1000, unit: 'ms', description: 'A waiter that has waited this long behind a root blocker warns.' },
    failMs: { default: 10000, unit: 'ms', description: 'A waiter that has waited this long fails.' },
  },
  run({ trees, sessions, window }, { thresholds }) {
    // What the snapshot shows now, and over a locks --for window the longest wait behind each root.
    const roots = new Map<number, { waiters: number; longestWaitMs: number; now: boolean }>();
    for (const t of trees) roots.set(t.root, { waiters: t.waiters.length, longestWaitMs: t.longestWaitMs ?? 0, now: true });
    for (const r of window?.roots ?? []) {
      const seen = roots.get(r.pid);
      roots.set(r.pid, { waiters: Math.max(seen?.waiters ?? 0, r.maxWaiters), longestWaitMs: Math.max(seen?.longestWaitMs ?? 0, r.longestWaitMs), now: seen?.now ?? false });
    }
    if (roots.size === 0) {
      return { status: 'pass', messageId: 'no-blocking', message: `No session waits for a lock held by another (${sessions.length} session(s) besides lockscope${window ? `, ${window.samples} samples over ${formatMs(window.durationMs)}` : ''}).`, evidence: { sessions: sessions.length } };
    }
    const worst = [...roots].sort((a, b) => b[1].longestWaitMs - a[1].longestWaitMs)[0]!;
    const [pid, root] = worst;
    const s = sessions.find((x) => x.pid === pid);
    const tree = trees.find((t) => t.root === pid);
    const evidence = {
      rootPid: pid,
      user: s?.user ?? null,
      application: s?.application ?? null,
      state: s?.state ?? null,
      transactionAgeMs: s?.transactionAgeMs ?? null,
      queryStart: s?.queryStart ?? null,
      query: s?.query ?? null,
      waiters: root.waiters,
      longestWaitMs: root.longestWaitMs,
      blocked: tree ? tree.waiters.map((w) => w.pid) : [],
      trees: roots.size,
    };
    if (root.longestWaitMs < thresholds.warnMs) {
      return { status: 'pass', messageId: 'short-waits', message: `${roots.size} blocking tree(s), the longest wait ${formatMs(root.longestWaitMs)} (under ${formatMs(thresholds.warnMs)}): ordinary lock queueing.`, evidence };
    }
    const what = tree?.waiters[0] ? ` ${[tree.waiters[0].mode, tree.waiters[0].object].filter(Boolean).join(' on ')}` : '';
    const status = root.longestWaitMs >= thresholds.failMs ? 'fail' : 'warn';
    return {
      status,
      messageId: 'blocking',
      message:
        `pid ${pid} (${s?.user ?? 'user unknown'}${s?.application ? `, ${s.application}` : ''}, ${s?.state ?? 'state unknown'}${s?.transactionAgeMs != null ? `, in a transaction for ${formatMs(s.transactionAgeMs)}` : ''}) ` +
        `blocks ${root.waiters} session(s)${root.now ? '' : ' (seen during the window)'}; the longest has waited ${formatMs(root.longestWaitMs)}${what ? ` for${what}` : ''}. ` +
        `Every waiter holds its own locks meanwhile, so the queue grows behind one session${s?.state?.startsWith('idle in transaction') ? ' that is not even running a statement: the app opened a transaction and did not end it' : ''}.`,
      evidence,
      fixes: [
        ...endSessionFixes(pid),
        { summary: 'Make waiters give up instead of queueing forever: a lock_timeout for the app (pg-missing-timeouts has the driver options)', sql: "ALTER ROLE app SET lock_timeout = '5s';", docs: 'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT' },
      ],
    };
  },
});
