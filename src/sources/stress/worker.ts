/**
 * One stress thread: its own better-sqlite3 connection, a writer or a reader loop, released by the
 * barrier with every other thread. It touches the database only through SQLite: never fs.open or
 * fs.readFile on the database, -wal or -shm (closing such a descriptor would drop the whole
 * process's POSIX locks: os_unix.c, the comment on POSIX advisory locks above struct unixInodeInfo).
 *
 * Run from dist/ (worker_threads cannot load TypeScript): its bundled or compiled copy, core/entry-scripts.ts.
 */
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CTRL, type EffectiveSettings, type ErrorTally, type ReaderStats, type WorkerInit, type WorkerMessage, type WriterStats, committedSlot, errorSlot } from './protocol.js';
import { SampleStore } from './stats.js';
import { IntervalCounter } from './series.js';

const init = workerData as WorkerInit;
const ctrl = new Int32Array(init.ctrl);
const now = () => performance.now();
const absNow = () => performance.timeOrigin + performance.now();
const post = (m: WorkerMessage) => parentPort?.postMessage(m);
/** This thread's events per interval (the run's time series); started when the barrier releases it. */
let counter = new IntervalCounter(init.intervalMs, now(), () => {});

/** Consecutive errors that are not lock contention (BUSY/LOCKED) after which the run cannot mean anything. */
const MAX_CONSECUTIVE_OTHER = 20;
/** Retry backoff: 10 ms doubling per retry, capped at 1 s, with jitter (many apps do this). */
const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 1000;

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT']);

/** The key an error is counted under in `errors`. */
function errorKey(code: string): string {
  if (BUSY_CODES.has(code)) return code;
  if (code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_LOCKED_')) return 'SQLITE_LOCKED';
  return 'other';
}

function newTally(): ErrorTally {
  return { counts: {}, other: {} };
}

function tally(t: ErrorTally, code: string, message: string): string {
  const key = errorKey(code);
  t.counts[key] = (t.counts[key] ?? 0) + 1;
  if (key === 'other') {
    const seen = t.other[code];
    if (seen) seen[0] += 1;
    else t.other[code] = [1, message];
  }
  return key;
}

/** Sleeps up to `ms`, woken early when `slot` is set; true = slept the whole time. */
function sleep(ms: number, slot: number): boolean {
  if (ms <= 0) return Atomics.load(ctrl, slot) === 0;
  return Atomics.wait(ctrl, slot, 0, ms) === 'timed-out';
}

/**
 * A BUSY that returned before the busy timeout ran out did not wait it out: either the timeout is 0,
 * or SQLite did not call the busy handler (a deferred transaction upgrading to write, a stale snapshot).
 * The handler sleeps until the total reaches the timeout exactly (main.c sqliteDefaultBusyCallback),
 * so a waited-out BUSY takes at least the timeout; 1 ms of slack covers clock rounding.
 */
function waitedOut(elapsedMs: number): boolean {
  return init.busyTimeoutMs > 0 && elapsedMs + 1 >= init.busyTimeoutMs;
}

function open(): { db: Database.Database; effective: EffectiveSettings } {
  const db = new Database(init.dbPath, { fileMustExist: true, timeout: init.busyTimeoutMs });
  if (init.journalModePragma) db.pragma(`journal_mode = ${init.journalModePragma}`);
  db.pragma(`synchronous = ${init.synchronous}`);
  if (init.walAutocheckpointPages !== null) db.pragma(`wal_autocheckpoint = ${init.walAutocheckpointPages}`);
  if (init.journalSizeLimitBytes !== null) db.pragma(`journal_size_limit = ${init.journalSizeLimitBytes}`);
  const effective: EffectiveSettings = {
    journalMode: String(db.pragma('journal_mode', { simple: true })),
    synchronous: Number(db.pragma('synchronous', { simple: true })),
    busyTimeoutMs: Number(db.pragma('busy_timeout', { simple: true })),
    walAutocheckpointPages: Number(db.pragma('wal_autocheckpoint', { simple: true })),
  };
  return { db, effective };
}

/** After a failed statement: end the transaction if SQLite has not already rolled it back (it does for some errors). */
function rollbackIfOpen(db: Database.Database, rollback: Database.Statement): void {
  if (!db.inTransaction) return;
  try {
    rollback.run();
  } catch {
    // Rolled back meanwhile: nothing else to do.
  }
}

function errInfo(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : 'ERROR', message: typeof e?.message === 'string' ? e.message : String(err) };
}

