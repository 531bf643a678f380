/**
 * The stress run's time series (StressFacts.series, src/core/series.ts), recorded in the main thread from
 * what the worker threads report per interval, and the WAL samples of the sampler process.
 *
 * Each thread counts its events (commits, reads, failed attempts by kind, commit latencies) in intervals of
 * `baseMs` from the moment it left the barrier, and posts an interval when its first event of a later one
 * happens (or it ends): an event is counted in the interval it ended in. A thread blocked in SQLite's busy
 * wait posts late, so the recorder accepts intervals in any order.
 *
 * Bounded memory: at most MAX_POINTS intervals (past that, neighbours are merged two by two and the interval
 * length doubles), and at most LATENCY_SAMPLE latencies per interval (a uniform sample past that: the
 * percentiles of a busy interval are then estimates, the max stays exact).
 */
import { MAX_POINTS, type RawWalPoint, type StressInterval, type StressSeries, WalRecorder } from '../../core/series.js';
import { ERROR_KEYS } from '../../core/stress-facts.js';
import { percentileSorted } from '../../core/percentile.js';
import { roundMs } from './stats.js';

/** Latencies kept per interval (per thread before merging, per interval after). */
export const LATENCY_SAMPLE = 2048;

/** One thread's events in one interval, as posted to the main thread. */
export interface IntervalTally {
  /** Interval index: events between index·baseMs and (index+1)·baseMs after the release. */
  index: number;
  committed: number;
  reads: number;
  /** Failed attempts by ErrorKey (absent = 0). */
  failed: Record<string, number>;
  /** A uniform sample of the commit latencies (ms), at most LATENCY_SAMPLE; `latencySeen` were offered. */
  latencies: number[];
  latencySeen: number;
  latencyMax: number;
}

/** The interval length for a planned duration: the smallest of 100 ms, 200 ms, 500 ms, 1 s, 2 s, 5 s… that keeps a run within MAX_POINTS. */
export function baseIntervalMs(plannedMs: number | null): number {
  const steps = [100, 200, 500];
  for (let scale = 1; ; scale *= 10) {
    for (const s of steps) {
      const ms = s * scale;
      if (plannedMs === null || plannedMs / ms <= MAX_POINTS) return ms;
    }
  }
}

/** A thread's tally of the interval in progress. */
export class IntervalCounter {
  private tally: IntervalTally | null = null;

  constructor(
    private readonly baseMs: number,
    private readonly startedAt: number,
    private readonly post: (t: IntervalTally) => void,
  ) {}

  /** The tally of the interval `at` (a performance.now() time) falls in; posts the previous one first. */
  at(at: number): IntervalTally {
    const index = Math.max(0, Math.floor((at - this.startedAt) / this.baseMs));
    if (this.tally && this.tally.index !== index) this.flush();
    this.tally ??= { index, committed: 0, reads: 0, failed: {}, latencies: [], latencySeen: 0, latencyMax: 0 };
    return this.tally;
  }

  commit(at: number, latencyMs: number): void {
    const t = this.at(at);
    t.committed += 1;
    addLatency(t, latencyMs);
  }

  read(at: number): void {
    this.at(at).reads += 1;
  }

  fail(at: number, key: string): void {
    const t = this.at(at);
    t.failed[key] = (t.failed[key] ?? 0) + 1;
  }

  flush(): void {
    if (this.tally) this.post(this.tally);
    this.tally = null;
  }
}

function addLatency(t: IntervalTally, ms: number): void {
  t.latencySeen += 1;
  if (ms > t.latencyMax) t.latencyMax = ms;
  if (t.latencies.length < LATENCY_SAMPLE) t.latencies.push(ms);
  else {
    // Algorithm R: the i-th latency replaces a random kept one with probability LATENCY_SAMPLE / i.
    const slot = Math.floor(Math.random() * t.latencySeen);
    if (slot < LATENCY_SAMPLE) t.latencies[slot] = ms;
  }
}

/** A uniform sample of the union of two uniform samples, each share in proportion to what it stands for. */
function mergeSamples(a: number[], aSeen: number, b: number[], bSeen: number): number[] {
  if (a.length + b.length <= LATENCY_SAMPLE) return [...a, ...b];
  const fromA = Math.min(a.length, Math.round((LATENCY_SAMPLE * aSeen) / Math.max(1, aSeen + bSeen)));
  return [...pick(a, fromA), ...pick(b, Math.min(b.length, LATENCY_SAMPLE - fromA))];
}

