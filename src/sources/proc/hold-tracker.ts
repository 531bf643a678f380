/**
 * The rolling hold tracker: fed one LockSample per tick, it follows each process's write and read holds —
 * how long, how often, which reader pinned an old snapshot — and at the end gives hold statistics per
 * process, the longest holds and the whole-window flags. Pure: no clock, no /proc, no file; the sampler
 * (src/sources/proc/sampler.ts) feeds it from the live lock table, and a long-running monitor can feed it too.
 *
 * Resolution: each sample counts as held until the next one, so hold times are accurate to one period and a
 * hold shorter than a period can be missed. SQLite's busy handler polls instead of blocking in the kernel, so
 * waiters never show; only holders do.
 */
import type { LockSample } from './lock-sample.js';
import { type HoldInterval, MAX_POINTS } from '../../core/series.js';
import { percentileSorted } from '../../core/percentile.js';
import { isWriteLock, lockWord, readSlot } from './lock-table.js';
import type { DecodedLock, HoldStats, ReadHoldStats, ShmHeader, SqliteLockName } from '../../core/facts.js';

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
    return {
      heldMs: round1(this.heldMs),
      share: windowMs > 0 ? Math.round((this.heldMs / windowMs) * 10_000) / 10_000 : 0,
      acquisitions: this.runs.length,
      longestMs: round1(this.longestMs),
      p50Ms: sorted.length ? round1(percentileSorted(sorted, 50) ?? 0) : null,
      p99Ms: sorted.length ? round1(percentileSorted(sorted, 99) ?? 0) : null,
      heldAtStart: this.heldAtStart,
      heldAtEnd,
      heldWholeWindow: totalSamples > 0 && this.samplesHeld === totalSamples,
    };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

interface ProcTrack {
  pid: number;
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
}

/** What the tracker measured for one process over the window (identity and progress are the caller's: they need /proc). */
export interface TrackedHolds {
  pid: number;
  /** Every lock name seen for this process during the window, sorted. */
  locksSeen: SqliteLockName[];
  /** WAL write lock, or RESERVED/PENDING/EXCLUSIVE in rollback mode; null = never held. */
  write: HoldStats | null;
  /** The longest write hold came with the checkpoint lock. */
  writeHoldIsCheckpoint: boolean;
  /** The longest write hold included PENDING. */
  writeHoldIsPending: boolean;
  /** It held PENDING at every sample. */
  pendingWholeWindow: boolean;
  read: ReadHoldStats | null;
}

/** A hold still in progress at the last sample fed: since when (sample time) it has lasted. */
export interface OngoingHolds {
  pid: number;
  writeSinceT: number | null;
  readSinceT: number | null;
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

/** A lock as the timeline names it: as `locks` prints it, without the frame a read mark pins (that is not the lock). */
export function timelineLockName(lock: DecodedLock): string {
  return lockWord(lock.name);
}

/**
 * Past MAX_POINTS holds of one lock by one process, the half of them separated by the shortest gaps are
 * merged with their next neighbour (the gap is then counted as held): what a chart of the window can still
 * show, in bounded memory.
 */
export function mergeNeighbours(holds: HoldInterval[]): HoldInterval[] {
  if (holds.length <= MAX_POINTS) return holds;
  const gaps = holds.slice(1).map((h, i) => ({ i, gap: h.startMs - holds[i]!.endMs }));
  gaps.sort((a, b) => a.gap - b.gap || a.i - b.i);
  const mergeAfter = new Set(gaps.slice(0, Math.floor(holds.length / 2)).map((g) => g.i));
  const out: HoldInterval[] = [];
  holds.forEach((h, i) => {
    const prev = out[out.length - 1];
    if (prev && mergeAfter.has(i - 1)) {
      prev.endMs = h.endMs;
      prev.open = h.open;
    } else out.push({ ...h });
  });
  return out;
}

/** Progress of a window in progress: holders at the last sample, the longest write hold so far (ongoing ones included). */
export interface TrackerProgress {
  holders: number;
  longestWrite: { pid: number; ms: number } | null;
  /** mxFrame of the last sample's -shm header; null = none. */
  walFrames: number | null;
}

export class HoldTracker {
  private readonly procs = new Map<number, ProcTrack>();
  /** Hold intervals per `pid lock mode`: closed ones, and the one in progress (its start). */
  private readonly holds = new Map<string, HoldInterval[]>();
  private readonly openHolds = new Map<string, { pid: number; lock: string; mode: 'shared' | 'exclusive'; startMs: number }>();
  private count = 0;
  private first: LockSample | null = null;
  private last: LockSample | null = null;

  /** `walEnabled`: the database's mode (a read is a WAL read mark, or SHARED in rollback mode). */
  constructor(private readonly walEnabled: boolean) {}

  /** Samples fed so far. */
  get samples(): number {
    return this.count;
  }

  /** The -shm header of the first and of the last sample fed. */
  get shmAtStart(): ShmHeader | null {
    return this.first?.shm ?? null;
  }

  get shmAtEnd(): ShmHeader | null {
    return this.last?.shm ?? null;
  }

