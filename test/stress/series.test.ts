/**
 * The stress run's time series (StressFacts.series): the recorder fed intervals as the threads post them, and a
 * real run of the built CLI whose intervals must add up to its totals.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { MAX_POINTS, thinWal } from '../../src/core/series.js';
import { ERROR_KEYS } from '../../src/core/stress-facts.js';
import { type IntervalTally, LATENCY_SAMPLE, StressSeriesRecorder, baseIntervalMs } from '../../src/sources/stress/series.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

function tally(index: number, patch: Partial<IntervalTally> = {}): IntervalTally {
  return { index, committed: 0, reads: 0, failed: {}, latencies: [], latencySeen: 0, latencyMax: 0, ...patch };
}

describe('StressSeriesRecorder', () => {
  it('merges the threads of one interval, in any order, and reports percentiles, BUSY by kind and empty intervals', () => {
    const r = new StressSeriesRecorder(100);
    r.add(tally(2, { committed: 2, latencies: [4, 8], latencySeen: 2, latencyMax: 8, failed: { SQLITE_BUSY: 3 } }));
    r.add(tally(0, { committed: 1, latencies: [1], latencySeen: 1, latencyMax: 1 }));
    r.add(tally(2, { committed: 1, reads: 5, latencies: [2], latencySeen: 1, latencyMax: 2, failed: { SQLITE_BUSY: 1, SQLITE_BUSY_SNAPSHOT: 2 } }));
    const s = r.finish(250);
    expect(s.intervalMs).toBe(100);
    expect(s.intervals.map((i) => [i.startMs, i.endMs, i.committed])).toEqual([
      [0, 100, 1],
      [100, 200, 0],
      [200, 250, 3],
    ]);
    const last = s.intervals[2]!;
    expect(last).toMatchObject({ reads: 5, p50Ms: 4, p99Ms: 8, maxMs: 8 });
    expect(Object.keys(last.busy).sort()).toEqual([...ERROR_KEYS].sort());
    expect(last.busy).toMatchObject({ SQLITE_BUSY: 4, SQLITE_BUSY_SNAPSHOT: 2, SQLITE_LOCKED: 0 });
    expect(s.intervals[1]).toMatchObject({ p50Ms: null, p99Ms: null, maxMs: null });
    expect(last.latencySampled).toBeUndefined();
  });

  it('a long run keeps at most MAX_POINTS intervals: neighbours merge and the interval length doubles, counts preserved', () => {
    const r = new StressSeriesRecorder(100);
    const n = 2 * MAX_POINTS + 10;
    for (let i = 0; i < n; i += 1) r.add(tally(i, { committed: 3, failed: { SQLITE_BUSY: 1 }, latencies: [i], latencySeen: 1, latencyMax: i }));
    const s = r.finish(n * 100);
    expect(s.intervals.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(s.intervalMs).toBe(400);
    expect(s.intervals.reduce((a, i) => a + i.committed, 0)).toBe(3 * n);
    expect(s.intervals.reduce((a, i) => a + (i.busy.SQLITE_BUSY ?? 0), 0)).toBe(n);
    expect(s.intervals[s.intervals.length - 1]!.maxMs).toBe(n - 1);
  });

  it('past LATENCY_SAMPLE commits in an interval the percentiles come from a sample, and say so; the max stays exact', () => {
    const r = new StressSeriesRecorder(100);
    const many = Array.from({ length: LATENCY_SAMPLE }, (_, i) => i % 10);
    r.add(tally(0, { committed: LATENCY_SAMPLE, latencies: many, latencySeen: LATENCY_SAMPLE, latencyMax: 9 }));
    r.add(tally(0, { committed: 1, latencies: [500], latencySeen: 1, latencyMax: 500 }));
    const [i] = r.finish(100).intervals;
    expect(i).toMatchObject({ committed: LATENCY_SAMPLE + 1, maxMs: 500, latencySampled: true });
  });

  it('the interval length fits the planned run in MAX_POINTS: 100 ms up to a minute, then 200 ms, 500 ms, 1 s…', () => {
    expect(baseIntervalMs(null)).toBe(100);
    expect(baseIntervalMs(2000)).toBe(100);
    expect(baseIntervalMs(60_000)).toBe(100);
    expect(baseIntervalMs(61_000)).toBe(200);
    expect(baseIntervalMs(300_000)).toBe(500);
    expect(baseIntervalMs(3_600_000)).toBe(10_000);
  });

  it("thinWal keeps each group's smallest and largest -wal, so a sawtooth keeps its teeth within MAX_POINTS", () => {
    // A sawtooth: grows 0..99 frames, then a checkpoint resets it; 20 teeth of 100 samples.
    const points = Array.from({ length: 2000 }, (_, i) => ({ tMs: i * 10, walBytes: (i % 100) * 4120, mxFrame: i % 100, nBackfill: 0 }));
    const thin = thinWal(points);
    expect(thin.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(thin.filter((p) => p.walBytes === 0).length).toBe(20);
    expect(thin.filter((p) => p.walBytes === 99 * 4120).length).toBe(20);
    expect(thin.every((p, i) => i === 0 || p.tMs > thin[i - 1]!.tMs)).toBe(true);
  });
});

describe('lockscope stress --json: the series', () => {
  let db: string;
  beforeEach(() => {
    db = join(scratch.tempDir('lockscope-series-'), 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
  });

  it('its intervals add up to the totals (committed, reads, errors by kind), cover the run without gaps, and every WAL sample is a point', () => {
    const r = runCli(['stress', db, '--duration', '1s', '--writers', '3', '--readers', '1', '--busy-timeout', '0', '--json', '--progress', 'off'], { timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('progress:');
    const stress = JSON.parse(r.stdout).databases[0].stress;
    const s = stress.series;
    expect(s.intervalMs).toBe(100);
    const sum = (f: (i: { committed: number; reads: number; busy: Record<string, number> }) => number) => s.intervals.reduce((a: number, i: never) => a + f(i), 0);
    expect(sum((i) => i.committed)).toBe(stress.committed);
    expect(sum((i) => i.reads)).toBe(stress.readers.completed);
    for (const k of ERROR_KEYS) expect(sum((i) => i.busy[k]!)).toBe(stress.errors[k]);
    // busy timeout 0 with three writers: BUSY happens, so the per-kind counts above are not all zero.
    expect(stress.errors.SQLITE_BUSY).toBeGreaterThan(0);
    s.intervals.forEach((i: { startMs: number; endMs: number }, k: number) => {
      expect(i.startMs).toBe(k * 100);
      expect(i.endMs).toBeGreaterThan(i.startMs);
    });
    const maxes = s.intervals.map((i: { maxMs: number | null }) => i.maxMs ?? 0);
    expect(Math.max(...maxes)).toBe(stress.latencyMs.max);
    // Every sample the WAL sampler process took is a point (fewer than MAX_POINTS here), in time order, and agrees
    // with the run's WAL totals. (How many there are depends on when the sampler process got going.)
    expect(s.wal.length).toBe(stress.wal.samples);
    s.wal.forEach((p: { tMs: number }, k: number) => expect(p.tMs).toBeGreaterThanOrEqual(k === 0 ? 0 : s.wal[k - 1].tMs));
    expect(Math.max(0, ...s.wal.map((p: { walBytes: number | null }) => p.walBytes ?? 0))).toBeLessThanOrEqual(stress.walPeakBytes);
    expect(Math.max(0, ...s.wal.map((p: { mxFrame: number | null }) => p.mxFrame ?? 0))).toBe(stress.wal.maxFrames ?? 0);
  });
});