function runWriter(db: Database.Database): WriterStats | { fatal: { code: string; message: string } } {
  const t = init.table;
  const begin = db.prepare(init.tx === 'deferred' ? 'BEGIN' : init.tx === 'immediate' ? 'BEGIN IMMEDIATE' : 'BEGIN EXCLUSIVE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const read = db.prepare(`SELECT max(id) AS id FROM "${t}"`);
  const write =
    init.pattern === 'hot-row'
      ? db.prepare(`UPDATE "${t}" SET n = n + 1, writer = ?, v = ? WHERE id = 1`)
      : db.prepare(`INSERT INTO "${t}" (writer, n, v) VALUES (?, 0, ?)`);
  const payload = randomBytes(init.rowBytes);
  const deferred = init.tx === 'deferred';
  const readsFirst = init.pattern === 'read-then-write';
  // Only a deferred transaction can begin late: BEGIN IMMEDIATE/EXCLUSIVE take the lock at BEGIN anyway.
  const beginsAtWrite = deferred && init.txBegins === 'first-write';

  const stats: WriterStats = {
    committed: 0,
    rows: 0,
    attempts: 0,
    failed: 0,
    retries: 0,
    errors: newTally(),
    busyAtOnce: 0,
    busyAfterTimeout: 0,
    upgradeBusy: 0,
    upgradeBusySnapshot: 0,
    upgradeAttempts: 0,
    latencies: new Float64Array(0),
    latencyMax: 0,
    latencyExact: true,
    lockWaits: new Float64Array(0),
    lockWaitMax: 0,
    endedAtMs: 0,
  };
  const latencies = new SampleStore(init.sampleCapacity);
  const lockWaits = new SampleStore(init.sampleCapacity);
  const cSlot = committedSlot(init.thread);
  const eSlot = errorSlot(init.thread);
  let consecutiveOther = 0;

  const OK = 0;
  const ABORTED = 1;
  const FAILED = 2;
  let lastKey = '';

  /** One attempt at the transaction: BEGIN [SELECT] write×batch [hold] COMMIT. */
  const attempt = (): number => {
    let phase: 'begin' | 'read' | 'write' | 'commit' = 'begin';
    let afterRead = false;
    let writeIndex = 0;
    let stmtStart = now();
    try {
      if (readsFirst && beginsAtWrite) {
        // The driver's implicit transaction: the read runs on its own (autocommit), BEGIN comes just before the write.
        phase = 'read';
        read.get();
        phase = 'begin';
        stmtStart = now();
      }
      begin.run();
      if (!deferred) lockWaits.add(now() - stmtStart);
      if (readsFirst && !beginsAtWrite) {
        phase = 'read';
        stmtStart = now();
        read.get();
        afterRead = true;
      }
      phase = 'write';
      if (deferred && afterRead) stats.upgradeAttempts += 1;
      for (writeIndex = 0; writeIndex < init.batch; writeIndex += 1) {
        stmtStart = now();
        write.run(init.index, payload);
        if (writeIndex === 0 && deferred) lockWaits.add(now() - stmtStart);
      }
      if (init.holdMs > 0 && !sleep(init.holdMs, CTRL.ABORT)) {
        rollback.run();
        return ABORTED;
      }
      phase = 'commit';
      stmtStart = now();
      commit.run();
      consecutiveOther = 0;
      return OK;
    } catch (err) {
      const elapsed = now() - stmtStart;
      rollbackIfOpen(db, rollback);
      const { code, message } = errInfo(err);
      // The statement that tried to take the write lock failed: that was lock waiting too.
      if ((phase === 'begin' && !deferred) || (phase === 'write' && deferred && writeIndex === 0)) lockWaits.add(elapsed);
      const key = tally(stats.errors, code, message);
      lastKey = key;
      counter.fail(now(), key);
      Atomics.add(ctrl, eSlot, 1);
      if (BUSY_CODES.has(code)) {
        const waited = waitedOut(elapsed);
        if (waited) stats.busyAfterTimeout += 1;
        else stats.busyAtOnce += 1;
        // The upgrade: the first write of a deferred transaction that already holds a read snapshot.
        if (!waited && deferred && afterRead && phase === 'write' && writeIndex === 0) {
          stats.upgradeBusy += 1;
          if (code === 'SQLITE_BUSY_SNAPSHOT') stats.upgradeBusySnapshot += 1;
        }
      }
      if (key === 'other') consecutiveOther += 1;
      else consecutiveOther = 0;
      return FAILED;
    }
  };
  while (Atomics.load(ctrl, CTRL.STOP) === 0 && Atomics.load(ctrl, CTRL.ABORT) === 0) {
    if (init.transactions !== null && Atomics.add(ctrl, CTRL.CLAIMED, 1) >= init.transactions) break;
    const start = now();
    let tries = 0;
    for (;;) {
      stats.attempts += 1;
      const result = attempt();
      if (result === OK) {
        const end = now();
        const latency = end - start;
        latencies.add(latency);
        counter.commit(end, latency);
        stats.committed += 1;
        stats.rows += init.batch;
        Atomics.add(ctrl, cSlot, 1);
        break;
      }
      if (result === ABORTED) break;
      if (consecutiveOther >= MAX_CONSECUTIVE_OTHER) {
        return { fatal: { code: Object.keys(stats.errors.other)[0] ?? 'ERROR', message: Object.values(stats.errors.other)[0]?.[1] ?? 'repeated errors' } };
      }
      const retryable = lastKey !== 'other';
      if (retryable && tries < init.retry && Atomics.load(ctrl, CTRL.ABORT) === 0) {
        tries += 1;
        stats.retries += 1;
        const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (tries - 1));
        if (!sleep(ceiling / 2 + Math.random() * (ceiling / 2), CTRL.ABORT)) break;
        continue;
      }
      stats.failed += 1;
      break;
    }
    // Think time: the writer's work between transactions, holding no lock; the end of the run cuts it short.
    if (init.thinkMs > 0) sleep(init.thinkMs, CTRL.STOP);
  }
  stats.endedAtMs = absNow();
  stats.latencies = latencies.values();
  stats.latencyMax = latencies.max;
  stats.latencyExact = latencies.exact;
  stats.lockWaits = lockWaits.values();
  stats.lockWaitMax = lockWaits.max;
  return stats;
}

