/**
 * Exact percentiles by the nearest-rank method: the smallest value such that at least p% of the values
 * are at or below it. Always one of the observed values, so a p99 of hold times is a hold that happened.
 * (A library would add interpolation we do not want and a dependency we do not need.)
 */

/** `sorted` must be in ascending order (an array or a typed array); null when empty. p in (0, 100]. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

/** Percentile of unsorted values (copies and sorts numerically). */
export function percentile(values: readonly number[], p: number): number | null {
  return percentileSorted([...values].sort((a, b) => a - b), p);
}
