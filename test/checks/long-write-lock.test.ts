import { describe, expect, it } from 'vitest';
import check from '../../checks/long-write-lock.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { hold, proc, samples } from '../locks/fake-samples.js';

const run = (lockSamples: AuditFacts['lockSamples'], thresholds?: Record<string, number>) =>
  runCheck(check, { ...makeFacts(), lockSamples }, { app: {}, thresholds: thresholds ? { 'long-write-lock': thresholds } : undefined });

describe('long-write-lock', () => {
  it('does not appear without sampling', () => {
    expect(runCheck(check, makeFacts(), { app: {} })).toBeNull();
  });

  it('passes when nobody wrote', () => {
    const f = run(samples([proc(10)]))!;
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-writes');
    expect(f.evidence).toMatchObject({ writers: 0, hz: 100 });
  });

  it('passes when every hold is short, naming the longest', () => {
    const f = run(samples([proc(10, { write: hold({ longestMs: 250, acquisitions: 40, share: 0.3 }) }), proc(11, { write: hold({ longestMs: 90 }) })]))!;
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('short-holds');
    expect(f.evidence).toMatchObject({ pid: 10, longestMs: 250, acquisitions: 40, writers: 2 });
    expect(f.message).toContain('PID 10 (python3 worker-10.py, user app, running 3 h)');
  });

  it('warns above warnMs, with share, holds, p50/p99 and how to find it', () => {
    const f = run(samples([proc(4242, { write: hold({ longestMs: 4200, share: 0.62, acquisitions: 3, p50Ms: 1500, p99Ms: 4200 }) })]))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('long-hold');
    expect(f.message).toMatch(/PID 4242 .* held the write lock without a break for 4\.20 s/);
    expect(f.message).toContain('62% of the time, in 3 holds (p50 1.50 s, p99 4.20 s)');
    expect(f.message).toContain('SQLITE_BUSY');
    expect(f.evidence).toMatchObject({ pid: 4242, longestMs: 4200, share: 0.62, p99Ms: 4200, writersOverWarn: [4242] });
    expect(f.fixes.some((x) => x.shell === 'ps -o pid,user,etime,args -p 4242')).toBe(true);
    expect(f.fixes.some((x) => x.shell?.startsWith('lockscope locks /data/app.db --for'))).toBe(true);
    expect(f.fixes.some((x) => x.stack === 'better-sqlite3')).toBe(true);
  });

  it('fails above failMs, and says "at least" for a hold cut by the window', () => {
    const f = run(samples([proc(7, { write: hold({ longestMs: 45_000, heldAtStart: true, heldAtEnd: true, heldWholeWindow: true, share: 1 }) })], { windowMs: 45_000 }))!;
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('long-hold');
    expect(f.message).toContain('at least 45.0 s — the whole window');
  });

  it('names a checkpoint that holds the write lock while it waits for readers', () => {
    const f = run(samples([proc(8, { write: hold({ longestMs: 2000 }), writeHoldIsCheckpoint: true })]))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('long-checkpoint');
    expect(f.fixes[0]!.sql).toContain('wal_checkpoint');
  });

  it('names a rollback commit that waited for readers (PENDING), with WAL as the fix', () => {
    const f = run(samples([proc(9, { write: hold({ longestMs: 3000 }), writeHoldIsPending: true })], { mode: 'rollback' }))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('long-commit-wait');
    expect(f.fixes.map((x) => x.sql)).toContain('PRAGMA journal_mode = WAL;');
  });

  it('thresholds can be overridden', () => {
    const s = samples([proc(1, { write: hold({ longestMs: 2000 }) })]);
    expect(run(s, { warnMs: 5000 })!.status).toBe('pass');
    expect(run(s, { failMs: 1500 })!.status).toBe('fail');
  });

  it('skips when sampling failed', () => {
    const f = run({ error: { code: 'ENOENT', message: 'no /proc/locks' } })!;
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('facts-unavailable');
  });
});
