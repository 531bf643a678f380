import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-idle-in-transaction.js';
import { runCheck } from '../../src/core/runner.js';
import { makePgFacts, session } from '../helpers/pg-facts.js';

const idle = (idleMs: number) => session(10, { state: 'idle in transaction', stateAgeMs: idleMs, transactionAgeMs: idleMs + 100, query: 'update t set v = 2' });
const rowLock = { pid: 10, lockType: 'relation', mode: 'RowExclusiveLock', granted: true, object: 'public.t', waitMs: null };

describe('pg-idle-in-transaction', () => {
  it("'none-idle'", () => expect(runCheck(check, makePgFacts(), { app: {} })).toMatchObject({ status: 'pass', messageId: 'none-idle' }));
  it("'briefly-idle': under idleMs", () => expect(runCheck(check, makePgFacts({ sessions: [idle(1000)], locks: [rowLock] }), { app: {} })).toMatchObject({ status: 'pass', messageId: 'briefly-idle' }));
  it("'idle-holding-locks': idle 30 s with a lock, blocking nobody", () => {
    const f = runCheck(check, makePgFacts({ sessions: [idle(30_000)], locks: [rowLock] }), { app: {} })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'idle-holding-locks', evidence: { pid: 10, locksHeld: 1, blocks: 0 } });
    expect(f.fixes.some((x) => x.sql?.includes("ALTER ROLE app SET idle_in_transaction_session_timeout = '30s'"))).toBe(true);
  });
  it("'idle-blocking': blocks another session, whatever how long", () => {
    const f = runCheck(check, makePgFacts({ sessions: [idle(500), session(11, { blockedBy: [10] })], locks: [rowLock], trees: [{ root: 10, waiters: [{ pid: 11, blockedBy: [10], mode: 'ShareLock', object: 'transaction 5', waitMs: 400, depth: 1 }], longestWaitMs: 400 }] }), { app: {} })!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'idle-blocking', evidence: { blocks: 1 } });
    expect(f.message).toContain('update t set v = 2');
  });
});
