/**
 * Decodes the traced lock calls on one database into transactions, BUSY events, the measured busy timeout
 * and lock waits, per process. Streaming and bounded: each call updates small per-process and per-thread
 * state; lists are capped and what is beyond a cap is counted.
 *
 * What the calls mean (verified here with strace on Python sqlite3 / SQLite 3.40.1, see
 * /work/shared/sqlite-lock-facts.md §11, and the byte map of src/sources/proc/lock-table.ts):
 * - SQLite never blocks in the kernel: every lock is fcntl(F_SETLK) and a refusal is EAGAIN (or EACCES).
 * - The locks an app statement waits for: the WAL write lock (-shm byte 120); in rollback mode RESERVED,
 *   PENDING, EXCLUSIVE (a commit, holding RESERVED) and SHARED (a reader refused while a writer holds PENDING).
 *   Other refusals are SQLite's own business (read-mark slots it tries in turn, the close-time EXCLUSIVE probe)
 *   and are not BUSY events.
 * - The busy handler (main.c sqliteDefaultBusyCallback) sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms,
 *   then 100 ms, the last sleep cut to what is left, and gives up without sleeping once busy_timeout is spent:
 *   the sleeps of a sequence that gave up add up to busy_timeout exactly. Every retry comes after a sleep
 *   (pager_wait_on_lock, btree.c), so an attempt with no sleep before it is a new statement.
 * - SQLite does not call the busy handler for a transaction that already holds a read snapshot and asks for
 *   the write lock (btree.c sqlite3BtreeBeginTrans: only from TRANS_NONE): that refusal is at once.
 * - POSIX locks belong to the process, not the thread: lock state is per process, sequences per thread.
 */
import { percentileSorted } from '../../core/percentile.js';
import type { SqliteLockName } from '../../core/facts.js';
import { PENDING_BYTE, RESERVED_BYTE, SHARED_FIRST, SHARED_LAST, SHM_LOCK_NAMES, SHM_WRITE_BYTE } from '../proc/lock-table.js';
import type { BusyEvent, DurationStats, MeasuredBusyTimeout, TracedProcess, WriteHold } from './facts.js';
import type { LockCall, SleepCall, TraceCall } from './strace-line.js';

/** main.c sqliteDefaultBusyCallback `delays[]` (SQLite 3.40.1 and 3.53.2 alike), in ms. */
export const BUSY_HANDLER_DELAYS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100] as const;

/** Caps: the JSON lists every event up to these, and counts the rest. */
export const MAX_BUSY_EVENTS_PER_PROCESS = 500;
const MAX_SAMPLES = 100_000;
const LONGEST_WRITES = 3;
/** A refusal this close to the end of the window may still be followed by a sleep: it is not called given up. */
const END_SLACK_S = 0.15;

type Role = 'db' | 'shm';

/** One /proc/locks line of a traced process on the db or -shm, for `seed`. */
export interface HeldLock {
  pid: number;
  role: Role;
  type: 'read' | 'write';
  start: number;
  /** Inclusive; null = to the end of the file. */
  end: number | null;
}
type Held = 'r' | 'w';

/** State keys: db `pending`/`reserved`/`shared` (the 510-byte range); on -shm one per lock byte, named as `lockscope locks` names them. */
function covered(role: Role, start: number, len: number): string[] {
  const last = len === 0 ? Number.POSITIVE_INFINITY : start + len - 1;
  const hit = (first: number, end: number) => start <= end && last >= first;
  if (role === 'db') {
    const out: string[] = [];
    if (hit(PENDING_BYTE, PENDING_BYTE)) out.push('db:pending');
    if (hit(RESERVED_BYTE, RESERVED_BYTE)) out.push('db:reserved');
    if (hit(SHARED_FIRST, SHARED_LAST)) out.push('db:shared');
    return out;
  }
  return SHM_LOCK_NAMES.filter(([b]) => hit(b, b)).map(([, n]) => `shm:${n}`);
}

interface Sequence {
  lock: SqliteLockName;
  key: string;
  type: 'read' | 'write';
  firstT: number;
  lastAttemptT: number;
  attempts: number;
  sleeps: number;
  sleptMs: number;
  sleptSinceAttempt: boolean;
  /** Index in BUSY_HANDLER_DELAYS_MS of the last sleep; -1 before the first. */
  tableIndex: number;
  /** The last sleep was shorter than the table's next: the final one, cut to what was left of busy_timeout. */
  truncated: boolean;
  /** Its first sleep was not the table's first: it began before tracing did, so its sleeps are not all seen. */
  partial: boolean;
  heldReadLock: boolean;
  heldBy: number[];
}

