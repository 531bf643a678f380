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

/** One continuous hold of one lock by one process, as sampled. */
export interface HoldInterval {
  pid: number;
  /** Lock name as `locks` prints it (e.g. WRITER, READ-MARK-1, RESERVED, PENDING, EXCLUSIVE, SHARED). */
  lock: string;
  mode: 'shared' | 'exclusive';
  /** First and last sample that saw it, ms from the start of the window. */
  startMs: number;
  endMs: number;
  /** Still held when the window ended. */
  open: boolean;
}

export interface LockTimeline {
  holds: HoldInterval[];
  wal: WalPoint[];
}
