/**
 * Blocking trees from pg_blocking_pids(): a root blocker blocks others and waits for nobody (or sits in a
 * wait cycle, which the deadlock detector will break: then every member of the cycle is a root). Pure.
 */
import type { PgBlockingTree, PgLock, PgSession, PgWaiter } from './facts.js';

export function blockingTrees(sessions: readonly PgSession[], locks: readonly PgLock[]): PgBlockingTree[] {
  const byPid = new Map(sessions.map((s) => [s.pid, s]));
  const blockedBy = new Map<number, number[]>();
  for (const s of sessions) if (s.blockedBy.length > 0) blockedBy.set(s.pid, s.blockedBy);
  // Who each session blocks directly.
  const blocks = new Map<number, number[]>();
  for (const [waiter, blockers] of blockedBy) for (const b of blockers) blocks.set(b, [...(blocks.get(b) ?? []), waiter]);
  const waiting = (pid: number) => (blockedBy.get(pid)?.length ?? 0) > 0;
  // Roots: block someone and wait for nobody; in a cycle (everyone waits), each blocker of the cycle.
  const roots = [...blocks.keys()].filter((pid) => !waiting(pid));
  const reached = new Set<number>();
  const walk = (root: number): PgWaiter[] => {
    const out: PgWaiter[] = [];
    const queue: { pid: number; depth: number }[] = (blocks.get(root) ?? []).map((pid) => ({ pid, depth: 1 }));
    const seen = new Set<number>([root]);
    while (queue.length > 0) {
      const { pid, depth } = queue.shift()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      reached.add(pid);
      out.push(waiterOf(pid, depth, byPid.get(pid), locks, blockedBy.get(pid) ?? []));
      for (const next of blocks.get(pid) ?? []) queue.push({ pid: next, depth: depth + 1 });
    }
    return out;
  };
  const trees = roots.map((root) => tree(root, walk(root)));
  // Waiters no root reaches wait in a cycle: the smallest pid of each cycle stands as its root.
  for (const pid of [...blockedBy.keys()].sort((a, b) => a - b)) {
    if (reached.has(pid) || !blocks.has(pid)) continue;
    reached.add(pid);
    trees.push(tree(pid, walk(pid)));
  }
  return trees.sort((a, b) => (b.longestWaitMs ?? -1) - (a.longestWaitMs ?? -1) || b.waiters.length - a.waiters.length);
}

function tree(root: number, waiters: PgWaiter[]): PgBlockingTree {
  const waits = waiters.map((w) => w.waitMs).filter((w): w is number => w !== null);
  return { root, waiters, longestWaitMs: waits.length > 0 ? Math.max(...waits) : null };
}

function waiterOf(pid: number, depth: number, session: PgSession | undefined, locks: readonly PgLock[], blockedBy: number[]): PgWaiter {
  const wanted = locks.find((l) => l.pid === pid && !l.granted);
  const waitMs = wanted?.waitMs ?? (session?.waitEventType === 'Lock' ? session.stateAgeMs : null);
  return { pid, blockedBy, mode: wanted?.mode ?? null, object: wanted?.object ?? null, waitMs, depth };
}
