/**
 * `lockscope locks --for <duration>`: samples the kernel's lock table at `hz` and turns it into hold times
 * per process — how long each one held the write lock, how often, and which readers pinned an old snapshot.
 *
 * Cheap by construction (< 5% of one core at 100 Hz, see bench/locks.ts): each tick is one pread of
 * /proc/locks on a descriptor kept open (a seq_file regenerates from offset 0), a substring filter so only
 * the lines on the database's inodes are split, and one 136-byte pread of the -shm header. No /proc/<pid>/fd
 * scan while sampling: a process is looked up once, when it first shows a lock.
 *
 * Read-only and lock-free like the snapshot: no SQLite connection; the -shm descriptor is O_RDONLY and takes
 * no lock, and this process holds no connection whose locks closing it could drop (lock facts §10.1).
 *
 * Resolution: each sample counts as held until the next one, so hold times are accurate to one period
 * (10 ms at 100 Hz) and a hold shorter than a period can be missed. SQLite's busy handler polls instead of
 * blocking in the kernel, so waiters never show; only holders do.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { statFile } from './files.js';
import { percentileSorted } from './percentile.js';
import { decodeProcessLocks, isWriteLock, lockKey, parseProcLocks, readSlot } from './proc-locks.js';
import { type ActivityCounters, type ProcessIdentity, processIdentity, processRunState, readActivity } from './processes.js';
import { SHM_HEADER_BYTES, parseShmHeader } from './shm-header.js';
import type {
  DatabaseFiles,
  DecodedLock,
  FileInfo,
  HoldStats,
  LockSampleFacts,
  LockSampleProcess,
  ProcessProgress,
  RawLock,
  ReadHoldStats,
  ShmHeader,
  SqliteLockName,
} from './types.js';

export const DEFAULT_HZ = 100;
export const MAX_HZ = 1000;

export interface SampleTarget {
  files: DatabaseFiles;
  walEnabled: boolean;
}

export interface SamplerOptions {
  durationMs: number;
  hz?: number;
  /** Ends the window early (Ctrl-C): what was sampled so far is reported. */
  signal?: AbortSignal;
  procLocksPath?: string;
}

/** A continuous hold: from the first sample that saw it to the first that did not. */
class RunTracker {
  heldMs = 0;
  runs: number[] = [];
  longestMs = 0;
  samplesHeld = 0;
  heldAtStart = false;
  private start: number | null = null;
  private lastHeld = false;
  private lastT = 0;

  constructor(firstT: number) {
    this.lastT = firstT;
  }

  /** Records sample at time `t`; returns the length of the run that just ended, if one did. */
  update(held: boolean, t: number, isFirstSample: boolean): number | null {
    if (this.lastHeld) this.heldMs += t - this.lastT;
    this.lastT = t;
    let ended: number | null = null;
    if (held) {
      this.samplesHeld += 1;
      if (isFirstSample) this.heldAtStart = true;
      if (this.start === null) this.start = t;
    } else if (this.start !== null) {
      ended = this.close(t);
    }
    this.lastHeld = held;
    return ended;
  }

  get current(): number | null {
    return this.start;
  }

  private close(t: number): number {
    const ms = t - (this.start ?? t);
    this.runs.push(ms);
    this.longestMs = Math.max(this.longestMs, ms);
    this.start = null;
    return ms;
  }

  /** Ends the window at `t`: an ongoing hold is counted up to there. Returns the ongoing run's length, if any. */
  finish(t: number): { ongoingMs: number | null } {
    if (this.lastHeld) this.heldMs += t - this.lastT;
    this.lastT = t;
    const ongoingMs = this.start !== null ? this.close(t) : null;
    return { ongoingMs };
  }

  stats(windowMs: number, totalSamples: number, heldAtEnd: boolean): HoldStats {
    const sorted = [...this.runs].sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      heldMs: round(this.heldMs),
      share: windowMs > 0 ? Math.round((this.heldMs / windowMs) * 10_000) / 10_000 : 0,
      acquisitions: this.runs.length,
      longestMs: round(this.longestMs),
      p50Ms: sorted.length ? round(percentileSorted(sorted, 50) ?? 0) : null,
      p99Ms: sorted.length ? round(percentileSorted(sorted, 99) ?? 0) : null,
      heldAtStart: this.heldAtStart,
      heldAtEnd,
      heldWholeWindow: totalSamples > 0 && this.samplesHeld === totalSamples,
    };
  }
}

