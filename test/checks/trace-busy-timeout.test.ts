import { describe, expect, it } from 'vitest';
import check from '../../checks/trace-busy-timeout.js';
import { runCheck } from '../../src/core/runner.js';
import type { TracedProcess } from '../../src/sources/trace/facts.js';
import { makeProcess, makeTraceFacts } from '../trace/facts.js';

const run = (...processes: TracedProcess[]) => runCheck(check, makeTraceFacts(processes), { app: {} })!;

describe('trace-busy-timeout', () => {
  it('passes with the measured value when a process gave up after retrying for at least minMs', () => {
    const f = run(makeProcess({ busyTimeout: { kind: 'measured', ms: 1500, spanMs: 1519, sequences: 2, tid: 4242, otherMs: [] } }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('measured');
    expect(f.message).toMatch(/busy_timeout ≈ 1,500 ms \(gave up 2 time\(s\) after 1\.52 s\)/);
  });

  it('fails when a process gave up after retrying for less than minMs, naming it, with its runtime\'s fixes', () => {
    const f = run(makeProcess({ pid: 7, command: 'node app.js', runtime: 'node', busyTimeout: { kind: 'measured', ms: 200, spanMs: 230, sequences: 1, tid: 7, otherMs: [] } }), makeProcess({ busyTimeout: { kind: 'measured', ms: 5000, spanMs: 5100, sequences: 1, tid: 4242, otherMs: [] } }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('small');
    expect(f.evidence).toMatchObject({ pid: 7, busyTimeoutMs: 200, minMs: 1000 });
    expect(f.message).toMatch(/pid 7 \(node app\.js\) gave up after its busy handler slept 200 ms/);
    const stacks = new Set(f.fixes.map((x) => x.stack));
    expect(stacks.has('better-sqlite3')).toBe(true);
    expect(stacks.has('python')).toBe(false);
  });

  it('fails with busy_timeout 0 when a refusal outside a transaction was given up at once', () => {
    const f = run(makeProcess({ busyTimeout: { kind: 'zero', sequences: 3 } }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('zero');
    expect(f.message).toMatch(/busy_timeout is 0/);
  });

  it('warns when every refusal was at once with a read lock held: 0 or the trap, not told apart', () => {
    const f = run(makeProcess({ busyTimeout: { kind: 'at-once-only', sequences: 4 } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('at-once-only');
    expect(f.message).toMatch(/cannot tell the two apart/);
  });

  it('passes on a lower bound that already reaches minMs, and skips on one that does not', () => {
    const high = run(makeProcess({ busyTimeout: { kind: 'lower-bound', ms: 1200 } }));
    expect(high.status).toBe('pass');
    expect(high.messageId).toBe('lower-bound');
    const low = run(makeProcess({ busyTimeout: { kind: 'lower-bound', ms: 300 } }));
    expect(low.status).toBe('skip');
    expect(low.messageId).toBe('no-contention');
    expect(low.message).toMatch(/at least that/);
  });

  it('skips when no lock was refused: nothing to measure (not a pass)', () => {
    const f = run(makeProcess());
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('no-contention');
  });

  it('minMs can be lowered', () => {
    const f = runCheck(check, makeTraceFacts([makeProcess({ busyTimeout: { kind: 'measured', ms: 200, spanMs: 230, sequences: 1, tid: 1, otherMs: [] } })]), { app: {}, thresholds: { 'trace-busy-timeout': { minMs: 100 } } })!;
    expect(f.status).toBe('pass');
  });
});
