/**
 * The stress harness: N writer and M reader threads (worker_threads), each with its own better-sqlite3
 * connection, released together by a barrier in a SharedArrayBuffer, for a duration or a number of
 * transactions. While they run, this thread touches the database's files with stat() only; the -wal
 * and -shm headers are read by a separate sampler process (os_unix.c, the comment on POSIX advisory locks above struct unixInodeInfo: closing a
 * descriptor in this process would drop the workers' locks).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import {
  CTRL,
  type EffectiveSettings,
  type ErrorTally,
  type ReaderStats,
  type WorkerInit,
  type WorkerMessage,
  type WriterStats,
  committedSlot,
  controlBuffer,
  errorSlot,
} from './protocol.js';
import type { WalSample } from './sampler.js';
import { DEFAULT_SAMPLE_CAPACITY, histogram, latencySummary, lockWaitSummary, mergeSorted } from './stats.js';
import { type ProgressWindow, StressSeriesRecorder, baseIntervalMs } from './series.js';
import { entryScript } from '../../core/entry-scripts.js';
import { ERROR_KEYS, type StressErrorCounts, type StressResult, type StressWorkload, type WalObservation, emptyErrorCounts } from '../../core/stress-facts.js';

/** A run that could not produce a result: a worker could not open the database, or kept failing. */
export class StressRunError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The script of a stress thread or of the WAL sampler (core/entry-scripts.ts: the bundle's copy from the
 * bundle, the compiled one from the TypeScript sources in vitest or from dist/src/).
 */
export function compiledScript(name: 'worker' | 'sampler'): string {
  const script = entryScript(name);
  if (!existsSync(script)) throw new StressRunError('NOT_BUILT', `${script} is missing: run \`npm run build\` first (stress threads run the built code)`);
  return script;
}

/** Lets a signal handler stop a run: the first call stops gracefully, the second force-terminates. */
export class RunControl {
  interrupted: string | null = null;
  private readonly listeners = new Set<(force: boolean) => void>();
  private calls = 0;

  interrupt(reason: string): void {
    this.interrupted ??= reason;
    this.calls += 1;
    for (const l of this.listeners) l(this.calls > 1);
  }

  /** Called by a run in progress; returns the unsubscribe function. */
  onInterrupt(listener: (force: boolean) => void): () => void {
    this.listeners.add(listener);
    if (this.calls > 0) listener(this.calls > 1);
    return () => this.listeners.delete(listener);
  }
}

export interface Progress {
  elapsedMs: number;
  committed: number;
  errors: number;
  transactionsPerSecond: number;
  /** Since the previous report: its length, and what the threads posted in it (series.ts ProgressWindow). */
  windowMs: number;
  window: ProgressWindow;
}

export interface RunSpec {
  dbPath: string;
  table: string;
  workload: StressWorkload;
  target: 'scratch' | 'live';
  /** Per-connection journal mode to set (rollback variants on a scratch database); null = leave the file's. */
  journalModePragma: string | null;
  /** Set wal_autocheckpoint on every connection (the app declared it); null = SQLite's default. */
  walAutocheckpointPragma: number | null;
  /** Set journal_size_limit on every connection (the app declared it); absent/null = SQLite's default. */
  journalSizeLimitPragma?: number | null;
  sampleCapacity?: number;
  /** Start the -wal/-shm sampler process (WAL mode). Default: when the workload is in WAL mode. */
  sampleWal?: boolean;
  onProgress?: (p: Progress) => void;
  /** How often onProgress is called, ms (default 1000). */
  progressEveryMs?: number;
  control?: RunControl;
}

/** How long a graceful stop may take before the threads are terminated (a busy wait cannot be interrupted). */
const FORCE_AFTER_MS = 2000;
const WAL_STAT_INTERVAL_MS = 50;
const SAMPLER_INTERVAL_MS = 50;