interface ProcTrack {
  pid: number;
  /** Read when the process first shows a lock (it may be gone by the end of the window). */
  identity: ProcessIdentity;
  locksSeen: Set<SqliteLockName>;
  write: RunTracker;
  read: RunTracker;
  pinned: RunTracker;
  everWrote: boolean;
  everRead: boolean;
  /** Flags of the write run in progress, and of the longest one so far. */
  runCheckpoint: boolean;
  runPending: boolean;
  longestWriteCheckpoint: boolean;
  longestWritePending: boolean;
  readSlot: number | null;
  /** Samples in which it held PENDING (a rollback-mode commit waiting for readers). */
  pendingSamples: number;
  maxFramesBehind: number;
  pinsFrameNow: number | null;
  longestPinFrame: number | null;
  activityStart: ActivityCounters | null;
}

interface TargetState {
  target: SampleTarget;
  dbKey: string | null;
  shmKey: string | null;
  shmPath: string;
  shmFd: number | null;
  header: ShmHeader | null;
  firstHeader: ShmHeader | null;
  procs: Map<number, ProcTrack>;
}

function keyOf(info: { exists: boolean; device?: string; inode?: string }): string | null {
  return info.exists && info.device && info.inode ? lockKey(info.device, info.inode) : null;
}

function openShm(state: TargetState): void {
  if (state.shmFd !== null) {
    closeSync(state.shmFd);
    state.shmFd = null;
  }
  if (!state.target.walEnabled || state.shmKey === null) return;
  try {
    // O_RDONLY, no O_CREAT: never creates -shm, never takes a lock on it.
    state.shmFd = openSync(state.shmPath, 'r');
  } catch {
    state.shmFd = null;
  }
}

const headerBuf = Buffer.alloc(SHM_HEADER_BYTES);
function readHeader(state: TargetState): ShmHeader | null {
  if (state.shmFd === null) return null;
  try {
    const n = readSync(state.shmFd, headerBuf, 0, SHM_HEADER_BYTES, 0);
    if (n < SHM_HEADER_BYTES) return null;
    const parsed = parseShmHeader(headerBuf);
    // A header caught mid-update (copies differ): keep the last good one.
    return parsed.valid ? parsed.header : state.header;
  } catch {
    return state.header;
  }
}

/** Re-reads file identities: -shm is deleted by the last connection's close and recreated by the next opener. */
function refreshFiles(state: TargetState): void {
  let db: FileInfo;
  let shm: FileInfo;
  try {
    db = statFile(state.target.files.db.path);
    shm = statFile(state.shmPath);
  } catch {
    return; // EACCES on a path that changed mode meanwhile: keep the identities we have.
  }
  state.dbKey = keyOf(db);
  const key = keyOf(shm);
  if (key !== state.shmKey) {
    state.shmKey = key;
    openShm(state);
  }
}

function newTrack(pid: number, t: number): ProcTrack {
  return {
    pid,
    identity: processIdentity(pid),
    locksSeen: new Set(),
    write: new RunTracker(t),
    read: new RunTracker(t),
    pinned: new RunTracker(t),
    everWrote: false,
    everRead: false,
    runCheckpoint: false,
    runPending: false,
    longestWriteCheckpoint: false,
    longestWritePending: false,
    readSlot: null,
    pendingSamples: 0,
    maxFramesBehind: 0,
    pinsFrameNow: null,
    longestPinFrame: null,
    activityStart: readActivity(pid),
  };
}

/** Frames a reader in `slot` keeps from being checkpointed now (0 = it pins nothing). */
function framesBehind(slot: number, header: ShmHeader | null): { behind: number; mark: number | null } {
  if (!header) return { behind: 0, mark: null };
  if (slot === 0) {
    // A READ0 reader reads the database file only; while it lasts no frame can be backfilled (wal.c:2096).
    return { behind: Math.max(0, header.mxFrame - header.nBackfill), mark: null };
  }
  const mark = header.readMarks[slot] ?? null;
  if (mark === null) return { behind: 0, mark };
  return { behind: Math.max(0, header.mxFrame - mark), mark };
}

