import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-root-blocker.js';
import { runCheck } from '../../src/core/runner.js';
import { blockingTrees } from '../../src/sources/postgres/trees.js';
import { makePgFacts, session } from '../helpers/pg-facts.js';

const withWait = (waitMs: number) => {
  const sessions = [session(10, { state: 'idle in transaction', transactionAgeMs: 60_000 }), session(11, { state: 'active', blockedBy: [10], waitEventType: 'Lock' }), session(12, { state: 'active', blockedBy: [11], waitEventType: 'Lock' })];
  const locks = [
    { pid: 11, lockType: 'transactionid', mode: 'ShareLock', granted: false, object: 'transaction 700', waitMs },
    { pid: 12, lockType: 'tuple', mode: 'ExclusiveLock', granted: false, object: 'public.t row (0,1)', waitMs: waitMs / 2 },
  ];
  return makePgFacts({ sessions, locks, trees: blockingTrees(sessions, locks) });
};

describe('pg-root-blocker', () => {
  it("'no-blocking': nobody waits", () => {
    expect(runCheck(check, makePgFacts(), { app: {} })).toMatchObject({ status: 'pass', messageId: 'no-blocking' });
  });
  it("'short-waits': a tree whose waits are under warnMs passes", () => {
    expect(runCheck(check, withWait(200), { app: {} })).toMatchObject({ status: 'pass', messageId: 'short-waits' });
  });
  it("'blocking' warn: names the root (not the middle waiter), its state and how many wait behind it", () => {
    const f = runCheck(check, withWait(3000), { app: {} })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'blocking', evidence: { rootPid: 10, waiters: 2, longestWaitMs: 3000 } });
    expect(f.message).toMatch(/^pid 10 \(app, web, idle in transaction, in a transaction for 60\.0 s\) blocks 2 session/);
    expect(f.fixes.map((x) => x.sql)).toContain('SELECT pg_terminate_backend(10);');
  });
  it("'blocking' fail: at failMs", () => {
    expect(runCheck(check, withWait(12_000), { app: {} })).toMatchObject({ status: 'fail', messageId: 'blocking' });
  });
  it('a window that saw a long wait fails even when the end snapshot is quiet', () => {
    const f = runCheck(check, makePgFacts({ window: { durationMs: 5000, samples: 50, deadlocks: 0, sessions: [], roots: [{ pid: 10, maxWaiters: 3, longestWaitMs: 20_000 }] } }), { app: {} })!;
    expect(f).toMatchObject({ status: 'fail', evidence: { rootPid: 10, waiters: 3 } });
    expect(f.message).toContain('seen during the window');
  });
  it('the lowest pid of a wait cycle stands as root', () => {
    const sessions = [session(21, { blockedBy: [22], waitEventType: 'Lock' }), session(22, { blockedBy: [21], waitEventType: 'Lock' })];
    expect(blockingTrees(sessions, []).map((t) => t.root)).toEqual([21]);
  });
});