interface SamplerHandle {
  child: ChildProcess;
  samples: WalSample[];
  done: Promise<void>;
  /** Resolves at its first sample (or when it ends): the run is released only then, so the WAL is seen from the start. */
  first: Promise<void>;
}

/** How long the release waits for the sampler process's first sample (a loaded machine starts node slowly). */
const SAMPLER_START_WAIT_MS = 5000;

function startSampler(walPath: string, shmPath: string, onSample: (s: WalSample) => void): SamplerHandle | null {
  let script: string;
  try {
    script = compiledScript('sampler');
  } catch {
    return null;
  }
  const child = spawn(process.execPath, [script, walPath, shmPath, String(SAMPLER_INTERVAL_MS)], { stdio: ['pipe', 'pipe', 'ignore'] });
  const samples: WalSample[] = [];
  let onFirst!: () => void;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    try {
      const sample = JSON.parse(line) as WalSample;
      samples.push(sample);
      onSample(sample);
      onFirst();
    } catch {
      // A torn line at exit: ignore.
    }
  });
  const done = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  void done.then(onFirst);
  return { child, samples, done, first };
}

async function stopSampler(s: SamplerHandle | null): Promise<void> {
  if (!s) return;
  s.child.stdin?.end();
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 1000);
  await s.done;
  clearTimeout(timer);
}

/** Checkpoint activity from the samples: exact WAL restarts (checkpoint sequence), backfill growth. */
export function observeWal(samples: readonly WalSample[], walPeakStatBytes: number): WalObservation {
  let walPeakBytes = walPeakStatBytes;
  let maxFrames: number | null = null;
  let maxLag: number | null = null;
  let resets: number | null = null;
  let seen: number | null = null;
  let prevSeq: number | null = null;
  let prevBackfill: number | null = null;
  for (const s of samples) {
    if (s.w !== null && s.w > walPeakBytes) walPeakBytes = s.w;
    let event = false;
    if (s.s !== null) {
      if (prevSeq !== null && s.s !== prevSeq) {
        // u32 counter: the difference modulo 2^32 is the number of restarts in between.
        resets = (resets ?? 0) + ((s.s - prevSeq) >>> 0);
        event = true;
      }
      resets ??= 0;
      prevSeq = s.s;
    }
    if (s.m !== null && s.b !== null) {
      maxFrames = Math.max(maxFrames ?? 0, s.m);
      maxLag = Math.max(maxLag ?? 0, s.m - s.b);
      if (prevBackfill !== null && s.b > prevBackfill) event = true;
      prevBackfill = s.b;
    }
    if (s.s !== null || s.m !== null) seen = (seen ?? 0) + (event ? 1 : 0);
  }
  return { walPeakBytes, maxFrames, maxFramesNotBackfilled: maxLag, walResets: resets, checkpointsSeen: seen, samples: samples.length };
}

function addTally(into: StressErrorCounts, other: Map<string, { count: number; message: string }>, t: ErrorTally): void {
  for (const [key, n] of Object.entries(t.counts)) {
    if ((ERROR_KEYS as readonly string[]).includes(key)) into[key as keyof StressErrorCounts] += n;
  }
  for (const [code, [count, message]] of Object.entries(t.other)) {
    const seen = other.get(code);
    if (seen) seen.count += count;
    else other.set(code, { count, message });
  }
}

function sumTally(t: ErrorTally): number {
  return Object.values(t.counts).reduce((a, b) => a + b, 0);
}

