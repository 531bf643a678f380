import { describe, expect, it } from 'vitest';
import check from '../../checks/trace-upgrade-trap.js';
import { runCheck } from '../../src/core/runner.js';
import type { TracedProcess } from '../../src/sources/trace/facts.js';
import { makeProcess, makeTraceFacts } from '../trace/facts.js';

const run = (...processes: TracedProcess[]) => runCheck(check, makeTraceFacts(processes), { app: {} })!;

describe('trace-upgrade-trap', () => {
  it('fails when a process that retried elsewhere had a write refused at once with a read lock held, naming it and its count', () => {
    const f = run(makeProcess({ pid: 11, modes: { writeFirst: 2, readThenWrite: 3, ambiguous: 0 } }), makeProcess({ pid: 12, modes: { writeFirst: 4, readThenWrite: 0, ambiguous: 0 } }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('trapped');
    expect(f.evidence.pids).toEqual([11]);
    expect(f.message).toMatch(/pid 11 \(python3 app\.py\): 3 time\(s\)/);
    expect(f.fixes.some((x) => x.sql === 'BEGIN IMMEDIATE;')).toBe(true);
    expect(f.fixes.every((x) => !x.stack || ['python', 'django', 'sqlalchemy', 'peewee'].includes(x.stack))).toBe(true);
  });

  it('warns when such refusals come from a process never seen retrying: busy_timeout 0 or the trap', () => {
    const f = run(makeProcess({ modes: { writeFirst: 0, readThenWrite: 0, ambiguous: 2 } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('at-once-with-read');
    expect(f.fixes.some((x) => x.sql === 'PRAGMA busy_timeout = 5000;')).toBe(true);
  });

  it('passes when every refused write waited in the busy handler, saying what it cannot see', () => {
    const f = run(makeProcess({ modes: { writeFirst: 5, readThenWrite: 0, ambiguous: 0 } }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('write-first');
    expect(f.message).toMatch(/met no contention in the window show nothing/);
  });

  it('skips when no write was refused (not a pass)', () => {
    const f = run(makeProcess());
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('no-write-contention');
  });
});
