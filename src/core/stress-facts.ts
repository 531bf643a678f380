/**
 * Stress facts: what `lockscope stress` (and `audit --stress`) measured, as plain JSON-serialisable data.
 * The names of `StressResult`'s keys listed in issue 4 are part of the JSON interface: keep them.
 */

import type { Stack } from './model.js';
import type { StressSeries } from './series.js';

export type TxMode = 'deferred' | 'immediate' | 'exclusive';
export type StressPattern = 'insert' | 'read-then-write' | 'hot-row';
export type SyncMode = 'off' | 'normal' | 'full' | 'extra';
/** The journal mode the stress connections ran with ('wal' or a rollback variant). */
export type StressJournalMode = 'wal' | 'delete' | 'truncate' | 'persist' | 'memory' | 'off';

/**
 * Where a knob's value came from: a stress flag or the app's declaration (both "declared"), the named
 * stack's driver default, SQLite's own default (no stack named, or none known for it), or `--compare`'s
 * recommended arm.
 */
export type KnobSource = 'flag' | 'app' | 'stack' | 'default' | 'recommended';

/**
 * When a write transaction begins: before its first statement (an explicit BEGIN, Django's atomic(),
 * better-sqlite3's .transaction()), or only before its first write (Python sqlite3's legacy implicit
 * transactions, SQLAlchemy's default): then a read-then-write reads outside the transaction, and the
 * write's BEGIN waits in the busy handler instead of failing at once (checks/transaction-mode.md).
 */
export type TxBegins = 'first-statement' | 'first-write';

/** The knobs' sources as printed: "declared", "driver default (<stack>)", "SQLite default (no stack named)", "recommended". */
export interface KnobLabels {
  busyTimeout: string;
  tx: string;
  synchronous: string;
}

/** The knobs as run. */
export interface StressWorkload {
  writers: number;
  readers: number;
  /** The planned duration; null when the run was bounded by `transactions`. */
  durationMs: number | null;
  /** Total transactions (committed or given up) across all writers; null when bounded by time. */
  transactions: number | null;
  busyTimeoutMs: number;
  busyTimeoutSource: KnobSource;
  tx: TxMode;
  txSource: KnobSource;
  txBegins: TxBegins;
  /** The stack named with --stack / config `stack` whose driver defaults fill the undeclared knobs; null = none. */
  stack: Stack | null;
  /** Where busy timeout, transaction mode and synchronous came from, as printed. */
  knobLabels: KnobLabels;
  pattern: StressPattern;
  /** Rows written per transaction. */
  batch: number;
  /** Time a write transaction stays open before COMMIT. */
  holdMs: number;
  /** Pause between one write transaction and the writer's next (outside any transaction); 0 = back to back. */
  thinkMs: number;
  /** Time a reader keeps its read transaction (its snapshot) open. */
  readerHoldMs: number;
  rowBytes: number;
  /** PRAGMA synchronous, set explicitly on every stress connection (declared, the stack driver's, or SQLite's FULL). */
  synchronous: SyncMode;
  synchronousSource: KnobSource;
  /** BUSY/LOCKED attempts retried per transaction, with jittered exponential backoff. */
  retry: number;
  journalMode: StressJournalMode;
  pageSizeBytes: number;
  autoVacuum: 'none' | 'full' | 'incremental';
  /** PRAGMA wal_autocheckpoint on every stress connection (1000 = SQLite's default). */
  walAutocheckpointPages: number;
}

/** Error counts by SQLite extended result code (better-sqlite3 `err.code`). */
export interface StressErrorCounts {
  SQLITE_BUSY: number;
  SQLITE_BUSY_SNAPSHOT: number;
  SQLITE_BUSY_RECOVERY: number;
  /** Only in SQLITE_ENABLE_SETLK_TIMEOUT builds; kept so that nothing is hidden under "other". */
  SQLITE_BUSY_TIMEOUT: number;
  /** SQLITE_LOCKED and its extended codes (a conflict inside one connection or shared cache). */
  SQLITE_LOCKED: number;
  other: number;
}

export const ERROR_KEYS = ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'other'] as const;
export type ErrorKey = (typeof ERROR_KEYS)[number];

