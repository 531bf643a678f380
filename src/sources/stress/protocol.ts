/**
 * What the harness and its worker threads share: the control words in a SharedArrayBuffer and the
 * messages they exchange. Workers count progress in shared words so the main thread can show it
 * every second without a message per transaction.
 */
import type { StressPattern, SyncMode, TxBegins, TxMode } from '../../core/stress-facts.js';
import type { IntervalTally } from './series.js';

/** Int32 slots of the control buffer. */
export const CTRL = {
  /** 0 until the main thread releases every worker at once (the barrier). */
  GO: 0,
  /** 1 = finish the transaction in progress and stop (end of the run). */
  STOP: 1,
  /** 1 = stop at once: cut holds short, roll back, no more retries (Ctrl-C, SIGTERM, errors). */
  ABORT: 2,
  /** Transactions claimed so far when the run is bounded by a number of transactions. */
  CLAIMED: 3,
  /** Per-thread counters start here: committed (or reads completed) and errors, two words per thread. */
  THREADS: 8,
} as const;

export function controlBuffer(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer((CTRL.THREADS + 2 * threads) * Int32Array.BYTES_PER_ELEMENT);
}

export const committedSlot = (thread: number) => CTRL.THREADS + 2 * thread;
export const errorSlot = (thread: number) => CTRL.THREADS + 2 * thread + 1;

export interface WorkerInit {
  role: 'writer' | 'reader';
  /** Thread number: writers 0..W-1, readers W..W+R-1. */
  thread: number;
  /** Writer number (0-based) or reader number. */
  index: number;
  dbPath: string;
  table: string;
  busyTimeoutMs: number;
  tx: TxMode;
  /** 'first-write': a read-then-write reads outside the transaction and BEGINs just before the write. */
  txBegins: TxBegins;
  pattern: StressPattern;
  batch: number;
  holdMs: number;
  readerHoldMs: number;
  thinkMs: number;
  rowBytes: number;
  synchronous: SyncMode;
  /** A per-connection journal mode to set (rollback variants only); null = leave what the file says. */
  journalModePragma: string | null;
  /** Null = leave SQLite's default (1000). */
  walAutocheckpointPages: number | null;
  /** Null = leave SQLite's default (-1, no limit). */
  journalSizeLimitBytes: number | null;
  retry: number;
  /** Null = bounded by time (STOP). */
  transactions: number | null;
  ctrl: SharedArrayBuffer;
  sampleCapacity: number;
  /** Length of the intervals the thread counts its events in (series.ts), ms. */
  intervalMs: number;
}

export interface ErrorTally {
  /** By ErrorKey. */
  counts: Record<string, number>;
  /** Codes counted as `other`: code → [count, first message]. */
  other: Record<string, [number, string]>;
}

export interface WriterStats {
  committed: number;
  rows: number;
  attempts: number;
  failed: number;
  retries: number;
  errors: ErrorTally;
  busyAtOnce: number;
  busyAfterTimeout: number;
  upgradeBusy: number;
  upgradeBusySnapshot: number;
  upgradeAttempts: number;
  latencies: Float64Array;
  latencyMax: number;
  latencyExact: boolean;
  lockWaits: Float64Array;
  lockWaitMax: number;
  /** performance.timeOrigin + now() when this writer left its loop. */
  endedAtMs: number;
}

export interface ReaderStats {
  completed: number;
  errors: ErrorTally;
  busyAtOnce: number;
  busyAfterTimeout: number;
  latencies: Float64Array;
  latencyMax: number;
  latencyExact: boolean;
  endedAtMs: number;
}

export interface EffectiveSettings {
  journalMode: string;
  synchronous: number;
  busyTimeoutMs: number;
  walAutocheckpointPages: number;
}

export type WorkerMessage =
  | { type: 'ready'; thread: number; effective: EffectiveSettings }
  | { type: 'interval'; thread: number; tally: IntervalTally }
  | { type: 'done'; thread: number; role: 'writer'; stats: WriterStats }
  | { type: 'done'; thread: number; role: 'reader'; stats: ReaderStats }
  | { type: 'error'; thread: number; code: string; message: string; phase: 'setup' | 'run' };
