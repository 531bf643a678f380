/**
 * The facts of `lockscope trace`: what the traced processes' own lock calls on one database (its file and its
 * -shm) showed over a window. Plain JSON; joined to FactsBySource by declaration merging, so core/ names no
 * trace type.
 */
import type { SqliteLockName } from '../../core/facts.js';

/** How a failed acquisition sequence ended. */
export type BusyOutcome =
  /** The lock was had after one or more refusals (a lock wait). */
  | 'acquired'
  /** The thread stopped asking: SQLITE_BUSY went back to the app. */
  | 'gave-up'
  /** Still being retried when the window ended. */
  | 'in-progress';

/**
 * One failed acquisition sequence of one thread: the first refusal (EAGAIN) of a lock an app statement waits
 * for, the busy handler's sleeps and retries, and how it ended.
 */
export interface BusyEvent {
  pid: number;
  tid: number;
  /** ms since the window began. */
  atMs: number;
  lock: SqliteLockName;
  outcome: BusyOutcome;
  /** `at-once`: no busy-handler sleep at all; `after-retry`: the busy handler slept and asked again. */
  kind: 'at-once' | 'after-retry';
  attempts: number;
  /** First refusal → success (acquired) or → last refusal (gave up, in progress). */
  waitedMs: number;
  /** The busy handler's requested sleeps, summed (SQLite's busy_timeout is spent exactly in these). */
  sleptMs: number;
  /** The process held a read lock (WAL read mark, rollback SHARED) when the write lock was refused. */
  heldReadLock: boolean;
  /** Traced processes that held a conflicting lock when it was first refused. */
  heldBy: number[];
  /** The wait began before tracing did (its first sleeps were not seen): waitedMs and sleptMs are lower bounds. */
  beganBeforeTrace?: true;
}

export interface DurationStats {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** The busy timeout as measured from outside, per process. */
export type MeasuredBusyTimeout =
  /**
   * Retry sequences that gave up: the busy handler's sleeps add up to busy_timeout exactly. `ms` is the smallest
   * (the connection that gives up soonest), `sequences` how many gave up after it, `otherMs` the other values seen
   * (other connections of the process), `spanMs` the wall time of one of them (slowed by tracing).
   */
  | { kind: 'measured'; ms: number; spanMs: number; sequences: number; tid: number; otherMs: number[] }
  /** Only waits that succeeded, or that began before tracing did: busy_timeout is at least this long. */
  | { kind: 'lower-bound'; ms: number }
  /** A refusal outside any transaction was given up at once: no busy handler, busy_timeout 0. */
  | { kind: 'zero'; sequences: number }
  /** Only write refusals given up at once: busy_timeout 0, or upgrades from read transactions; lock calls cannot tell which. */
  | { kind: 'at-once-only'; sequences: number };

/** What the refused write attempts say about how transactions begin. */
export interface ObservedModes {
  /** Refused write attempts the busy handler retried: the transaction began at the write (BEGIN IMMEDIATE, or a driver's BEGIN right before the write). */
  writeFirst: number;
  /** Write attempts refused at once while the process kept a read lock, on a thread whose busy handler was seen retrying: deferred transactions that read, then tried to write (the upgrade trap). */
  readThenWrite: number;
  /** Write attempts refused at once otherwise (no retry seen on that thread, or no read lock seen): busy_timeout 0 or the trap. */
  ambiguous: number;
}

export interface WriteHold {
  tid: number;
  atMs: number;
  heldMs: number;
  /** Still held when the window ended: heldMs is a lower bound. */
  open: boolean;
  /** Already held when tracing began (/proc/locks): heldMs counts from the start of the window, a lower bound. */
  beganBeforeTrace?: true;
}

export interface TracedProcess {
  pid: number;
  command: string | null;
  runtime: 'python' | 'node' | 'other';
  /** Threads seen making lock calls on the database. */
  threads: number;
  lockCalls: number;
  /** Read transactions begun (read mark / SHARED taken). */
  readTransactions: number;
  writeHolds: DurationStats;
  /** The longest write lock holds, longest first (at most a few). */
  longestWrites: WriteHold[];
  busy: BusyEvent[];
  /** Busy events beyond the cap: counted in `busyCounts`, not listed. */
  busyOmitted: number;
  busyCounts: { acquired: number; gaveUpAtOnce: number; gaveUpAfterRetry: number; inProgress: number };
  busyTimeout: MeasuredBusyTimeout | null;
  modes: ObservedModes;
  /** First refusal → success, per acquisition that had to wait. */
  lockWaits: DurationStats;
  /** The longest run of given-up sequences in a row on one thread, with no success between. */
  retryRun: { tid: number; count: number; firstAtMs: number; lastAtMs: number } | null;
}

export interface TraceFacts {
  source: 'trace';
  path: string;
  realPath: string;
  /** What the lock calls showed: -shm locks = WAL. null: no lock call was seen. */
  journalMode: 'wal' | 'rollback' | null;
  /** `attach`: strace -p on running processes; `launch`: the command after `--`, started under strace. */
  how: 'attach' | 'launch';
  command?: string[];
  window: { requestedMs: number; tracedMs: number; endedBy: 'window' | 'signal' | 'exited' | 'error' };
  processes: TracedProcess[];
  /** Lock calls on the database and its -shm that were decoded; calls on other files were ignored. */
  lockCalls: number;
  ignoredCalls: number;
  /** strace lines that could not be parsed (never an error: counted). */
  unparsed: number;
}

declare module '../../core/model.js' {
  interface FactsBySource {
    trace: TraceFacts;
  }
}