interface ThreadState {
  open: Sequence | null;
  run: { count: number; firstT: number; lastT: number };
  /** The busy handler was seen sleeping and retrying on this thread. */
  retried: boolean;
}

interface Closed {
  event: BusyEvent;
  tid: number;
}

class ProcessState {
  held = new Map<string, Held>();
  threads = new Map<number, ThreadState>();
  lockCalls = 0;
  readTransactions = 0;
  writeSince: { tid: number; t: number; beforeTrace?: boolean } | null = null;
  /** Keys a decoded call has set or cleared: a /proc/locks snapshot read later does not override them. */
  touched = new Set<string>();
  /** Keys set from a /proc/locks snapshot (not by a call). */
  seeded = new Set<string>();
  writeHoldMs: number[] = [];
  longest: WriteHold[] = [];
  closed: Closed[] = [];
  busyOmitted = 0;
  counts = { acquired: 0, gaveUpAtOnce: 0, gaveUpAfterRetry: 0, inProgress: 0 };
  waits: number[] = [];
  /** Given-up sequences with sleeps: their sleeps summed (busy_timeout exactly). */
  gaveUpSlept: { ms: number; spanMs: number; tid: number }[] = [];
  lowerBoundMs = 0;
  /** Read acquisitions (rollback SHARED) given up at once: no busy handler, busy_timeout 0. */
  atOnceRead = 0;
  writeFirst = 0;
  /** At-once write refusals, by thread and whether a read lock was held: classified when the window ends. */
  atOnceWrites: { tid: number; heldReadLock: boolean }[] = [];
  bestRun: { tid: number; count: number; firstT: number; lastT: number } | null = null;

  constructor(readonly pid: number) {}

  thread(tid: number): ThreadState {
    let t = this.threads.get(tid);
    if (!t) this.threads.set(tid, (t = { open: null, run: { count: 0, firstT: 0, lastT: 0 }, retried: false }));
    return t;
  }

  /** A read transaction is open: a WAL read mark, or in rollback mode SHARED (a WAL connection keeps SHARED for its whole life). */
  holdsReadLock(wal: boolean): boolean {
    for (const [k, v] of this.held) {
      if (v === 'r' && (k.startsWith('shm:wal-read-') || (!wal && k === 'db:shared'))) return true;
    }
    return false;
  }
}

