import { describe, expect, it } from 'vitest';
import check from '../../checks/trace-lock-waits.js';
import { runCheck } from '../../src/core/runner.js';
import type { TracedProcess } from '../../src/sources/trace/facts.js';
import { makeProcess, makeTraceFacts } from '../trace/facts.js';

const run = (...processes: TracedProcess[]) => runCheck(check, makeTraceFacts(processes), { app: {} })!;
const waits = (pid: number, p99Ms: number) => makeProcess({ pid, lockWaits: { count: 100, p50Ms: 3, p90Ms: p99Ms / 2, p99Ms, maxMs: p99Ms * 1.2 } });

describe('trace-lock-waits', () => {
  it('passes when nothing waited', () => {
    const f = run(makeProcess());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-waits');
  });

  it('passes when the highest p99 is short', () => {
    const f = run(waits(1, 20));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('short-waits');
  });

  it('warns above warnMs and fails above failMs, naming the process with the highest p99', () => {
    const warn = run(waits(1, 20), waits(2, 450));
    expect(warn.status).toBe('warn');
    expect(warn.messageId).toBe('long-waits');
    expect(warn.evidence).toMatchObject({ pid: 2, p99Ms: 450 });
    const fail = run(waits(3, 3000));
    expect(fail.status).toBe('fail');
    expect(fail.messageId).toBe('long-waits');
  });
});