function runReader(db: Database.Database): ReaderStats {
  const t = init.table;
  const begin = db.prepare('BEGIN');
  const read = db.prepare(`SELECT id, length(v) AS bytes FROM "${t}" ORDER BY id DESC LIMIT 10`);
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const stats: ReaderStats = {
    completed: 0,
    errors: newTally(),
    busyAtOnce: 0,
    busyAfterTimeout: 0,
    latencies: new Float64Array(0),
    latencyMax: 0,
    latencyExact: true,
    endedAtMs: 0,
  };
  const latencies = new SampleStore(init.sampleCapacity);
  const cSlot = committedSlot(init.thread);
  const eSlot = errorSlot(init.thread);
  let consecutiveOther = 0;
  while (Atomics.load(ctrl, CTRL.STOP) === 0 && Atomics.load(ctrl, CTRL.ABORT) === 0) {
    const start = now();
    let stmtStart = start;
    try {
      begin.run();
      read.all();
      // The snapshot stays pinned while the transaction is open; the end of the run cuts the hold short.
      const full = sleep(init.readerHoldMs, CTRL.STOP);
      stmtStart = now();
      commit.run();
      if (full) {
        const end = now();
        latencies.add(end - start);
        counter.read(end);
        stats.completed += 1;
        Atomics.add(ctrl, cSlot, 1);
      }
      consecutiveOther = 0;
    } catch (err) {
      const elapsed = now() - stmtStart;
      rollbackIfOpen(db, rollback);
      const { code, message } = errInfo(err);
      const key = tally(stats.errors, code, message);
      counter.fail(now(), key);
      Atomics.add(ctrl, eSlot, 1);
      if (BUSY_CODES.has(code)) {
        if (waitedOut(elapsed)) stats.busyAfterTimeout += 1;
        else stats.busyAtOnce += 1;
      }
      consecutiveOther = key === 'other' ? consecutiveOther + 1 : 0;
      if (consecutiveOther >= MAX_CONSECUTIVE_OTHER) throw err;
    }
  }
  stats.endedAtMs = absNow();
  stats.latencies = latencies.values();
  stats.latencyMax = latencies.max;
  stats.latencyExact = latencies.exact;
  return stats;
}

function main(): void {
  let opened: ReturnType<typeof open>;
  try {
    opened = open();
  } catch (err) {
    post({ type: 'error', thread: init.thread, ...errInfo(err), phase: 'setup' });
    return;
  }
  const { db, effective } = opened;
  post({ type: 'ready', thread: init.thread, effective });
  // The barrier: every thread waits here until the main thread has seen all of them ready.
  while (Atomics.load(ctrl, CTRL.GO) === 0 && Atomics.load(ctrl, CTRL.ABORT) === 0) Atomics.wait(ctrl, CTRL.GO, 0, 100);
  counter = new IntervalCounter(init.intervalMs, now(), (tally) => post({ type: 'interval', thread: init.thread, tally }));
  let outcome: WorkerMessage;
  try {
    if (init.role === 'writer') {
      const stats = runWriter(db);
      outcome = 'fatal' in stats ? { type: 'error', thread: init.thread, ...stats.fatal, phase: 'run' } : { type: 'done', thread: init.thread, role: 'writer', stats };
    } else {
      outcome = { type: 'done', thread: init.thread, role: 'reader', stats: runReader(db) };
    }
  } catch (err) {
    outcome = { type: 'error', thread: init.thread, ...errInfo(err), phase: 'run' };
  }
  counter.flush();
  // Close before reporting: the main thread removes the scratch files only after every thread is done.
  try {
    db.close();
  } catch {
    // A close error leaves nothing for the thread to do; the main thread still cleans up.
  }
  if (outcome.type === 'done') {
    const s = outcome.stats;
    const transfer = 'lockWaits' in s ? [s.latencies.buffer, s.lockWaits.buffer] : [s.latencies.buffer];
    parentPort?.postMessage(outcome, transfer as ArrayBuffer[]);
  } else post(outcome);
}

main();