export function emptyErrorCounts(): StressErrorCounts {
  return { SQLITE_BUSY: 0, SQLITE_BUSY_SNAPSHOT: 0, SQLITE_BUSY_RECOVERY: 0, SQLITE_BUSY_TIMEOUT: 0, SQLITE_LOCKED: 0, other: 0 };
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LockWaitSummary {
  p50: number;
  p99: number;
  max: number;
}

/** Latency histogram bucket: transactions with latency ≤ upperMs (and above the previous bound); null = no upper bound. */
export interface HistogramBucket {
  upperMs: number | null;
  count: number;
}

export interface WriterResult {
  committed: number;
  errors: number;
  /** Transactions this writer gave up on (errors left after its retries). */
  failed: number;
  retries: number;
}

export interface ReaderResult {
  /** Read transactions completed by all readers. */
  completed: number;
  errors: StressErrorCounts;
  /** Read transaction latency (BEGIN … COMMIT, hold included). */
  latencyMs: LatencySummary | null;
}

/** What the WAL did during the run: the file by stat() in lockscope's process, the -wal/-shm headers by a separate sampler process. */
export interface WalObservation {
  /** Largest -wal size seen by stat() during the run. */
  walPeakBytes: number;
  /** Largest mxFrame (committed frames in the WAL) in the -shm header samples; null = no sample. */
  maxFrames: number | null;
  /** Largest mxFrame − nBackfill seen: frames written but not yet copied back. */
  maxFramesNotBackfilled: number | null;
  /** Times the WAL was restarted from frame 1 after a complete checkpoint (exact: the WAL header's checkpoint sequence). */
  walResets: number | null;
  /** Sample intervals in which nBackfill grew or the WAL restarted (a lower bound on checkpoints). */
  checkpointsSeen: number | null;
  /** -shm/-wal header samples taken. */
  samples: number;
}

/** One run of a workload: issue 4's `stress` object. */
export interface StressResult {
  workload: StressWorkload;
  target: 'scratch' | 'live';
  /** Release of the barrier to the last worker's end. */
  durationMs: number;
  committed: number;
  /** Rows written by committed transactions. */
  rowsCommitted: number;
  /** Write transaction attempts (first tries and retries). */
  attempts: number;
  /** Transactions given up after their retries. */
  failed: number;
  transactionsPerSecond: number;
  /** Committed transactions, first attempt to COMMIT (retries and backoff included); null = none committed. */
  latencyMs: LatencySummary | null;
  /** Elapsed of the statement that takes the write lock (BEGIN IMMEDIATE/EXCLUSIVE, or a deferred transaction's first write), every attempt; null = none. */
  lockWaitMs: LockWaitSummary | null;
  /** Writers' and readers' errors by extended code. */
  errors: StressErrorCounts;
  /** errors / (write attempts + read transactions), per code. */
  errorRates: StressErrorCounts;
  /** Codes counted under `other`, with counts, and one message each. */
  otherErrors: { code: string; count: number; message: string }[];
  /** BUSY-family errors that did not wait out the busy timeout (or busy_timeout is 0). */
  busyAtOnce: number;
  /** BUSY-family errors raised after waiting out the busy timeout. */
  busyAfterTimeout: number;
  /**
   * BUSY-family errors of a write inside a deferred transaction that had already read: SQLite does not
   * call the busy handler there (btree.c: only with no transaction open), so no busy timeout helps.
   */
  upgradeBusy: { SQLITE_BUSY: number; SQLITE_BUSY_SNAPSHOT: number; total: number };
  /** Writes that followed a read inside a deferred transaction (the chances for the upgrade trap). */
  upgradeAttempts: number;
  retries: number;
  walPeakBytes: number;
  checkpointsSeen: number | null;
  wal: WalObservation | null;
  perWriter: WriterResult[];
  readers: ReaderResult;
  /** Committed-transaction latency histogram: upper bounds (ms) and counts. */
  histogram: HistogramBucket[];
  /** The connections' settings read back with PRAGMAs after they were applied (from writer 0). */
  effective: { journalMode: string; synchronous: number; busyTimeoutMs: number; walAutocheckpointPages: number };
  /** Latency percentiles are exact up to this many samples per thread, then from a uniform reservoir. */
  latencySamplesExact: boolean;
  /** Per interval: committed, reads, failed attempts by kind, commit latency; the WAL over the run (src/core/series.ts). Absent in facts saved before it. */
  series?: StressSeries;
}

export interface ScratchInfo {
  /** Where the scratch database was (removed afterwards). */
  path: string;
  directory: string;
  /** The scratch directory is the target's own directory (the default). */
  nextToTarget: boolean;
  /** Filesystem names of the scratch directory and of the target's directory. */
  filesystem: string;
  targetFilesystem: string;
  sameDevice: boolean;
  sameFilesystemType: boolean;
  removed: boolean;
}

/** One arm of `--compare`: the settings that differ, and the run. */
export interface CompareArm extends StressResult {
  arm: 'current' | 'recommended';
  settings: { journalMode: StressJournalMode; busyTimeoutMs: number; tx: TxMode; synchronous: SyncMode };
}

/** Everything the stress checks look at: the run, where it ran, and the recommended arm when compared. */
export interface StressFacts extends StressResult {
  scratch: ScratchInfo | null;
  /** Live mode: the table lockscope created in the target and dropped afterwards. */
  liveTable: string | null;
  /** Leftovers of earlier runs killed before they could clean up, removed by this run. */
  leftoversRemoved: string[];
  /** Set when the run was cut short by SIGINT/SIGTERM. */
  interrupted: string | null;
  /** `--compare`: the same workload under the recommended settings. */
  recommended: CompareArm | null;
}