function pick(values: number[], n: number): number[] {
  if (n >= values.length) return values;
  const copy = [...values];
  // Partial Fisher-Yates: n random values without replacement.
  for (let i = 0; i < n; i += 1) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

function mergeTally(into: IntervalTally, t: IntervalTally): void {
  into.committed += t.committed;
  into.reads += t.reads;
  for (const [k, n] of Object.entries(t.failed)) into.failed[k] = (into.failed[k] ?? 0) + n;
  into.latencies = mergeSamples(into.latencies, into.latencySeen, t.latencies, t.latencySeen);
  into.latencySeen += t.latencySeen;
  into.latencyMax = Math.max(into.latencyMax, t.latencyMax);
}

function emptyTally(index: number): IntervalTally {
  return { index, committed: 0, reads: 0, failed: {}, latencies: [], latencySeen: 0, latencyMax: 0 };
}

/** What happened since the previous progress report (the intervals threads posted meanwhile). */
export interface ProgressWindow {
  committed: number;
  reads: number;
  failed: Record<string, number>;
  /** p99 of the commit latencies posted in the window, ms; null = none. */
  p99Ms: number | null;
}


export class StressSeriesRecorder {
  private intervalMs: number;
  /** Interval index (at the current length) → the threads' tallies merged. */
  private readonly intervals = new Map<number, IntervalTally>();
  private readonly wal = new WalRecorder();
  private progress = emptyTally(0);

  constructor(readonly baseMs: number) {
    this.intervalMs = baseMs;
  }

  /** A thread's interval (index at `baseMs`). */
  add(t: IntervalTally): void {
    mergeTally(this.progress, t);
    const index = Math.floor((t.index * this.baseMs) / this.intervalMs);
    const into = this.intervals.get(index) ?? emptyTally(index);
    mergeTally(into, { ...t, index });
    this.intervals.set(index, into);
    const span = Math.max(...this.intervals.keys()) + 1;
    if (span > MAX_POINTS) this.halve();
  }

  /** Doubles the interval length: neighbours 2k and 2k+1 become k. */
  private halve(): void {
    this.intervalMs *= 2;
    const old = [...this.intervals.values()];
    this.intervals.clear();
    for (const t of old) {
      const index = Math.floor(t.index / 2);
      const into = this.intervals.get(index) ?? emptyTally(index);
      mergeTally(into, { ...t, index });
      this.intervals.set(index, into);
    }
  }

  /** One WAL sample, `tMs` after the release. */
  addWal(point: RawWalPoint): void {
    this.wal.add(point);
  }

  /** What was posted since the previous call. */
  takeProgress(): ProgressWindow {
    const p = this.progress;
    this.progress = emptyTally(0);
    const sorted = [...p.latencies].sort((a, b) => a - b);
    const p99 = percentileSorted(sorted, 99);
    return { committed: p.committed, reads: p.reads, failed: p.failed, p99Ms: p99 === null ? null : roundMs(p99) };
  }

  /** The series of a run that lasted `durationMs` after the release. */
  finish(durationMs: number): StressSeries {
    const lastOf = () => Math.max(-1, ...this.intervals.keys(), Math.ceil(durationMs / this.intervalMs) - 1);
    while (lastOf() + 1 > MAX_POINTS) this.halve();
    const last = lastOf();
    const intervals: StressInterval[] = [];
    for (let i = 0; i <= last; i += 1) {
      const t = this.intervals.get(i) ?? emptyTally(i);
      const sorted = [...t.latencies].sort((a, b) => a - b);
      const busy: Record<string, number> = {};
      for (const k of ERROR_KEYS) busy[k] = t.failed[k] ?? 0;
      const at = (p: number) => {
        const v = percentileSorted(sorted, p);
        return v === null ? null : roundMs(v);
      };
      intervals.push({
        startMs: i * this.intervalMs,
        // The last interval ends with the run (it may be shorter).
        endMs: i < last ? (i + 1) * this.intervalMs : Math.max(i * this.intervalMs + 1, Math.min((i + 1) * this.intervalMs, Math.round(durationMs))),
        committed: t.committed,
        reads: t.reads,
        busy,
        p50Ms: at(50),
        p99Ms: at(99),
        maxMs: t.latencySeen > 0 ? roundMs(t.latencyMax) : null,
        ...(t.latencySeen > t.latencies.length ? { latencySampled: true } : {}),
      });
    }
    return { intervalMs: this.intervalMs, intervals, wal: this.wal.finish() };
  }
}
