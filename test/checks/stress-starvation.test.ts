import { describe, expect, it } from 'vitest';
import check from '../../checks/stress-starvation.js';
import { runCheck } from '../../src/core/runner.js';
import { factsWithStress, makeStress } from '../stress/fixtures.js';

const writers = (...committed: number[]) => committed.map((c) => ({ committed: c, errors: 0, failed: 0, retries: 0 }));
const run = (stress: ReturnType<typeof makeStress>) => runCheck(check, factsWithStress(stress), { app: {} })!;

describe('stress-starvation', () => {
  it('passes when writers committed comparable amounts', () => {
    const f = run(makeStress({ perWriter: writers(900, 1000, 1100, 1000) }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('fair');
    expect(f.evidence).toMatchObject({ slowest: 900, fastest: 1100 });
  });

  it('warns when the slowest writer got less than 20% of the fastest', () => {
    const f = run(makeStress({ perWriter: writers(5000, 700, 40, 900) }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('unfair');
    expect(f.evidence.sharePercent).toBe(0.8);
    expect(f.fixes.length).toBeGreaterThan(0);
  });

  it('fails when a writer committed nothing', () => {
    const f = run(makeStress({ perWriter: writers(6000, 800, 0, 0) }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('starved');
    expect(f.message).toMatch(/2 of 4 writers committed nothing/);
  });

  it('skips with one writer, and when nobody committed', () => {
    expect(run(makeStress({ perWriter: writers(10) })).messageId).toBe('single-writer');
    const f = run(makeStress({ perWriter: writers(0, 0) }));
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('no-commits');
  });
});
