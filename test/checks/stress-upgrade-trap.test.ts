import { describe, expect, it } from 'vitest';
import check from '../../checks/stress-upgrade-trap.js';
import { runCheck } from '../../src/core/runner.js';
import { factsWithStress, makeStress } from '../stress/fixtures.js';

const deferredRtw = (patch: Parameters<typeof makeStress>[0] = {}) =>
  makeStress({ ...patch, workload: { ...makeStress().workload, tx: 'deferred', pattern: 'read-then-write', ...(patch.workload ?? {}) } });
const run = (stress: ReturnType<typeof makeStress>) => runCheck(check, factsWithStress(stress), { app: {} })!;

describe('stress-upgrade-trap', () => {
  it('passes for BEGIN IMMEDIATE/EXCLUSIVE: the trap cannot happen', () => {
    const f = run(makeStress());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('not-deferred');
  });

  it('skips when the workload never read before writing (not a false pass)', () => {
    const f = run(makeStress({ workload: { ...makeStress().workload, tx: 'deferred' }, upgradeAttempts: 0 }));
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('not-exercised');
    expect(f.message).toMatch(/--pattern read-then-write/);
  });

  it('passes when deferred read-then-write transactions never failed at once', () => {
    const f = run(deferredRtw({ upgradeAttempts: 500 }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-trap');
  });

  it("passes, saying the read was outside the transaction, when the stack's driver begins only before the write", () => {
    const f = run(deferredRtw({ workload: { stack: 'python', txBegins: 'first-write', txSource: 'stack' } as never, upgradeAttempts: 0 }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('begins-at-write');
    expect(f.message).toMatch(/python driver's transactions begin only just before their first write/);
    expect(f.message).toMatch(/not atomic/);
    // The same counts with a BEGIN before the read would have been the unexercised skip, not this pass.
    const explicit = run(deferredRtw({ workload: { stack: 'python', txBegins: 'first-statement' } as never, upgradeAttempts: 0 }));
    expect(explicit.messageId).toBe('not-exercised');
  });

  it('fails when they failed at once despite a busy timeout, with BEGIN IMMEDIATE per driver', () => {
    const f = run(deferredRtw({ upgradeAttempts: 1000, upgradeBusy: { SQLITE_BUSY: 70, SQLITE_BUSY_SNAPSHOT: 30, total: 100 } }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('trap');
    expect(f.evidence).toMatchObject({ upgradeBusy: 100, upgradeBusySnapshot: 30, busyTimeoutMs: 5000 });
    expect(f.message).toMatch(/although busy_timeout is 5000 ms/);
    const stacks = f.fixes.map((x) => x.stack);
    expect(stacks).toEqual(expect.arrayContaining(['python', 'better-sqlite3', 'django', 'go', 'rails']));
  });

  it('warns at busy_timeout 0, where every BUSY is immediate anyway', () => {
    const f = run(deferredRtw({ workload: { busyTimeoutMs: 0 } as never, upgradeAttempts: 1000, upgradeBusy: { SQLITE_BUSY: 100, SQLITE_BUSY_SNAPSHOT: 0, total: 100 } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('trap-zero-timeout');
    expect(f.fixes.some((x) => x.sql === 'PRAGMA busy_timeout = 5000;')).toBe(true);
  });
});
