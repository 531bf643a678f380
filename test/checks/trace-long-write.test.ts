import { describe, expect, it } from 'vitest';
import check from '../../checks/trace-long-write.js';
import { runCheck } from '../../src/core/runner.js';
import type { TracedProcess } from '../../src/sources/trace/facts.js';
import { makeProcess, makeTraceFacts } from '../trace/facts.js';

const run = (...processes: TracedProcess[]) => runCheck(check, makeTraceFacts(processes), { app: {} })!;
const holding = (heldMs: number, open = false) =>
  makeProcess({ pid: 9, writeHolds: { count: 3, p50Ms: 5, p90Ms: heldMs, p99Ms: heldMs, maxMs: heldMs }, longestWrites: [{ tid: 10, atMs: 2000, heldMs, open }] });

describe('trace-long-write', () => {
  it('passes when no process took the write lock', () => {
    const f = run(makeProcess({ writeHolds: { count: 0, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null }, longestWrites: [] }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-writes');
  });

  it('passes when the longest hold is short', () => {
    const f = run(holding(40));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('short-holds');
    expect(f.evidence).toMatchObject({ pid: 9, longestMs: 40 });
  });

  it('warns above warnMs and fails above failMs, naming the process and thread', () => {
    const warn = run(makeProcess(), holding(2500));
    expect(warn.status).toBe('warn');
    expect(warn.messageId).toBe('long-hold');
    expect(warn.message).toMatch(/pid 9 .* held the write lock for 2\.50 s \(thread 10/);
    const fail = run(holding(45_000, true));
    expect(fail.status).toBe('fail');
    expect(fail.messageId).toBe('long-hold');
    expect(fail.message).toMatch(/for at least 45\.0 s .*still held when it ended/);
  });
});
