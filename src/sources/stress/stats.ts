/**
 * Latency bookkeeping: an exact sample store (a uniform reservoir past its capacity) and exact
 * nearest-rank percentiles over it. A stress run of a few seconds records tens of thousands of
 * transactions, so sorting every sample is cheap and gives exact answers; a histogram library
 * (hdr-histogram-js) would trade exactness for memory we do not need to save.
 */
import { percentileSorted } from '../../core/percentile.js';
import type { HistogramBucket, LatencySummary, LockWaitSummary } from '../../core/stress-facts.js';

/** Samples kept exactly per thread; past this, Algorithm R keeps a uniform sample of this size. */
export const DEFAULT_SAMPLE_CAPACITY = 1_000_000;

export class SampleStore {
  private buf: Float64Array;
  private n = 0;
  /** Every value offered, including those the reservoir dropped. */
  seen = 0;
  max = 0;

  constructor(private readonly capacity = DEFAULT_SAMPLE_CAPACITY) {
    this.buf = new Float64Array(Math.min(capacity, 4096));
  }

  add(value: number): void {
    this.seen += 1;
    if (value > this.max) this.max = value;
    if (this.n < this.capacity) {
      if (this.n === this.buf.length) {
        const next = new Float64Array(Math.min(this.capacity, this.buf.length * 2));
        next.set(this.buf);
        this.buf = next;
      }
      this.buf[this.n] = value;
      this.n += 1;
      return;
    }
    // Algorithm R: the i-th value replaces a random kept one with probability capacity / i.
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.capacity) this.buf[slot] = value;
  }

  /** True while every value offered is kept. */
  get exact(): boolean {
    return this.seen <= this.capacity;
  }

  /** The kept samples (a copy, safe to transfer to another thread). */
  values(): Float64Array {
    return this.buf.slice(0, this.n);
  }
}

/** Concatenates and sorts samples from several threads. */
export function mergeSorted(parts: readonly Float64Array[]): Float64Array {
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}

/** Nearest-rank percentile of sorted values (the same method as the lock sampler's); NaN when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  return percentileSorted(sorted, p) ?? Number.NaN;
}

/** Rounded to 0.001 ms: the report is read by people, and the clock is not finer than that in practice. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function latencySummary(sorted: Float64Array, max: number): LatencySummary | null {
  if (sorted.length === 0) return null;
  return {
    p50: roundMs(percentile(sorted, 50)),
    p95: roundMs(percentile(sorted, 95)),
    p99: roundMs(percentile(sorted, 99)),
    max: roundMs(Math.max(max, sorted[sorted.length - 1] ?? 0)),
  };
}

export function lockWaitSummary(sorted: Float64Array, max: number): LockWaitSummary | null {
  if (sorted.length === 0) return null;
  return {
    p50: roundMs(percentile(sorted, 50)),
    p99: roundMs(percentile(sorted, 99)),
    max: roundMs(Math.max(max, sorted[sorted.length - 1] ?? 0)),
  };
}

/** 1-2-5 bucket bounds from 0.1 ms to 10 s, then one open bucket. */
export const HISTOGRAM_BOUNDS_MS: readonly number[] = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/**
 * Counts per bucket, trimmed to the range that has values. When the samples are a reservoir,
 * counts are scaled to `total` so the bars still add up to the transactions committed.
 */
export function histogram(sorted: Float64Array, total = sorted.length): HistogramBucket[] {
  if (sorted.length === 0) return [];
  const counts = new Array<number>(HISTOGRAM_BOUNDS_MS.length + 1).fill(0);
  let b = 0;
  for (const v of sorted) {
    while (b < HISTOGRAM_BOUNDS_MS.length && v > (HISTOGRAM_BOUNDS_MS[b] ?? Infinity)) b += 1;
    counts[b] = (counts[b] ?? 0) + 1;
  }
  const scale = total / sorted.length;
  const buckets = counts.map((count, i) => ({ upperMs: HISTOGRAM_BOUNDS_MS[i] ?? null, count: Math.round(count * scale) }));
  const first = buckets.findIndex((x) => x.count > 0);
  let last = buckets.length - 1;
  while (last > first && (buckets[last]?.count ?? 0) === 0) last -= 1;
  return buckets.slice(first, last + 1);
}