  /**
   * Feeds one sample (samples come in time order). Returns the pids seen for the first time, so the caller
   * can read their identity while they still run.
   */
  add(sample: LockSample): number[] {
    const isFirst = this.count === 0;
    if (isFirst) this.first = sample;
    this.last = sample;
    this.recordHolds(sample);
    const fresh: number[] = [];
    const byPid = new Map(sample.holders.map((h) => [h.pid, h.locks]));
    for (const pid of byPid.keys()) {
      if (!this.procs.has(pid)) {
        this.procs.set(pid, newTrack(pid, sample.t));
        fresh.push(pid);
      }
    }
    for (const track of this.procs.values()) {
      const locks = byPid.get(track.pid) ?? [];
      for (const l of locks) track.locksSeen.add(l.name);
      this.update(track, locks, sample, isFirst);
    }
    this.count += 1;
    return fresh;
  }

  /** Opens the holds this sample shows first, closes the ones it no longer shows (at this sample's time). */
  private recordHolds(sample: LockSample): void {
    const t = sample.t - (this.first?.t ?? sample.t);
    const now = new Set<string>();
    for (const h of sample.holders) {
      for (const l of h.locks) {
        const lock = timelineLockName(l);
        const key = `${h.pid} ${lock} ${l.mode}`;
        now.add(key);
        if (!this.openHolds.has(key)) this.openHolds.set(key, { pid: h.pid, lock, mode: l.mode, startMs: t });
      }
    }
    for (const [key, o] of this.openHolds) {
      if (now.has(key)) continue;
      this.openHolds.delete(key);
      this.closeHold(key, { ...o, endMs: t, open: false });
    }
  }

  private closeHold(key: string, hold: HoldInterval): void {
    const list = this.holds.get(key) ?? [];
    list.push(hold);
    this.holds.set(key, list.length > MAX_POINTS ? mergeNeighbours(list) : list);
  }

  /**
   * The hold intervals of the window ended at `endT`, ms from the first sample, by pid, lock and start. A hold
   * still seen at the last sample ends at `endT` and is `open`. Call once, after the last sample.
   */
  timeline(endT: number): HoldInterval[] {
    const endMs = endT - (this.first?.t ?? endT);
    for (const [key, o] of this.openHolds) this.closeHold(key, { ...o, endMs, open: true });
    this.openHolds.clear();
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return [...this.holds.values()]
      .flat()
      .map((h) => ({ ...h, startMs: round(h.startMs), endMs: round(h.endMs) }))
      .sort((a, b) => a.pid - b.pid || a.lock.localeCompare(b.lock) || a.startMs - b.startMs);
  }

  /** Holders at the last sample, the longest write hold so far (an ongoing one counted up to the last sample), the WAL's frames. */
  progress(): TrackerProgress {
    const last = this.last;
    let longestWrite: TrackerProgress['longestWrite'] = null;
    for (const p of this.procs.values()) {
      const ongoing = p.write.current !== null && last ? last.t - p.write.current : 0;
      const ms = Math.max(p.write.longestMs, ongoing);
      if (p.everWrote && ms > (longestWrite?.ms ?? -1)) longestWrite = { pid: p.pid, ms };
    }
    return { holders: last?.holders.filter((h) => h.locks.length > 0).length ?? 0, longestWrite, walFrames: last?.shm?.mxFrame ?? null };
  }

  /** Holds in progress at the last sample fed, by pid ascending (for a monitor that reports while it runs). */
  ongoing(): OngoingHolds[] {
    return [...this.procs.values()]
      .filter((p) => p.write.current !== null || p.read.current !== null)
      .sort((a, b) => a.pid - b.pid)
      .map((p) => ({ pid: p.pid, writeSinceT: p.write.current, readSinceT: p.read.current }));
  }

  /**
   * Ends the window at `endT` (the last sample's time plus one period: each sample counts until the next) and
   * gives each process's holds, by pid ascending. `windowMs` is what shares are taken of. Call once.
   */
  finish(endT: number, windowMs: number): TrackedHolds[] {
    const total = this.count;
    const out: TrackedHolds[] = [];
    for (const track of [...this.procs.values()].sort((a, b) => a.pid - b.pid)) {
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
      out.push({
        pid: track.pid,
        locksSeen: [...track.locksSeen].sort(),
        write: track.everWrote ? track.write.stats(windowMs, total, writeHeldAtEnd) : null,
        writeHoldIsCheckpoint: track.everWrote && track.longestWriteCheckpoint,
        writeHoldIsPending: track.everWrote && track.longestWritePending,
        pendingWholeWindow: total > 0 && track.pendingSamples === total,
        read: track.everRead
          ? {
              ...track.read.stats(windowMs, total, readHeldAtEnd),
              pinnedMs: round1(track.pinned.heldMs),
              longestPinnedMs: round1(track.pinned.longestMs),
              maxFramesBehind: track.maxFramesBehind,
              pinsFrame: track.longestPinFrame,
            }
          : null,
      });
    }
    return out;
  }

  private update(track: ProcTrack, locks: readonly DecodedLock[], sample: LockSample, first: boolean): void {
    const t = sample.t;
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
    if (this.walEnabled && !writing) {
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
    if (slot !== null && this.walEnabled) ({ behind, mark } = framesBehind(slot, sample.shm));
    if (behind > 0) track.maxFramesBehind = Math.max(track.maxFramesBehind, behind);
    updatePin(track, behind > 0, mark, t, first);
  }
}

function newTrack(pid: number, t: number): ProcTrack {
  return {
    pid,
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
  };
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