function sampleTarget(state: TargetState, table: readonly RawLock[], t: number, first: boolean): void {
  state.header = readHeader(state);
  if (first) state.firstHeader = state.header;
  const onDb = state.dbKey ? table.filter((l) => `${l.device}:${l.inode}` === state.dbKey) : [];
  const onShm = state.shmKey ? table.filter((l) => `${l.device}:${l.inode}` === state.shmKey) : [];
  const present = new Set<number>();
  for (const l of onDb) if (l.pid > 0) present.add(l.pid);
  for (const l of onShm) if (l.pid > 0) present.add(l.pid);
  for (const pid of present) if (!state.procs.has(pid)) state.procs.set(pid, newTrack(pid, t));
  for (const track of state.procs.values()) {
    const locks: DecodedLock[] = present.has(track.pid) ? decodeProcessLocks(onDb, onShm, track.pid) : [];
    for (const l of locks) track.locksSeen.add(l.name);
    updateTrack(state, track, locks, t, first);
  }
}

function updateTrack(state: TargetState, track: ProcTrack, locks: readonly DecodedLock[], t: number, first: boolean): void {
  const names = new Set(locks.map((l) => l.name));
  // Writer: the WAL write lock, or RESERVED/PENDING/EXCLUSIVE on the database file.
  const writing = locks.some((l) => isWriteLock(l.name));
  if (writing) {
    track.everWrote = true;
    track.runCheckpoint ||= names.has('wal-checkpoint');
    track.runPending ||= names.has('pending');
  }
  if (names.has('pending')) track.pendingSamples += 1;
  const ended = track.write.update(writing, t, first);
  if (ended !== null) noteWriteRunEnd(track, ended);

  // Reader: a WAL read mark held shared; in rollback mode, SHARED on the database file.
  let slot: number | null = null;
  // A writer's own read lock is part of its write transaction, not a reader holding others back.
  if (state.target.walEnabled && !writing) {
    for (const l of locks) {
      const s = readSlot(l.name);
      if (s !== null && l.mode === 'shared') slot = s;
    }
  } else if (names.has('shared') && !writing) {
    // Rollback mode: SHARED alone is a read in progress (a writer's own SHARED is part of its write).
    slot = 0;
  }
  // A different slot between two samples is a different read transaction.
  if (slot !== track.readSlot && track.readSlot !== null && slot !== null) {
    track.read.update(false, t, false);
    updatePin(track, false, null, t, false);
  }
  track.readSlot = slot;
  if (slot !== null) track.everRead = true;
  track.read.update(slot !== null, t, first);
  let behind = 0;
  let mark: number | null = null;
  if (slot !== null && state.target.walEnabled) ({ behind, mark } = framesBehind(slot, state.header));
  if (behind > 0) track.maxFramesBehind = Math.max(track.maxFramesBehind, behind);
  updatePin(track, behind > 0, mark, t, first);
}

/** Pinning runs: remembers the frame pinned during the longest one. */
function updatePin(track: ProcTrack, pinning: boolean, mark: number | null, t: number, first: boolean): void {
  // A run starting now pins `mark` (a reader's mark cannot move while it holds the slot).
  if (pinning && track.pinned.current === null) track.pinsFrameNow = mark;
  const before = track.pinned.longestMs;
  const ended = track.pinned.update(pinning, t, first);
  if (ended !== null && ended >= before) track.longestPinFrame = track.pinsFrameNow;
}

function noteWriteRunEnd(track: ProcTrack, ms: number): void {
  if (ms >= track.write.longestMs) {
    track.longestWriteCheckpoint = track.runCheckpoint;
    track.longestWritePending = track.runPending;
  }
  track.runCheckpoint = false;
  track.runPending = false;
}

function progressOf(start: ActivityCounters | null, end: ActivityCounters | null): ProcessProgress | null {
  // Gone, or the pid now belongs to another process (a different start time).
  if (!start || !end || start.startTicks !== end.startTicks) return null;
  const cpuTicks = end.cpuTicks - start.cpuTicks;
  const io = start.ioSyscalls !== null && end.ioSyscalls !== null;
  const ioSyscalls = io ? end.ioSyscalls! - start.ioSyscalls! : null;
  const ioBytes = io && start.ioBytes !== null && end.ioBytes !== null ? end.ioBytes - start.ioBytes : null;
  return {
    cpuTicks,
    ioSyscalls,
    ioBytes,
    progressed: cpuTicks > 0 || (ioSyscalls ?? 0) > 0,
    basis: io ? 'cpu+io' : 'cpu',
  };
}