/** Runs one workload on `spec.dbPath` (which must exist and hold `spec.table`) and measures it. */
export async function runWorkload(spec: RunSpec): Promise<StressResult> {
  const w = spec.workload;
  const threads = w.writers + w.readers;
  const buffer = controlBuffer(threads);
  const ctrl = new Int32Array(buffer);
  const script = compiledScript('worker');
  const walPath = `${spec.dbPath}-wal`;
  const shmPath = `${spec.dbPath}-shm`;

  const writerStats: (WriterStats | undefined)[] = new Array(w.writers).fill(undefined);
  const readerStats: (ReaderStats | undefined)[] = new Array(w.readers).fill(undefined);
  let effective: EffectiveSettings | undefined;
  let firstError: { code: string; message: string; phase: string } | undefined;
  let readyCount = 0;
  const recorder = new StressSeriesRecorder(baseIntervalMs(w.durationMs));
  let exited = 0;
  let writersDone = 0;

  let onReady!: () => void;
  let onAllExited!: () => void;
  let onWritersDone!: () => void;
  const allReady = new Promise<void>((r) => (onReady = r));
  const allExited = new Promise<void>((r) => (onAllExited = r));
  const writersFinished = new Promise<void>((r) => (onWritersDone = r));

  const abort = () => {
    Atomics.store(ctrl, CTRL.STOP, 1);
    Atomics.store(ctrl, CTRL.ABORT, 1);
    Atomics.notify(ctrl, CTRL.STOP);
    Atomics.notify(ctrl, CTRL.ABORT);
    Atomics.notify(ctrl, CTRL.GO);
  };
  const stop = () => {
    Atomics.store(ctrl, CTRL.STOP, 1);
    Atomics.notify(ctrl, CTRL.STOP);
  };

  const workers: Worker[] = [];
  for (let thread = 0; thread < threads; thread += 1) {
    const role = thread < w.writers ? 'writer' : 'reader';
    const init: WorkerInit = {
      role,
      thread,
      index: role === 'writer' ? thread : thread - w.writers,
      dbPath: spec.dbPath,
      table: spec.table,
      busyTimeoutMs: w.busyTimeoutMs,
      tx: w.tx,
      txBegins: w.txBegins,
      pattern: w.pattern,
      batch: w.batch,
      holdMs: w.holdMs,
      readerHoldMs: w.readerHoldMs,
      thinkMs: w.thinkMs,
      rowBytes: w.rowBytes,
      synchronous: w.synchronous,
      journalModePragma: spec.journalModePragma,
      walAutocheckpointPages: spec.walAutocheckpointPragma,
      journalSizeLimitBytes: spec.journalSizeLimitPragma ?? null,
      retry: w.retry,
      transactions: w.transactions,
      ctrl: buffer,
      sampleCapacity: spec.sampleCapacity ?? DEFAULT_SAMPLE_CAPACITY,
      intervalMs: recorder.baseMs,
    };
    const worker = new Worker(script, { workerData: init });
    workers.push(worker);
    let reported = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'interval') recorder.add(m.tally);
      else if (m.type === 'ready') {
        if (m.thread === 0) effective = m.effective;
        readyCount += 1;
        if (readyCount === threads) onReady();
      } else if (m.type === 'done') {
        reported = true;
        if (m.role === 'writer') {
          writerStats[m.thread] = m.stats;
          writersDone += 1;
          if (writersDone === w.writers) onWritersDone();
        } else readerStats[m.thread - w.writers] = m.stats;
      } else {
        reported = true;
        firstError ??= { code: m.code, message: m.message, phase: m.phase };
        abort();
        onReady();
      }
    });
    worker.on('error', (err) => {
      firstError ??= { code: 'WORKER', message: err.message, phase: 'run' };
      abort();
      onReady();
    });
    worker.on('exit', () => {
      exited += 1;
      if (!reported && role === 'writer') {
        writersDone += 1;
        if (writersDone === w.writers) onWritersDone();
      }
      if (exited === threads) {
        onReady();
        onWritersDone();
        onAllExited();
      }
    });
  }

  let forceTimer: NodeJS.Timeout | undefined;
  const unsubscribe = spec.control?.onInterrupt((force) => {
    abort();
    const terminate = () => {
      for (const worker of workers) void worker.terminate();
    };
    if (force) terminate();
    else forceTimer ??= setTimeout(terminate, FORCE_AFTER_MS);
  });

  let sampler: SamplerHandle | null = null;
  let statTimer: NodeJS.Timeout | undefined;
  let durationTimer: NodeJS.Timeout | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  let walPeakStat = 0;
  let releasedAt = performance.timeOrigin + performance.now();
  let released = false;
  try {
    await allReady;
    const wal = w.journalMode === 'wal';
    if (!firstError && !spec.control?.interrupted && (spec.sampleWal ?? wal)) {
      // Samples before the release count at 0 ms.
      const sinceRelease = () => (released ? Math.max(0, performance.timeOrigin + performance.now() - releasedAt) : 0);
      sampler = startSampler(walPath, shmPath, (x) => recorder.addWal({ tMs: sinceRelease(), walBytes: x.w, mxFrame: x.m, nBackfill: x.b }));
      // Readiness: release the threads once the sampler reads (it is a node process: on a loaded machine it can
      // take a second to start), so its samples cover the whole run; not longer than SAMPLER_START_WAIT_MS, and
      // a signal meanwhile stops the wait.
      let timer: NodeJS.Timeout | undefined;
      let stopWaiting: (() => void) | undefined;
      await Promise.race([
        sampler?.first,
        new Promise<void>((r) => (timer = setTimeout(r, SAMPLER_START_WAIT_MS))),
        new Promise<void>((r) => (stopWaiting = spec.control?.onInterrupt(() => r()))),
      ]);
      clearTimeout(timer);
      stopWaiting?.();
    }
    if (!firstError && !spec.control?.interrupted) {
      // stat() only: it opens no descriptor, so it cannot drop the workers' locks.
      const statWal = () => {
        try {
          const size = statSync(walPath).size;
          if (size > walPeakStat) walPeakStat = size;
        } catch {
          // No -wal (rollback mode, or not created yet).
        }
      };
      if (wal) statTimer = setInterval(statWal, WAL_STAT_INTERVAL_MS);
      releasedAt = performance.timeOrigin + performance.now();
      released = true;
      Atomics.store(ctrl, CTRL.GO, 1);
      Atomics.notify(ctrl, CTRL.GO);
      if (w.durationMs !== null) durationTimer = setTimeout(stop, w.durationMs);
      if (spec.onProgress) {
        const report = spec.onProgress;
        let lastAt = releasedAt;
        progressTimer = setInterval(() => {
          const at = performance.timeOrigin + performance.now();
          const windowMs = at - lastAt;
          lastAt = at;
          let committed = 0;
          let errors = 0;
          for (let t = 0; t < threads; t += 1) {
            if (t < w.writers) committed += Atomics.load(ctrl, committedSlot(t));
            errors += Atomics.load(ctrl, errorSlot(t));
          }
          const elapsedMs = performance.timeOrigin + performance.now() - releasedAt;
          report({ elapsedMs, committed, errors, transactionsPerSecond: elapsedMs > 0 ? committed / (elapsedMs / 1000) : 0, windowMs, window: recorder.takeProgress() });
        }, spec.progressEveryMs ?? 1000);
      }
      await writersFinished;
      // Readers run until the writers are done (also when the run is bounded by transactions).
      stop();
      statWal();
    } else abort();
    await allExited;
  } finally {
    clearInterval(statTimer);
    clearInterval(progressTimer);
    clearTimeout(durationTimer);
    clearTimeout(forceTimer);
    unsubscribe?.();
    await stopSampler(sampler);
  }

  if (firstError) {
    const where = firstError.phase === 'setup' ? 'could not open the database' : 'stopped on an error';
    throw new StressRunError(firstError.code, `a stress thread ${where}: ${firstError.code}: ${firstError.message}`);
  }
  if (!released && spec.control?.interrupted) {
    throw new StressRunError('INTERRUPTED', `interrupted by ${spec.control.interrupted} before the stress threads started: nothing was measured`);
  }
  if (!effective) throw new StressRunError('NO_WORKERS', 'the stress threads ended before they were ready');

  const writers = writerStats.filter((s): s is WriterStats => s !== undefined);
  const readers = readerStats.filter((s): s is ReaderStats => s !== undefined);
  const endedAt = Math.max(releasedAt, ...writers.map((s) => s.endedAtMs));
  const durationMs = Math.max(0, endedAt - releasedAt);

  const errors = emptyErrorCounts();
  const other = new Map<string, { count: number; message: string }>();
  for (const s of [...writers, ...readers]) addTally(errors, other, s.errors);

  const sum = (f: (s: WriterStats) => number) => writers.reduce((a, s) => a + f(s), 0);
  const committed = sum((s) => s.committed);
  const attempts = sum((s) => s.attempts);
  const readAttempts = readers.reduce((a, s) => a + s.completed + sumTally(s.errors), 0);
  const denominator = attempts + readAttempts;
  const errorRates = emptyErrorCounts();
  for (const key of ERROR_KEYS) errorRates[key] = denominator > 0 ? Math.round((errors[key] / denominator) * 1e6) / 1e6 : 0;

  const latencies = mergeSorted(writers.map((s) => s.latencies));
  const latencyMax = Math.max(0, ...writers.map((s) => s.latencyMax));
  const lockWaits = mergeSorted(writers.map((s) => s.lockWaits));
  const lockWaitMax = Math.max(0, ...writers.map((s) => s.lockWaitMax));
  const readLatencies = mergeSorted(readers.map((s) => s.latencies));
  const readerErrors = emptyErrorCounts();
  for (const s of readers) addTally(readerErrors, new Map(), s.errors);

  const observation = w.journalMode === 'wal' ? observeWal(sampler?.samples ?? [], walPeakStat) : null;
  const upgradeBusySnapshot = sum((s) => s.upgradeBusySnapshot);
  const upgradeBusyTotal = sum((s) => s.upgradeBusy);

  return {
    workload: w,
    target: spec.target,
    durationMs: Math.round(durationMs),
    committed,
    rowsCommitted: sum((s) => s.rows),
    attempts,
    failed: sum((s) => s.failed),
    transactionsPerSecond: durationMs > 0 ? Math.round((committed / (durationMs / 1000)) * 10) / 10 : 0,
    latencyMs: latencySummary(latencies, latencyMax),
    lockWaitMs: lockWaitSummary(lockWaits, lockWaitMax),
    errors,
    errorRates,
    otherErrors: [...other.entries()].map(([code, v]) => ({ code, count: v.count, message: v.message })),
    busyAtOnce: sum((s) => s.busyAtOnce) + readers.reduce((a, s) => a + s.busyAtOnce, 0),
    busyAfterTimeout: sum((s) => s.busyAfterTimeout) + readers.reduce((a, s) => a + s.busyAfterTimeout, 0),
    upgradeBusy: { SQLITE_BUSY: upgradeBusyTotal - upgradeBusySnapshot, SQLITE_BUSY_SNAPSHOT: upgradeBusySnapshot, total: upgradeBusyTotal },
    upgradeAttempts: sum((s) => s.upgradeAttempts),
    retries: sum((s) => s.retries),
    walPeakBytes: observation?.walPeakBytes ?? 0,
    checkpointsSeen: observation?.checkpointsSeen ?? null,
    wal: observation,
    perWriter: writerStats.map((s) => ({
      committed: s?.committed ?? 0,
      errors: s ? sumTally(s.errors) : 0,
      failed: s?.failed ?? 0,
      retries: s?.retries ?? 0,
    })),
    readers: {
      completed: readers.reduce((a, s) => a + s.completed, 0),
      errors: readerErrors,
      latencyMs: latencySummary(readLatencies, Math.max(0, ...readers.map((s) => s.latencyMax))),
    },
    histogram: histogram(latencies, committed),
    series: recorder.finish(durationMs),
    effective,
    latencySamplesExact: writers.every((s) => s.latencyExact),
  };
}
