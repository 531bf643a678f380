import { describe, expect, it } from 'vitest';
import { SampleStore, histogram, latencySummary, mergeSorted, percentile } from '../../src/sources/stress/stats.js';

describe('stress stats', () => {
  it('nearest-rank percentiles are exact', () => {
    const sorted = mergeSorted([Float64Array.from([5, 1, 3]), Float64Array.from([2, 4, 10, 9, 8, 7, 6])]);
    expect([...sorted]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 95)).toBe(10);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 10)).toBe(1);
    expect(latencySummary(sorted, 10)).toEqual({ p50: 5, p95: 10, p99: 10, max: 10 });
    expect(latencySummary(new Float64Array(0), 0)).toBeNull();
  });

  it('keeps every sample up to its capacity, then a uniform reservoir; max stays exact', () => {
    const s = new SampleStore(100);
    for (let i = 1; i <= 100; i += 1) s.add(i);
    expect(s.exact).toBe(true);
    expect(s.values().length).toBe(100);
    for (let i = 101; i <= 10_000; i += 1) s.add(i);
    expect(s.exact).toBe(false);
    expect(s.values().length).toBe(100);
    expect(s.max).toBe(10_000);
    expect(s.seen).toBe(10_000);
    // A uniform sample of 1..10000: its median is far above the first 100 values.
    expect(percentile(mergeSorted([s.values()]), 50)).toBeGreaterThan(1000);
  });

  it('buckets latencies 1-2-5 and trims empty ends; counts scale to the total', () => {
    const sorted = mergeSorted([Float64Array.from([0.05, 0.15, 0.15, 3, 12_000])]);
    const h = histogram(sorted);
    expect(h[0]).toEqual({ upperMs: 0.1, count: 1 });
    expect(h[1]).toEqual({ upperMs: 0.2, count: 2 });
    expect(h.find((b) => b.upperMs === 5)?.count).toBe(1);
    expect(h[h.length - 1]).toEqual({ upperMs: null, count: 1 });
    expect(histogram(mergeSorted([Float64Array.from([1, 1])]), 10)).toEqual([{ upperMs: 1, count: 10 }]);
  });
});
