/**
 * The hold tracker on its own (src/sources/proc/hold-tracker.ts): fed constructed samples at chosen times, and fed
 * the real /proc/locks text captured while real processes held locks — no clock, no sampler loop.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readerBehindStuckCommit } from '../../fixtures/holders.js';
import { statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import { HoldTracker, mergeNeighbours } from '../../src/sources/proc/hold-tracker.js';
import { MAX_POINTS } from '../../src/core/series.js';
import { type LockSample, type SampleKeys, sampleOf } from '../../src/sources/proc/lock-sample.js';
import { lockKey, parseProcLocks } from '../../src/sources/proc/lock-table.js';
import { type DecodedLock, type ShmHeader, type SqliteLockName } from '../../src/core/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir } = scratchPerTest();

function lock(name: SqliteLockName, mode: 'shared' | 'exclusive' = 'shared'): DecodedLock {
  return { name, mode, file: name.startsWith('wal-') ? 'shm' : 'db' };
}

function shm(mxFrame: number, nBackfill: number, readMarks: (number | null)[]): ShmHeader {
  return { iVersion: 3007000, iChange: 1, isInit: 1, bigEndCksum: 0, pageSizeBytes: 4096, mxFrame, nBackfill, salt1: 1, salt2: 2, readMarks, nBackfillAttempted: nBackfill };
}

function sample(t: number, holders: Record<number, DecodedLock[]>, header: ShmHeader | null = null): LockSample {
  return { t, shm: header, holders: Object.entries(holders).map(([pid, locks]) => ({ pid: Number(pid), locks })) };
}

describe('HoldTracker, constructed samples', () => {
  it('a write hold that starts in the window and ends in it: one acquisition, its length, the checkpoint flag of the longest', () => {
    const t = new HoldTracker(true);
    const idle = [lock('shared'), lock('wal-dms')];
    const writing = [...idle, lock('wal-write', 'exclusive')];
    const checkpointing = [...writing, lock('wal-checkpoint', 'exclusive')];
    expect(t.add(sample(0, { 7: idle }))).toEqual([7]);
    expect(t.add(sample(10, { 7: writing }))).toEqual([]);
    t.add(sample(20, { 7: idle }));
    t.add(sample(30, { 7: checkpointing }));
    t.add(sample(40, { 7: checkpointing }));
    t.add(sample(50, { 7: checkpointing }));
    expect(t.ongoing()).toEqual([{ pid: 7, writeSinceT: 30, readSinceT: null }]);
    t.add(sample(60, { 7: idle }));
    const [p] = t.finish(70, 70);
    expect(p).toMatchObject({ pid: 7, writeHoldIsCheckpoint: true, writeHoldIsPending: false, pendingWholeWindow: false, read: null });
    expect(p!.write).toMatchObject({ acquisitions: 2, longestMs: 30, heldMs: 40, heldAtStart: false, heldAtEnd: false, heldWholeWindow: false, p50Ms: 10, p99Ms: 30 });
    expect(p!.write!.share).toBeCloseTo(40 / 70, 4);
    expect(p!.locksSeen).toEqual(['shared', 'wal-checkpoint', 'wal-dms', 'wal-write']);
  });

  it('a WAL reader pinning its mark: pinned time, frames behind, the frame pinned; a changed slot is a new read', () => {
    const t = new HoldTracker(true);
    t.add(sample(0, { 9: [lock('wal-read-1')] }, shm(100, 40, [0, 60, null, null, null])));
    t.add(sample(10, { 9: [lock('wal-read-1')] }, shm(130, 40, [0, 60, null, null, null])));
    // Another read transaction, on another slot, pinning nothing (its mark is mxFrame).
    t.add(sample(20, { 9: [lock('wal-read-2')] }, shm(130, 40, [0, 60, 130, null, null])));
    const [p] = t.finish(30, 30);
    expect(p!.write).toBeNull();
    expect(p!.read).toMatchObject({ acquisitions: 2, longestMs: 20, heldWholeWindow: true, heldAtStart: true, heldAtEnd: true, maxFramesBehind: 70, pinsFrame: 60, longestPinnedMs: 20, pinnedMs: 20 });
  });

  it('READ0 while frames wait to be copied back pins every one of them; a process that vanishes ends its hold', () => {
    const t = new HoldTracker(true);
    t.add(sample(0, { 3: [lock('wal-read-0')] }, shm(50, 20, [0, null, null, null, null])));
    t.add(sample(10, {}, shm(50, 20, [0, null, null, null, null])));
    const [p] = t.finish(20, 20);
    expect(p!.read).toMatchObject({ acquisitions: 1, longestMs: 10, heldAtStart: true, heldAtEnd: false, heldWholeWindow: false, maxFramesBehind: 30, pinsFrame: null });
  });

  it('rollback: SHARED alone is a read, PENDING at every sample is a commit that waited the whole window', () => {
    const t = new HoldTracker(false);
    const reader = [lock('shared')];
    const committer = [lock('shared'), lock('reserved', 'exclusive'), lock('pending', 'exclusive')];
    t.add(sample(0, { 1: reader, 2: committer }));
    t.add(sample(10, { 1: reader, 2: committer }));
    const byPid = new Map(t.finish(20, 20).map((p) => [p.pid, p]));
    expect(byPid.get(1)!.read).toMatchObject({ heldWholeWindow: true, longestMs: 20 });
    expect(byPid.get(1)!.write).toBeNull();
    // A writer's own SHARED is part of its write, not a read.
    expect(byPid.get(2)).toMatchObject({ read: null, writeHoldIsPending: true, pendingWholeWindow: true, write: { heldWholeWindow: true, longestMs: 20 } });
    expect(t.shmAtStart).toBeNull();
  });
});

describe('HoldTracker, fed real /proc/locks text', () => {
  it('a rollback reader and a commit stuck in PENDING behind it, then each released in turn', async () => {
    const dir = tempDir('lockscope-tracker-');
    const db = join(dir, 'app.db');
    const { reader, writer } = await readerBehindStuckCommit(db, holders, ['--cpu', '0']);
    const files = statDatabaseFiles(db);
    const keys: SampleKeys = { dbKey: lockKey(files.db.device!, files.db.inode!), shmKey: null };
    const capture = (t: number) => sampleOf(parseProcLocks(readFileSync('/proc/locks', 'latin1')), keys, null, t);

    const both = capture(0);
    expect(both.holders.map((h) => h.pid)).toEqual([reader.pid, writer.pid].sort((a, b) => a - b));
    await writer.stop();
    const readerOnly = capture(20);
    expect(readerOnly.holders.map((h) => h.pid)).toEqual([reader.pid]);
    await reader.stop();
    const nobody = capture(30);
    expect(nobody.holders).toEqual([]);

    const t = new HoldTracker(false);
    for (const s of [both, { ...both, t: 10 }, readerOnly, nobody]) t.add(s);
    const byPid = new Map(t.finish(40, 40).map((p) => [p.pid, p]));
    expect(byPid.get(reader.pid)!.read).toMatchObject({ acquisitions: 1, longestMs: 30, heldAtStart: true, heldAtEnd: false, heldWholeWindow: false });
    expect(byPid.get(reader.pid)!.write).toBeNull();
    expect(byPid.get(writer.pid)).toMatchObject({ read: null, writeHoldIsPending: true, pendingWholeWindow: false, write: { acquisitions: 1, longestMs: 20, heldAtStart: true } });
    expect(byPid.get(writer.pid)!.locksSeen).toEqual(['pending', 'reserved', 'shared']);
  });
});

describe('HoldTracker timeline (locks --for time series)', () => {
  it('each process gets one interval per continuous hold of each lock, from the first sample that saw it to the first that did not; open at the end', () => {
    const t = new HoldTracker(true);
    const idle = [lock('shared'), lock('wal-dms')];
    const writing = [...idle, lock('wal-write', 'exclusive')];
    t.add(sample(1000, { 7: idle }));
    t.add(sample(1010, { 7: writing, 8: [lock('wal-read-1')] }));
    t.add(sample(1020, { 7: idle, 8: [lock('wal-read-1')] }));
    t.add(sample(1030, { 7: writing }));
    const holds = t.timeline(1040);
    const of = (pid: number, name: string) => holds.filter((h) => h.pid === pid && h.lock === name);
    // Times are from the first sample; the write hold between 10 and 20 is 10 ms, as the hold statistics count it.
    expect(of(7, 'WRITE')).toEqual([
      { pid: 7, lock: 'WRITE', mode: 'exclusive', startMs: 10, endMs: 20, open: false },
      { pid: 7, lock: 'WRITE', mode: 'exclusive', startMs: 30, endMs: 40, open: true },
    ]);
    expect(of(8, 'READ1')).toEqual([{ pid: 8, lock: 'READ1', mode: 'shared', startMs: 10, endMs: 30, open: false }]);
    expect(of(7, 'DMS')).toEqual([{ pid: 7, lock: 'DMS', mode: 'shared', startMs: 0, endMs: 40, open: true }]);
    // The write intervals add up to the hold statistics of the same samples.
    const stats = t.finish(1040, 40).find((p) => p.pid === 7)!;
    expect(of(7, 'WRITE').reduce((a, h) => a + h.endMs - h.startMs, 0)).toBe(stats.write!.heldMs);
  });

  it('progress while it runs: holders at the last sample, the longest write hold so far (the ongoing one counted), WAL frames', () => {
    const t = new HoldTracker(true);
    const writing = [lock('wal-dms'), lock('wal-write', 'exclusive')];
    t.add(sample(0, { 7: writing, 8: [lock('wal-dms')] }, shm(12, 0, [0, 12, null, null, null])));
    t.add(sample(50, { 7: writing, 8: [lock('wal-dms')] }, shm(15, 0, [0, 12, null, null, null])));
    expect(t.progress()).toEqual({ holders: 2, longestWrite: { pid: 7, ms: 50 }, walFrames: 15 });
  });

  it('bounded: a process that takes the lock thousands of times keeps at most MAX_POINTS intervals, and they still cover every hold', () => {
    const t = new HoldTracker(true);
    const n = 3 * MAX_POINTS;
    // Holds of 10 ms with gaps of 10 ms, and every tenth gap 30 ms: the short gaps are merged first.
    let at = 0;
    for (let i = 0; i < n; i += 1) {
      t.add(sample(at, { 7: [lock('wal-write', 'exclusive')] }));
      t.add(sample(at + 10, { 7: [] }));
      at += i % 10 === 9 ? 40 : 20;
    }
    const holds = t.timeline(at).filter((h) => h.lock === 'WRITE');
    expect(holds.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(holds[0]!.startMs).toBe(0);
    expect(holds[holds.length - 1]!.endMs).toBe(at - 40 + 10);
    // Merged intervals never overlap and stay in order; the long gaps survive the merging.
    for (let i = 1; i < holds.length; i += 1) expect(holds[i]!.startMs).toBeGreaterThanOrEqual(holds[i - 1]!.endMs);
    expect(holds.some((h, i) => i > 0 && h.startMs - holds[i - 1]!.endMs === 30)).toBe(true);
  });

  it('mergeNeighbours halves a list past MAX_POINTS and leaves a short one alone', () => {
    const list = Array.from({ length: MAX_POINTS + 2 }, (_, i) => ({ pid: 1, lock: 'WRITE', mode: 'exclusive' as const, startMs: i * 10, endMs: i * 10 + 5, open: false }));
    expect(mergeNeighbours(list.slice(0, 10))).toHaveLength(10);
    const merged = mergeNeighbours(list);
    expect(merged.length).toBeLessThanOrEqual(Math.ceil(list.length / 2));
    expect(merged[0]!.startMs).toBe(0);
    expect(merged[merged.length - 1]!.endMs).toBe(list[list.length - 1]!.endMs);
  });
});