function finishTarget(state: TargetState, endT: number, windowMs: number, totalSamples: number): LockSampleProcess[] {
  const out: LockSampleProcess[] = [];
  for (const track of [...state.procs.values()].sort((a, b) => a.pid - b.pid)) {
    const writeHeldAtEnd = track.write.current !== null;
    const readHeldAtEnd = track.read.current !== null;
    const before = track.write.longestMs;
    const { ongoingMs } = track.write.finish(endT);
    if (ongoingMs !== null && ongoingMs >= before) {
      track.longestWriteCheckpoint = track.runCheckpoint;
      track.longestWritePending = track.runPending;
    }
    track.read.finish(endT);
    const pinBefore = track.pinned.longestMs;
    const pin = track.pinned.finish(endT);
    if (pin.ongoingMs !== null && pin.ongoingMs >= pinBefore) track.longestPinFrame = track.pinsFrameNow;
    const identity = track.identity;
    const end = readActivity(track.pid);
    const proc: LockSampleProcess = {
      pid: track.pid,
      ...(identity.command !== undefined ? { command: identity.command } : {}),
      ...(identity.user !== undefined ? { user: identity.user } : {}),
      ...(identity.startedAt !== undefined ? { startedAt: identity.startedAt } : {}),
      ...(identity.runtime !== undefined ? { runtime: identity.runtime } : {}),
      ...(identity.lockscope ? { lockscope: true } : {}),
      locksSeen: [...track.locksSeen].sort(),
      write: track.everWrote ? track.write.stats(windowMs, totalSamples, writeHeldAtEnd) : null,
      writeHoldIsCheckpoint: track.everWrote && track.longestWriteCheckpoint,
      writeHoldIsPending: track.everWrote && track.longestWritePending,
      pendingWholeWindow: totalSamples > 0 && track.pendingSamples === totalSamples,
      read: null,
      progress: progressOf(track.activityStart, end),
    };
    // Only the same process (same start time) still running has a state worth reporting.
    const run = end && track.activityStart && end.startTicks === track.activityStart.startTicks ? processRunState(track.pid) : undefined;
    if (run) proc.runAtEnd = run;
    if (track.everRead) {
      const read: ReadHoldStats = {
        ...track.read.stats(windowMs, totalSamples, readHeldAtEnd),
        pinnedMs: Math.round(track.pinned.heldMs * 10) / 10,
        longestPinnedMs: Math.round(track.pinned.longestMs * 10) / 10,
        maxFramesBehind: track.maxFramesBehind,
        pinsFrame: track.longestPinFrame,
      };
      proc.read = read;
    }
    out.push(proc);
  }
  return out;
}

/** The identity of one lock line: the same lock in two reads of the table (ordinals are positions, not identities). */
function lineId(l: RawLock): string {
  return `${l.pid} ${l.type} ${l.device}:${l.inode} ${l.start} ${l.end ?? 'EOF'}${l.waiting ? ' ->' : ''}`;
}

/**
 * Reads /proc/locks whole, on a descriptor kept open.
 *
 * /proc/locks is a seq_file: one read() returns at most one page of it (4,095 bytes measured here on Linux
 * 6.18, whatever the buffer size), so a table longer than that — about 55 locks on the whole machine — takes
 * several reads, and reading stops only at a read that returns 0 (EOF). Reading one buffer-full and taking
 * a short read for the end of the table made every lock past the first page invisible: the holder looked
 * released, and its hold was cut into pieces (a reader holding SHARED the whole window reported as 140 ms).
 *
 * Between two of those reads the kernel lets go of its lock on the table, and the next read restarts at a
 * line index (fs/locks.c locks_start: seq_hlist_start_percpu(*pos)): a lock removed from the part already
 * read shifts the rest up, and the line now at the boundary is skipped. That is from the source only — it was
 * not seen here (no confirming re-read in 2,400 multi-page samples with a churning table) — but it costs
 * nothing when the table is short: a multi-page read in which a line seen at the previous tick is missing is
 * read again (up to twice more) and the reads are merged: a lock still there is confirmed, a lock really
 * released is missing from every read.
 */
export class LockTableReader {
  private buf = Buffer.alloc(64 * 1024);
  private previous = new Set<string>();
  /** How often a multi-page read was read again to confirm a missing line. */
  rereads = 0;
  /** Reads of the table that took more than one read() call. */
  multiPage = 0;

  constructor(private readonly fd: number) {}

