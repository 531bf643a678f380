import { describe, expect, it } from 'vitest';
import { KnobError, recommendedWorkload, resolveWorkload } from '../../src/stress/knobs.js';

const wal = { walEnabled: true, pageSizeBytes: 4096, autoVacuum: 'none' as const };
const rollback = { walEnabled: false, pageSizeBytes: 8192, autoVacuum: 'full' as const };

describe('stress knobs', () => {
  it("defaults to the issue's workload and SQLite's own defaults for undeclared settings", () => {
    const w = resolveWorkload({}, {}, wal);
    expect(w).toMatchObject({ writers: 4, readers: 0, durationMs: 5000, transactions: null, busyTimeoutMs: 0, busyTimeoutSource: 'default', tx: 'deferred', pattern: 'insert', batch: 1, holdMs: 0, thinkMs: 0, synchronous: 'full', synchronousSource: 'default', retry: 0, journalMode: 'wal', walAutocheckpointPages: 1000 });
  });

  it("takes the app's declared values, and flags over them", () => {
    const app = { busyTimeoutMs: 3000, transactionMode: 'immediate' as const, synchronous: 'normal' as const, walAutocheckpointPages: 200 };
    expect(resolveWorkload({}, app, wal)).toMatchObject({ busyTimeoutMs: 3000, busyTimeoutSource: 'app', tx: 'immediate', synchronous: 'normal', walAutocheckpointPages: 200 });
    expect(resolveWorkload({ busyTimeoutMs: 10 }, app, wal)).toMatchObject({ busyTimeoutMs: 10, busyTimeoutSource: 'flag' });
  });

  it("copies the target's set-up: page size, auto_vacuum, rollback variant", () => {
    expect(resolveWorkload({}, { journalMode: 'truncate' }, rollback)).toMatchObject({ journalMode: 'truncate', pageSizeBytes: 8192, autoVacuum: 'full' });
    expect(resolveWorkload({}, { journalMode: 'wal' }, rollback).journalMode).toBe('delete');
  });

  it('bounds by transactions instead of time', () => {
    expect(resolveWorkload({ transactions: 50 }, {}, wal)).toMatchObject({ transactions: 50, durationMs: null });
  });

  it.each([
    [{ writers: 0 }, /--writers/],
    [{ writers: -1 }, /--writers/],
    [{ readers: -2 }, /--readers/],
    [{ batch: 0 }, /--batch/],
    [{ durationMs: 0 }, /--duration/],
    [{ durationMs: 1000, transactions: 5 }, /either --duration or --transactions/],
    [{ tx: 'later' as never }, /--tx must be one of/],
    [{ pattern: 'random' as never }, /--pattern must be one of/],
    [{ synchronous: 'sometimes' as never }, /--synchronous must be one of/],
    [{ retry: 1.5 }, /--retry/],
  ])('rejects %j', (flags, message) => {
    expect(() => resolveWorkload(flags, {}, wal)).toThrow(KnobError);
    expect(() => resolveWorkload(flags, {}, wal)).toThrow(message);
  });

  it('recommends WAL, busy 5000 (never less than current), BEGIN IMMEDIATE, synchronous NORMAL', () => {
    const cur = resolveWorkload({ writers: 3, pattern: 'hot-row' }, {}, rollback);
    expect(recommendedWorkload(cur)).toMatchObject({ writers: 3, pattern: 'hot-row', journalMode: 'wal', busyTimeoutMs: 5000, tx: 'immediate', synchronous: 'normal' });
    expect(recommendedWorkload({ ...cur, busyTimeoutMs: 8000 }).busyTimeoutMs).toBe(8000);
  });
});