function stats(values: number[]): DurationStats {
  const sorted = Float64Array.from(values).sort();
  const r = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    count: values.length,
    p50Ms: r(percentileSorted(sorted, 50)),
    p90Ms: r(percentileSorted(sorted, 90)),
    p99Ms: r(percentileSorted(sorted, 99)),
    maxMs: r(sorted.length ? sorted[sorted.length - 1]! : null),
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export interface DecoderOptions {
  dbPath: string;
  shmPath: string;
  /** Epoch ms the window began (event times are relative to it). */
  startMs: number;
  /** The process a thread belongs to (threads share their process's locks); default: the thread itself. */
  tgidOf?: (tid: number) => number;
}

export class LockDecoder {
  private procs = new Map<number, ProcessState>();
  /** tid → pid, from the processes lockscope traces (threads of one process share its locks). */
  private tidToPid = new Map<number, number>();
  lockCalls = 0;
  ignoredCalls = 0;
  sawShm = false;
  sawDb = false;
  lastT = 0;

  constructor(private readonly options: DecoderOptions) {}

  /**
   * The locks the traced processes held as tracing began, from /proc/locks (their lines on the db and -shm): who
   * holds what before any call is seen, so a refusal can name its holder and a write hold that began earlier is
   * counted from the start. Read twice: before strace starts (a refusal may be decoded before the attach is
   * confirmed) and once it has attached; a lock the second snapshot no longer shows was let go unseen and is
   * dropped. A key a decoded call changed keeps what the call said.
   */
  seed(snapshot: readonly HeldLock[], final: boolean): void {
    const present = new Map<number, Map<string, Held>>();
    for (const l of snapshot) {
      const keys = present.get(l.pid) ?? new Map<string, Held>();
      present.set(l.pid, keys);
      for (const k of covered(l.role, l.start, l.end === null ? 0 : l.end - l.start + 1)) keys.set(k, l.type === 'write' ? 'w' : 'r');
      if (l.role === 'shm') this.sawShm = true;
    }
    if (final) {
      for (const p of this.procs.values()) {
        for (const k of p.seeded) {
          if (p.touched.has(k) || present.get(p.pid)?.has(k)) continue;
          p.held.delete(k);
          p.seeded.delete(k);
          if (p.writeSince?.beforeTrace && (k === 'shm:wal-write' || k === 'db:reserved')) p.writeSince = null;
        }
      }
    }
    for (const [pid, keys] of present) {
      const p = this.proc(pid);
      for (const [k, mode] of keys) {
        if (p.touched.has(k)) continue;
        p.held.set(k, mode);
        p.seeded.add(k);
        if ((k === 'shm:wal-write' || k === 'db:reserved') && mode === 'w' && !p.writeSince) p.writeSince = { tid: pid, t: this.options.startMs / 1000, beforeTrace: true };
      }
    }
    // The hold that began before tracing counts from the start of the window.
    if (final) for (const p of this.procs.values()) if (p.writeSince?.beforeTrace) p.writeSince.t = this.options.startMs / 1000;
  }

  private pidOf(tid: number): number {
    let pid = this.tidToPid.get(tid);
    if (pid === undefined) this.tidToPid.set(tid, (pid = this.options.tgidOf?.(tid) ?? tid));
    return pid;
  }

  /** The window's start, once tracing has begun (event times are relative to it). */
  setStart(startMs: number): void {
    this.options.startMs = startMs;
  }

  private proc(pid: number): ProcessState {
    let p = this.procs.get(pid);
    if (!p) this.procs.set(pid, (p = new ProcessState(pid)));
    return p;
  }

  private relMs(t: number): number {
    return round(t * 1000 - this.options.startMs);
  }

  feed(call: TraceCall): void {
    this.lastT = Math.max(this.lastT, call.t);
    if (call.kind === 'sleep') return this.sleep(call);
    if (call.kind === 'exit') return this.exit(call.tid);
    const role: Role | null = call.path === this.options.dbPath ? 'db' : call.path === this.options.shmPath ? 'shm' : null;
    if (!role) {
      this.ignoredCalls += 1;
      return;
    }
    this.lockCalls += 1;
    if (role === 'shm') this.sawShm = true;
    else this.sawDb = true;
    this.lock(call, role);
  }

  /** A thread ended: a refusal with no sleep after it was its last (given up); one it was sleeping on never ended. */
  private exit(tid: number): void {
    const p = this.procs.get(this.pidOf(tid));
    const thread = p?.threads.get(tid);
    const seq = thread?.open;
    if (!p || !thread || !seq) return;
    this.close(p, tid, thread, seq.sleptSinceAttempt ? 'in-progress' : 'gave-up', seq.lastAttemptT);
  }

  private sleep(call: SleepCall): void {
    const p = this.procs.get(this.pidOf(call.tid));
    const thread = p?.threads.get(call.tid);
    const seq = thread?.open;
    if (!p || !thread || !seq) return;
    // SQLite's busy handler sleeps whole milliseconds; other sleeps inside SQLite (walTryBeginRead's
    // microsecond back-off) are not the busy handler's and leave the sequence alone.
    if (Math.abs(call.ms - Math.round(call.ms)) > 1e-6) return;
    const index = this.busyHandlerStep(seq, Math.round(call.ms));
    if (index === null) {
      // Not the busy handler's next sleep: SQLITE_BUSY went back to the app, which sleeps on its own.
      this.close(p, call.tid, thread, 'gave-up', seq.lastAttemptT);
      return;
    }
    seq.sleeps += 1;
    seq.sleptMs += call.ms;
    seq.sleptSinceAttempt = true;
  }

  /**
   * Whether a sleep of `ms` is the busy handler's next one for this sequence (its table index), or null. A
   * sequence seen from its start follows the table exactly; one that began before tracing (its first refusal
   * in the first moments of the window) may join it anywhere, and is marked partial. The last sleep may be
   * shorter (cut to what is left of busy_timeout); nothing follows it.
   */
  private busyHandlerStep(seq: Sequence, ms: number): number | null {
    const table = BUSY_HANDLER_DELAYS_MS;
    const last = table.length - 1;
    if (ms <= 0 || ms > table[last]! || seq.truncated || seq.sleptSinceAttempt) return null;
    if (seq.tableIndex < 0) {
      if (ms === table[0]) return (seq.tableIndex = 0);
      // Refusals within the first 250 ms may continue a wait that began before the attach (sleeps are at most 100 ms).
      if (seq.firstT * 1000 - this.options.startMs > 250) return null;
      const at = (table as readonly number[]).indexOf(ms);
      seq.partial = true;
      if (at < 0) {
        seq.truncated = true;
        return (seq.tableIndex = last);
      }
      return (seq.tableIndex = at);
    }
    const next = Math.min(seq.tableIndex + 1, last);
    if (ms === table[next]) return (seq.tableIndex = next);
    if (seq.partial && ms >= table[seq.tableIndex]! && (table as readonly number[]).includes(ms)) return (seq.tableIndex = (table as readonly number[]).indexOf(ms, seq.tableIndex));
    if (ms < table[next]!) {
      seq.truncated = true;
      return (seq.tableIndex = next);
    }
    return null;
  }

  /** The lock an app statement waits for, if this acquisition is one (null: SQLite's internal probing). */
  private watched(p: ProcessState, call: LockCall, role: Role): { lock: SqliteLockName; key: string } | null {
    if (call.type === 'unlock') return null;
    if (role === 'shm') {
      return call.type === 'write' && call.start === SHM_WRITE_BYTE && call.len === 1 ? { lock: 'wal-write', key: 'shm:wal-write' } : null;
    }
    if (call.type === 'read') {
      if (call.start === PENDING_BYTE && call.len === 1) return { lock: 'shared', key: 'db:pending' };
      if (call.start === SHARED_FIRST) return { lock: 'shared', key: 'db:shared' };
      return null;
    }
    if (call.start === RESERVED_BYTE && call.len === 1) return { lock: 'reserved', key: 'db:reserved' };
    if (call.start === PENDING_BYTE && call.len === 1) return p.held.get('db:reserved') === 'w' ? { lock: 'pending', key: 'db:pending' } : null;
    // EXCLUSIVE counts only on the way to a commit (RESERVED held); a close's probe is not a wait.
    if (call.start === SHARED_FIRST && p.held.get('db:reserved') === 'w') return { lock: 'exclusive', key: 'db:shared' };
    return null;
  }

  private lock(call: LockCall, role: Role): void {
    const pid = this.pidOf(call.tid);
    const p = this.proc(pid);
    p.lockCalls += 1;
    const thread = p.thread(call.tid);
    const w = this.watched(p, call, role);
    const retrying = thread.open;
    if (w && retrying && retrying.key !== w.key && retrying.sleptSinceAttempt) {
      // After a busy-handler sleep the retry takes what comes before the refused lock again (rollback: SHARED
      // before RESERVED): part of the same wait. A refusal there is one more attempt of it.
      if (!call.ok && (call.errno === 'EAGAIN' || call.errno === 'EACCES')) {
        retrying.attempts += 1;
        retrying.lastAttemptT = call.t;
        retrying.sleptSinceAttempt = false;
      }
    } else if (w) {
      const open = thread.open;
      if (open && (open.key !== w.key || !open.sleptSinceAttempt)) {
        // Another lock, or the same one with no busy-handler sleep before it: the statement that owned the
        // sequence got SQLITE_BUSY, and this is a new statement.
        this.close(p, call.tid, thread, 'gave-up', open.lastAttemptT);
      }
      const seq = thread.open;
      if (call.ok) {
        if (seq) this.close(p, call.tid, thread, 'acquired', call.t);
        thread.run.count = 0;
      } else if (call.errno === 'EAGAIN' || call.errno === 'EACCES') {
        if (seq) {
          seq.attempts += 1;
          seq.lastAttemptT = call.t;
          seq.sleptSinceAttempt = false;
        } else {
          thread.open = {
            lock: w.lock,
            key: w.key,
            type: call.type === 'read' ? 'read' : 'write',
            firstT: call.t,
            lastAttemptT: call.t,
            attempts: 1,
            sleeps: 0,
            sleptMs: 0,
            sleptSinceAttempt: false,
            tableIndex: -1,
            truncated: false,
            partial: false,
            heldReadLock: call.type === 'write' && p.holdsReadLock(this.sawShm),
            heldBy: this.holders(pid, role, call),
          };
        }
      }
    }
    if (call.ok) this.apply(p, call, role);
  }

  /** Other traced processes holding a lock that conflicts with this attempt. */
  private holders(pid: number, role: Role, call: LockCall): number[] {
    const keys = covered(role, call.start, call.len);
    const out: number[] = [];
    for (const [other, q] of this.procs) {
      if (other === pid) continue;
      if (keys.some((k) => (call.type === 'write' ? q.held.has(k) : q.held.get(k) === 'w'))) out.push(other);
    }
    return out;
  }

  private apply(p: ProcessState, call: LockCall, role: Role): void {
    const keys = covered(role, call.start, call.len);
    const writeKey = role === 'shm' ? 'shm:wal-write' : 'db:reserved';
    for (const k of keys) {
      p.touched.add(k);
      const before = p.held.get(k);
      if (call.type === 'unlock') {
        p.held.delete(k);
        if (k === writeKey && before === 'w' && p.writeSince) this.endWrite(p, call.t, false);
      } else {
        const mode: Held = call.type === 'write' ? 'w' : 'r';
        if (before === undefined && mode === 'r' && (k.startsWith('shm:wal-read-') || (k === 'db:shared' && !this.sawShm))) p.readTransactions += 1;
        p.held.set(k, mode);
        if (k === writeKey && mode === 'w' && before !== 'w' && !p.writeSince) p.writeSince = { tid: call.tid, t: call.t };
      }
    }
  }

  private endWrite(p: ProcessState, t: number, open: boolean): void {
    const since = p.writeSince!;
    p.writeSince = null;
    const heldMs = round((t - since.t) * 1000);
    if (p.writeHoldMs.length < MAX_SAMPLES) p.writeHoldMs.push(heldMs);
    const hold: WriteHold = { tid: since.tid, atMs: this.relMs(since.t), heldMs, open };
    if (since.beforeTrace) hold.beganBeforeTrace = true;
    if (p.longest.length < LONGEST_WRITES || heldMs > p.longest[p.longest.length - 1]!.heldMs) {
      p.longest = [...p.longest, hold].sort((a, b) => b.heldMs - a.heldMs).slice(0, LONGEST_WRITES);
    }
  }

  private close(p: ProcessState, tid: number, thread: ThreadState, outcome: BusyEvent['outcome'], endT: number): void {
    const seq = thread.open!;
    thread.open = null;
    const kind: BusyEvent['kind'] = seq.sleeps > 0 ? 'after-retry' : 'at-once';
    const event: BusyEvent = {
      pid: p.pid,
      tid,
      atMs: this.relMs(seq.firstT),
      lock: seq.lock,
      outcome,
      kind,
      attempts: seq.attempts,
      waitedMs: round((endT - seq.firstT) * 1000),
      sleptMs: round(seq.sleptMs),
      heldReadLock: seq.heldReadLock,
      heldBy: seq.heldBy,
    };
    if (seq.partial) event.beganBeforeTrace = true;
    if (seq.sleeps > 0) {
      thread.retried = true;
      if (seq.type === 'write' && (seq.lock === 'wal-write' || seq.lock === 'reserved')) p.writeFirst += 1;
    }
    if (outcome === 'acquired') {
      p.counts.acquired += 1;
      if (p.waits.length < MAX_SAMPLES) p.waits.push(event.waitedMs);
      p.lowerBoundMs = Math.max(p.lowerBoundMs, seq.sleptMs);
      thread.run.count = 0;
    } else if (outcome === 'gave-up') {
      if (kind === 'at-once') {
        p.counts.gaveUpAtOnce += 1;
        if (seq.type === 'write') p.atOnceWrites.push({ tid, heldReadLock: seq.heldReadLock });
        else p.atOnceRead += 1;
      } else {
        p.counts.gaveUpAfterRetry += 1;
        // A sequence seen only in part spent more than its seen sleeps: a lower bound, not the timeout.
        if (seq.partial) p.lowerBoundMs = Math.max(p.lowerBoundMs, seq.sleptMs);
        else p.gaveUpSlept.push({ ms: round(seq.sleptMs), spanMs: event.waitedMs, tid });
      }
      const run = thread.run;
      if (run.count === 0) run.firstT = seq.firstT;
      run.count += 1;
      run.lastT = seq.firstT;
      if (!p.bestRun || run.count > p.bestRun.count) p.bestRun = { tid, count: run.count, firstT: run.firstT, lastT: run.lastT };
    } else {
      p.counts.inProgress += 1;
    }
    if (p.closed.length < MAX_BUSY_EVENTS_PER_PROCESS) p.closed.push({ event, tid });
    else p.busyOmitted += 1;
  }

  /** The window ended: open sequences and write holds are cut there; the per-process facts. */
  finish(endMs: number, identify: (pid: number) => { command: string | null; runtime: TracedProcess['runtime'] }, pids: readonly number[]): TracedProcess[] {
    const endT = Math.max(endMs / 1000, this.lastT);
    for (const pid of pids) this.proc(pid);
    const out: TracedProcess[] = [];
    for (const p of [...this.procs.values()].sort((a, b) => a.pid - b.pid)) {
      for (const [tid, thread] of p.threads) {
        const seq = thread.open;
        if (!seq) continue;
        // Refused, and no busy-handler sleep after it: the statement already had its SQLITE_BUSY — unless the
        // refusal came so close to the end that the sleep may simply not have been seen.
        const cut = seq.sleptSinceAttempt || endT - seq.lastAttemptT < END_SLACK_S;
        this.close(p, tid, thread, cut ? 'in-progress' : 'gave-up', cut ? endT : seq.lastAttemptT);
      }
      if (p.writeSince) this.endWrite(p, endT, true);
      out.push(this.processFacts(p, identify(p.pid)));
    }
    return out;
  }

  private processFacts(p: ProcessState, who: { command: string | null; runtime: TracedProcess['runtime'] }): TracedProcess {
    let readThenWrite = 0;
    let ambiguous = 0;
    for (const { tid, heldReadLock } of p.atOnceWrites) {
      // A thread whose busy handler retried elsewhere has busy_timeout > 0, so a write refused at once while it
      // kept a read lock was refused without the handler: an upgrade from a read transaction.
      // The same thread, not just the process: connections of one process can have different timeouts. And a
      // write attempt always comes after a read lock, but a process's connections share theirs (one fcntl for
      // all), so one not seen is no proof there was none: counted as ambiguous, never as busy_timeout 0.
      if (heldReadLock && p.threads.get(tid)?.retried) readThenWrite += 1;
      else ambiguous += 1;
    }
    return {
      pid: p.pid,
      command: who.command,
      runtime: who.runtime,
      threads: p.threads.size,
      lockCalls: p.lockCalls,
      readTransactions: p.readTransactions,
      writeHolds: stats(p.writeHoldMs),
      longestWrites: p.longest,
      busy: p.closed.map((c) => c.event),
      busyOmitted: p.busyOmitted,
      busyCounts: p.counts,
      busyTimeout: busyTimeoutOf(p),
      modes: { writeFirst: p.writeFirst, readThenWrite, ambiguous },
      lockWaits: stats(p.waits),
      retryRun: p.bestRun ? { tid: p.bestRun.tid, count: p.bestRun.count, firstAtMs: this.relMs(p.bestRun.firstT), lastAtMs: this.relMs(p.bestRun.lastT) } : null,
    };
  }
}

function busyTimeoutOf(p: ProcessState): MeasuredBusyTimeout | null {
  if (p.gaveUpSlept.length > 0) {
    // Each sequence that gave up spent its connection's busy_timeout exactly; the smallest gives up soonest.
    const values = [...new Set(p.gaveUpSlept.map((g) => g.ms))].sort((a, b) => a - b);
    const ms = values[0]!;
    const sample = p.gaveUpSlept.find((g) => g.ms === ms)!;
    return { kind: 'measured', ms, spanMs: sample.spanMs, sequences: p.gaveUpSlept.filter((g) => g.ms === ms).length, tid: sample.tid, otherMs: values.slice(1) };
  }
  if (p.lowerBoundMs > 0) return { kind: 'lower-bound', ms: round(p.lowerBoundMs) };
  if (p.atOnceRead > 0) return { kind: 'zero', sequences: p.atOnceRead };
  if (p.atOnceWrites.length > 0) return { kind: 'at-once-only', sequences: p.atOnceWrites.length };
  return null;
}