  /** One pass over the table: every page, until read() returns 0. Returns the lines on `keys` and the page count. */
  private readOnce(keys: readonly string[]): { locks: RawLock[]; pages: number } {
    let off = 0;
    let pages = 0;
    for (;;) {
      if (off === this.buf.length) {
        const bigger = Buffer.alloc(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, off);
        this.buf = bigger;
      }
      const n = readSync(this.fd, this.buf, off, this.buf.length - off, off);
      if (n === 0) break;
      off += n;
      pages += 1;
    }
    return { locks: parseProcLocks(this.buf.toString('latin1', 0, off), keys), pages };
  }

  read(keys: readonly string[]): RawLock[] {
    let { locks, pages } = this.readOnce(keys);
    if (pages > 1) {
      this.multiPage += 1;
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const seen = new Set(locks.map(lineId));
        if (![...this.previous].some((id) => !seen.has(id))) break;
        this.rereads += 1;
        const again = this.readOnce(keys).locks;
        const merged = new Map(locks.map((l) => [lineId(l), l]));
        for (const l of again) if (!merged.has(lineId(l))) merged.set(lineId(l), l);
        locks = [...merged.values()];
      }
    }
    this.previous = new Set(locks.map(lineId));
    return locks;
  }
}

/** Samples the lock table for every target at once (one read of /proc/locks per tick for all of them). */
export async function sampleLocks(targets: readonly SampleTarget[], options: SamplerOptions): Promise<LockSampleFacts[]> {
  const hz = Math.min(MAX_HZ, Math.max(1, options.hz ?? DEFAULT_HZ));
  const periodMs = 1000 / hz;
  const procLocksPath = options.procLocksPath ?? '/proc/locks';
  const locksFd = openSync(procLocksPath, 'r');
  const reader = new LockTableReader(locksFd);
  const now = () => performance.now();
  const states: TargetState[] = targets.map((target) => {
    const s: TargetState = {
      target,
      dbKey: keyOf(target.files.db),
      shmKey: keyOf(target.files.shm),
      shmPath: target.files.shm.path,
      shmFd: null,
      header: null,
      firstHeader: null,
      procs: new Map(),
    };
    openShm(s);
    return s;
  });
  const cpuStart = process.cpuUsage();
  const refreshEvery = Math.max(1, Math.round(hz / 2));
  // One abort listener for the whole window (not one per tick).
  let wake: (() => void) | null = null;
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const t0 = now();
  let samples = 0;
  let lastT = t0;
  let maxGapMs = 0;
  try {
    for (;;) {
      const t = now();
      if (samples > 0) maxGapMs = Math.max(maxGapMs, t - lastT);
      lastT = t;
      if (samples > 0 && samples % refreshEvery === 0) for (const s of states) refreshFiles(s);
      const keys = states.flatMap((s) => [s.dbKey, s.shmKey].filter((k): k is string => k !== null));
      const table = reader.read(keys);
      for (const s of states) sampleTarget(s, table, t, samples === 0);
      samples += 1;
      if (options.signal?.aborted) break;
      const next = t0 + samples * periodMs;
      if (next - t0 >= options.durationMs) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, next - now()));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    closeSync(locksFd);
  }
  const endT = lastT + periodMs;
  const windowMs = endT - t0;
  const cpu = process.cpuUsage(cpuStart);
  const samplerCpuMs = (cpu.user + cpu.system) / 1000;
  const endedAt = new Date().toISOString();
  const results = states.map((s): LockSampleFacts => {
    const processes = finishTarget(s, endT, windowMs, samples);
    const last = s.header;
    if (s.shmFd !== null) closeSync(s.shmFd);
    return {
      hz,
      requestedMs: options.durationMs,
      windowMs: Math.round(windowMs),
      samples,
      expectedSamples: Math.max(1, Math.round(options.durationMs / periodMs)),
      maxGapMs: Math.round(Math.max(maxGapMs, periodMs) * 10) / 10,
      mode: s.target.walEnabled ? 'wal' : 'rollback',
      mxFrameStart: s.firstHeader?.mxFrame ?? null,
      mxFrameEnd: last?.mxFrame ?? null,
      nBackfillStart: s.firstHeader?.nBackfill ?? null,
      nBackfillEnd: last?.nBackfill ?? null,
      samplerCpuMs: Math.round(samplerCpuMs * 10) / 10,
      samplerCpuShare: windowMs > 0 ? Math.round((samplerCpuMs / windowMs) * 10_000) / 10_000 : 0,
      multiPageReads: reader.multiPage,
      confirmReads: reader.rereads,
      endedAt,
      processes,
    };
  });
  return results;
}
