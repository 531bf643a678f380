import { describe, expect, it } from 'vitest';
import check from '../../checks/trace-retry-storm.js';
import { runCheck } from '../../src/core/runner.js';
import type { TracedProcess } from '../../src/sources/trace/facts.js';
import { makeProcess, makeTraceFacts } from '../trace/facts.js';

const run = (...processes: TracedProcess[]) => runCheck(check, makeTraceFacts(processes), { app: {} })!;

describe('trace-retry-storm', () => {
  it('passes when nothing gave up', () => {
    const f = run(makeProcess());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-failures');
  });

  it('passes on a few failures in a row', () => {
    const f = run(makeProcess({ retryRun: { tid: 4242, count: 2, firstAtMs: 10, lastAtMs: 90 } }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('isolated-failures');
  });

  it('warns when one thread gave up minRun times in a row, naming it', () => {
    const f = run(makeProcess({ retryRun: { tid: 4250, count: 14, firstAtMs: 50, lastAtMs: 1480 } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('storm');
    expect(f.message).toMatch(/Thread 4250 of pid 4242 .* gave up on a lock 14 times in a row, .* over 1\.43 s/);
    expect(f.evidence).toMatchObject({ tid: 4250, run: 14 });
  });
});
