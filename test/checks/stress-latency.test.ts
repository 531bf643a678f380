import { describe, expect, it } from 'vitest';
import check from '../../checks/stress-latency.js';
import { runCheck } from '../../src/core/runner.js';
import { factsWithStress, makeStress } from '../stress/fixtures.js';

const run = (stress: ReturnType<typeof makeStress>, thresholds?: Record<string, number>) =>
  runCheck(check, factsWithStress(stress), { app: {}, thresholds: thresholds ? { 'stress-latency': thresholds } : undefined })!;

describe('stress-latency', () => {
  it('passes with p99 within 200 ms', () => {
    const f = run(makeStress());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('fast');
    expect(f.evidence.p99Ms).toBe(5);
  });

  it('warns above 200 ms, blaming the lock wait when it dominates', () => {
    const f = run(makeStress({ latencyMs: { p50: 5, p95: 150, p99: 350, max: 900 }, lockWaitMs: { p50: 1, p99: 300, max: 800 }, workload: { ...makeStress().workload, holdMs: 20 } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('slow');
    expect(f.message).toMatch(/Waiting for the write lock/);
    expect(f.fixes.some((x) => /keep write transactions short/.test(x.summary))).toBe(true);
  });

  it('fails above 1000 ms; slow commits with synchronous FULL in WAL get the NORMAL fix', () => {
    const f = run(makeStress({ latencyMs: { p50: 300, p95: 900, p99: 1500, max: 2000 }, lockWaitMs: { p50: 0.01, p99: 3, max: 10 }, workload: { ...makeStress().workload, synchronous: 'full' } }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('very-slow');
    expect(f.message).toMatch(/not the main cost/);
    expect(f.fixes.some((x) => x.sql === 'PRAGMA synchronous = NORMAL;')).toBe(true);
  });

  it('skips when nothing committed', () => {
    const f = run(makeStress({ latencyMs: null, committed: 0 }));
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('no-commits');
  });

  it('takes a threshold override', () => {
    expect(run(makeStress(), { warnMs: 2 }).status).toBe('warn');
  });
});
