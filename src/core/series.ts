/**
 * Time series a run records beside its totals, so the report can be drawn (terminal charts, `--format html`)
 * and plotted by others from the JSON. Times are milliseconds from the start of the run/window; every series
 * is bounded (a long window keeps at most MAX_POINTS points per series, merging neighbours).
 *
 * - `lockscope stress`: StressFacts.series — per interval, transactions committed, BUSY by kind, latency
 *   percentiles; the WAL over the run.
 * - `lockscope locks --for`: LockSampleFacts.timeline — per process, the intervals it held each lock; the WAL
 *   and -shm counters over the window.
 */

/** The most points a series keeps (neighbouring intervals are merged beyond it). */
export const MAX_POINTS = 600;

/** One interval of a stress run. */
export interface StressInterval {
  /** Start and end of the interval, ms from the start of the run. */
  startMs: number;
  endMs: number;
  /** Transactions committed in the interval (writers). */
  committed: number;
  /** Reads completed in the interval (readers). */
  reads: number;
  /** Failed attempts in the interval, by kind (the keys of StressErrorCounts: SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, …). */
  busy: Record<string, number>;
  /** Commit latency in the interval, ms; null when nothing committed. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /**
   * Present (true) when more transactions committed in the interval than lockscope keeps latencies of (2,048):
   * p50/p99 are then from a uniform sample of them (estimates); maxMs stays exact.
   */
  latencySampled?: boolean;
}

/** The WAL (and its wal-index) at one moment. */
export interface WalPoint {
  /** ms from the start of the run/window. */
  tMs: number;
  /** -wal size in bytes; null = no -wal file. */
  walBytes: number | null;
  /** -shm header: frames in the WAL and frames already copied back; null when unreadable. */
  mxFrame: number | null;
  nBackfill: number | null;
}

export interface StressSeries {
  /** The interval length (ms) of `intervals` (the last one may be shorter). */
  intervalMs: number;
  intervals: StressInterval[];
  wal: WalPoint[];
}

/** One continuous hold of one lock by one process, as sampled (each sample counts until the next one). */
export interface HoldInterval {
  pid: number;
  /** Lock name as `locks` prints it (e.g. WRITER, READ-MARK-1, RESERVED, PENDING, EXCLUSIVE, SHARED). */
  lock: string;
  mode: 'shared' | 'exclusive';
  /**
   * ms from the start of the window: the first sample that saw it, and the first that no longer did (or the
   * window's end when `open`), so endMs − startMs adds up to the hold times of `sampling`. Past MAX_POINTS holds
   * of one lock by one process, neighbours separated by the shortest gaps are merged (the gap counts as held).
   */
  startMs: number;
  endMs: number;
  /** Still held when the window ended. */
  open: boolean;
}

export interface LockTimeline {
  holds: HoldInterval[];
  wal: WalPoint[];
}

/** A WAL point before rounding and thinning (tMs not rounded). */
export type RawWalPoint = WalPoint;

/**
 * At most MAX_POINTS WAL points: samples in groups, and of each group the smallest and the largest -wal (in
 * time order), so a sawtooth (checkpoints) keeps its teeth and a ramp (a pinned reader) its slope.
 */
export function thinWal(points: readonly RawWalPoint[]): WalPoint[] {
  const round = (p: RawWalPoint): WalPoint => ({ tMs: Math.round(p.tMs), walBytes: p.walBytes, mxFrame: p.mxFrame, nBackfill: p.nBackfill });
  if (points.length <= MAX_POINTS) return points.map(round);
  const groups = Math.floor(MAX_POINTS / 2);
  const size = Math.ceil(points.length / groups);
  const out: WalPoint[] = [];
  for (let g = 0; g < points.length; g += size) {
    const group = points.slice(g, g + size);
    let lo = 0;
    let hi = 0;
    group.forEach((p, i) => {
      if ((p.walBytes ?? -1) < (group[lo]!.walBytes ?? -1)) lo = i;
      if ((p.walBytes ?? -1) > (group[hi]!.walBytes ?? -1)) hi = i;
    });
    for (const i of [...new Set([lo, hi])].sort((a, b) => a - b)) out.push(round(group[i]!));
  }
  return out;
}

/** WAL points as they come, at most 2·MAX_POINTS kept (every other one past that), thinned to MAX_POINTS at the end. */
export class WalRecorder {
  private points: RawWalPoint[] = [];
  private stride = 1;
  private seen = 0;

  add(point: RawWalPoint): void {
    this.seen += 1;
    if (this.seen % this.stride !== 0) return;
    this.points.push(point);
    if (this.points.length > 2 * MAX_POINTS) {
      this.points = this.points.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  finish(): WalPoint[] {
    return thinWal(this.points);
  }
}
