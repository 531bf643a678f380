/**
 * The lock sampler of `lockscope watch`: runs for hours, so it keeps only what is true now. Each fast tick
 * reads the lock table once (LockTableReader) and the -shm header of every database, cuts the table into one
 * sample per database (sampleOf) and feeds that database's HoldTracker. At the end of each interval the
 * tracker is finished and dropped — its run lists and its every-pid-ever map would otherwise grow for as
 * long as the monitor runs — and its holds are stitched onto the previous interval's: a hold that was in
 * progress at the end of one interval and at the start of the next is the same hold, so "held since" survives
 * the tracker's renewal. Memory stays flat: one entry per process attached now.
 *
 * Per interval, and only for the processes inside a transaction, /proc/<pid>/stat (and io) is read once: the
 * run state (T = stopped) and whether its CPU/I/O counters moved since the last interval — the stalled worker.
 *
 * Read-only and lock-free: no SQLite connection; the -shm descriptor is O_RDONLY and takes no lock, and this
 * process holds no connection whose locks closing a descriptor could drop (sqlite-lock-facts §10: the app's
 * locks are the app process's, and closing a descriptor in another process does not touch them). A file
 * deleted, replaced or rotated is followed by its path: the identities are stat()ed again every interval.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { statFile } from '../sqlite/files.js';
import { SHM_HEADER_BYTES, parseShmHeader } from '../sqlite/shm-header.js';
import { HoldTracker } from './hold-tracker.js';
import { sampleOf } from './lock-sample.js';
import { LockTableReader } from './lock-table-reader.js';
import { isWriteLock, lockKey, readSlot } from './lock-table.js';
import { type ActivityCounters, type ProcessIdentity, processIdentity, processRunState, readActivity } from './processes.js';
import type { DecodedLock, FileInfo, ProcessRunState, RawLock, ShmHeader } from '../../core/facts.js';

/** One database as the sampler follows it: its path (followed through renames) and its mode. */
export interface LiveTarget {
  /** The database file's real path. */
  dbPath: string;
  walEnabled: boolean;
}

/** A process attached to the database now (a lock on its file or -shm), with what it holds. */
export interface LiveProcess {
  pid: number;
  identity: ProcessIdentity;
  /** When it was first seen with a lock (epoch ms). */
  attachedSinceMs: number;
  /** It was attached already at the sampler's first interval (attached since at least then). */
  seenAtStart: boolean;
  /** Its locks at the interval's last sample. */
  locks: DecodedLock[];
  /** The write lock (WAL) or RESERVED/PENDING/EXCLUSIVE (rollback), held since (epoch ms); null = not held now. */
  write: { sinceMs: number; checkpoint: boolean; pending: boolean } | null;
  /** A read transaction (a WAL read mark, or SHARED alone in rollback mode) held since; null = none now. */
  read: {
    sinceMs: number;
    slot: number;
    /** The frame its read mark pins (null: READ0, or unknown). */
    pinsFrame: number | null;
    /** Frames it keeps from being checkpointed now, and the most since its read began. */
    framesBehind: number;
    maxFramesBehind: number;
    /** Since when (epoch ms, to one interval) it has pinned frames; null = it pins none now. */
    pinnedSinceMs: number | null;
  } | null;
  /** Run state, read at the interval's end while it holds a transaction. */
  run?: ProcessRunState;
  /** CPU/I/O counters at the start of its current transaction, and now (null: unreadable or no transaction). */
  activityAtHoldStart: ActivityCounters | null;
  activityNow: ActivityCounters | null;
  /** Since when its counters have not moved while in a transaction (epoch ms); null = they moved in the last interval. */
  stillSinceMs: number | null;
  /** When activityNow was read (epoch ms). */
  activityReadAtMs: number | null;
  /** When its current transaction began (epoch ms): the earlier of its write and read holds. */
  holdSinceMs: number | null;
}

/** One database at the end of an interval. */
export interface LiveDatabase {
  /** Processes attached now, by pid; lockscope's own processes are left out. */
  processes: LiveProcess[];
  /** The last good -shm header (WAL), null when none could be read. */
  shm: ShmHeader | null;
  /** The database file's identity now (`exists: false` when deleted), and its -wal and -journal (null: not stat()able). */
  db: FileInfo | null;
  wal: FileInfo | null;
  journal: FileInfo | null;
  /** Samples taken in the interval. */
  samples: number;
  /** The file at the path is another file than in the previous interval (replaced, or rotated in). */
  replaced: boolean;
  /** The sampler's first interval: every process attached now was attached before it started. */
  first: boolean;
  /** When the sampler's first sample was taken (epoch ms; null before any): a hold seen then began before it. */
  firstSampleMs: number | null;
  /** Attached and detached since the previous interval (detached: seen in no sample of the interval). */
  attached: LiveProcess[];
  detached: { pid: number; identity: ProcessIdentity; attachedSinceMs: number; seenAtStart: boolean }[];
}

interface TargetState {
  target: LiveTarget;
  shmPath: string;
  dbKey: string | null;
  shmKey: string | null;
  dbInfo: FileInfo | null;
  shmFd: number | null;
  header: ShmHeader | null;
  tracker: HoldTracker;
  samples: number;
  /** Intervals ended so far. */
  intervals: number;
  firstSampleMs: number | null;
  lastSampleT: number;
  /** Last sample's locks per pid (the tracker keeps no per-sample locks). */
  lastLocks: Map<number, DecodedLock[]>;
  procs: Map<number, LiveProcess>;
}

const keyOf = (info: FileInfo | null): string | null => (info?.exists && info.device && info.inode ? lockKey(info.device, info.inode) : null);

function statOrNull(path: string): FileInfo | null {
  try {
    return statFile(path);
  } catch {
    return null; // EACCES meanwhile: unknown, not gone.
  }
}

const headerBuf = Buffer.alloc(SHM_HEADER_BYTES);

export class LiveLockSampler {
  private reader: LockTableReader | null = null;
  private locksFd: number | null = null;
  private readonly states: TargetState[];
  /** Why the lock table could not be read at the last tick (null = it could). */
  tableError: string | null = null;

  constructor(
    targets: readonly LiveTarget[],
    private readonly procLocksPath = '/proc/locks',
    private readonly clock: { perf: () => number; wall: () => number } = { perf: () => performance.now(), wall: () => Date.now() },
  ) {
    this.states = targets.map((target) => {
      const s: TargetState = {
        target,
        shmPath: `${target.dbPath}-shm`,
        dbKey: null,
        shmKey: null,
        dbInfo: null,
        shmFd: null,
        header: null,
        tracker: new HoldTracker(target.walEnabled),
        samples: 0,
        intervals: 0,
        firstSampleMs: null,
        lastSampleT: 0,
        lastLocks: new Map(),
        procs: new Map(),
      };
      this.refreshFiles(s);
      return s;
    });
  }

  /** Epoch ms of a tracker time (performance.now()). */
  private wallOf(t: number): number {
    return this.clock.wall() - (this.clock.perf() - t);
  }

  private openTable(): boolean {
    if (this.reader) return true;
    try {
      this.locksFd = openSync(this.procLocksPath, 'r');
      this.reader = new LockTableReader(this.locksFd);
      this.tableError = null;
      return true;
    } catch (err) {
      this.tableError = `${this.procLocksPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      return false;
    }
  }

  private closeTable(): void {
    if (this.locksFd !== null) closeSync(this.locksFd);
    this.locksFd = null;
    this.reader = null;
  }

  /** Re-reads the files' identities; reopens -shm when it is another file (deleted by the last close, recreated by the next open). */
  private refreshFiles(s: TargetState): void {
    s.dbInfo = statOrNull(s.target.dbPath);
    s.dbKey = keyOf(s.dbInfo);
    const shm = s.target.walEnabled ? statOrNull(s.shmPath) : null;
    const key = keyOf(shm);
    if (key === s.shmKey && (s.shmFd !== null || key === null)) return;
    s.shmKey = key;
    if (s.shmFd !== null) closeSync(s.shmFd);
    s.shmFd = null;
    s.header = null;
    if (key === null) return;
    try {
      // O_RDONLY, no O_CREAT: never creates -shm, never takes a lock on it.
      s.shmFd = openSync(s.shmPath, 'r');
      // The file opened may already be a newer one than the one stat()ed: key it by what is open.
      const st = fstatSync(s.shmFd, { bigint: true });
      if (`${st.ino}` !== shm?.inode) s.shmKey = null;
    } catch {
      s.shmFd = null;
    }
  }

  private readHeader(s: TargetState): ShmHeader | null {
    if (s.shmFd === null) return null;
    try {
      const n = readSync(s.shmFd, headerBuf, 0, SHM_HEADER_BYTES, 0);
      if (n < SHM_HEADER_BYTES) return s.header;
      const parsed = parseShmHeader(headerBuf);
      return parsed.valid ? parsed.header : s.header;
    } catch {
      return s.header;
    }
  }

  /** One fast tick: the lock table once for every database, each one's -shm header, fed to its tracker. */
  tick(): void {
    if (!this.openTable()) return;
    let table: RawLock[];
    try {
      const keys = this.states.flatMap((s) => [s.dbKey, s.shmKey].filter((k): k is string => k !== null));
      table = this.reader!.read(keys);
    } catch (err) {
      this.tableError = `${this.procLocksPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      this.closeTable();
      return;
    }
    const t = this.clock.perf();
    for (const s of this.states) {
      s.header = this.readHeader(s);
      const sample = sampleOf(table, s, s.header, t);
      s.tracker.add(sample);
      s.lastLocks = new Map(sample.holders.map((h) => [h.pid, h.locks]));
      s.samples += 1;
      s.lastSampleT = t;
      s.firstSampleMs ??= this.wallOf(t);
    }
  }

  /**
   * Ends the interval: each database's tracker is finished and renewed, its holds stitched onto the previous
   * interval's, the transaction holders' /proc state read, and the files' identities read again.
   */
  endInterval(): LiveDatabase[] {
    return this.states.map((s) => this.endTarget(s));
  }

  private endTarget(s: TargetState): LiveDatabase {
    const nowWall = this.clock.wall();
    const first = s.intervals === 0;
    s.intervals += 1;
    if (s.samples === 0) {
      // No sample this interval (the lock table could not be read): nothing is known to have changed, so
      // nobody is said to have attached, detached or released anything; tableError says why.
      return this.databaseNow(s, { samples: 0, first, attached: [], detached: [] });
    }
    const ongoing = new Map(s.tracker.ongoing().map((o) => [o.pid, o]));
    const finished = s.tracker.finish(s.lastSampleT, 1);
    const seen = new Map(finished.map((h) => [h.pid, h]));
    const attached: LiveProcess[] = [];
    const detached: LiveDatabase['detached'] = [];
    for (const [pid, p] of s.procs) {
      if (!seen.has(pid)) {
        s.procs.delete(pid);
        if (!p.identity.lockscope) detached.push({ pid, identity: p.identity, attachedSinceMs: p.attachedSinceMs, seenAtStart: p.seenAtStart });
      }
    }
    for (const holds of finished) {
      let p = s.procs.get(holds.pid);
      const locks = s.lastLocks.get(holds.pid) ?? [];
      if (!p) {
        p = {
          pid: holds.pid,
          identity: processIdentity(holds.pid),
          attachedSinceMs: this.wallOf(s.lastSampleT),
          seenAtStart: first,
          locks,
          write: null,
          read: null,
          activityAtHoldStart: null,
          activityNow: null,
          stillSinceMs: null,
          activityReadAtMs: null,
          holdSinceMs: null,
        };
        s.procs.set(holds.pid, p);
        if (!p.identity.lockscope) attached.push(p);
      }
      p.locks = locks;
      const o = ongoing.get(holds.pid);
      // Write: continuing when the previous interval ended with it held and this one began with it held.
      if (o?.writeSinceT != null) {
        const continues = p.write !== null && holds.write?.heldAtStart === true;
        const names = new Set(locks.map((l) => l.name));
        p.write = {
          sinceMs: continues ? p.write!.sinceMs : this.wallOf(o.writeSinceT),
          checkpoint: names.has('wal-checkpoint'),
          pending: names.has('pending'),
        };
      } else {
        p.write = null;
      }
      const slot = this.readSlotOf(s, locks);
      if (o?.readSinceT != null && slot !== null) {
        const continues = p.read !== null && p.read.slot === slot && holds.read?.heldAtStart === true;
        const pin = framesBehind(slot, s.header);
        const prev = continues ? p.read : null;
        p.read = {
          sinceMs: prev ? prev.sinceMs : this.wallOf(o.readSinceT),
          slot,
          pinsFrame: pin.mark,
          framesBehind: pin.behind,
          maxFramesBehind: Math.max(pin.behind, prev?.maxFramesBehind ?? 0),
          pinnedSinceMs: pin.behind > 0 ? (prev?.pinnedSinceMs ?? nowWall) : null,
        };
      } else {
        p.read = null;
      }
      this.readProgress(p, nowWall);
    }
    const samples = s.samples;
    s.tracker = new HoldTracker(s.target.walEnabled);
    s.samples = 0;
    return this.databaseNow(s, { samples, first, attached, detached });
  }

  /** The database as the interval leaves it: its files stat()ed again (replaced = another file at the path now). */
  private databaseNow(s: TargetState, part: Pick<LiveDatabase, 'samples' | 'first' | 'attached' | 'detached'>): LiveDatabase {
    const before = s.dbInfo;
    this.refreshFiles(s);
    const replaced = Boolean(before?.exists && s.dbInfo?.exists && (before.inode !== s.dbInfo.inode || before.device !== s.dbInfo.device));
    return {
      processes: [...s.procs.values()].filter((p) => !p.identity.lockscope).sort((a, b) => a.pid - b.pid),
      shm: s.header,
      db: s.dbInfo,
      wal: statOrNull(`${s.target.dbPath}-wal`),
      journal: statOrNull(`${s.target.dbPath}-journal`),
      replaced,
      firstSampleMs: s.firstSampleMs,
      ...part,
    };
  }

  /** The read mark a process holds outside a write (WAL), or 0 for SHARED alone (rollback); null = no read transaction. */
  private readSlotOf(s: TargetState, locks: readonly DecodedLock[]): number | null {
    if (locks.some((l) => isWriteLock(l.name))) return null;
    if (s.target.walEnabled) {
      let slot: number | null = null;
      for (const l of locks) {
        const n = readSlot(l.name);
        if (n !== null && l.mode === 'shared') slot = n;
      }
      return slot;
    }
    return locks.some((l) => l.name === 'shared') ? 0 : null;
  }

  /** For a process in a transaction: its run state, and whether its CPU/I/O counters moved since the last interval. */
  private readProgress(p: LiveProcess, nowWall: number): void {
    if (!p.write && !p.read) {
      p.activityAtHoldStart = null;
      p.activityNow = null;
      p.stillSinceMs = null;
      p.activityReadAtMs = null;
      p.holdSinceMs = null;
      delete p.run;
      return;
    }
    // A new transaction: its counters start again.
    const since = Math.min(p.write?.sinceMs ?? Infinity, p.read?.sinceMs ?? Infinity);
    if (since !== p.holdSinceMs) {
      p.holdSinceMs = since;
      p.activityAtHoldStart = null;
      p.activityNow = null;
      p.stillSinceMs = null;
      p.activityReadAtMs = null;
    }
    const prev = p.activityNow;
    const act = readActivity(p.pid);
    const run = processRunState(p.pid);
    if (run) p.run = run;
    else delete p.run;
    if (!act) {
      p.activityNow = null;
      p.stillSinceMs = null;
      return;
    }
    const same = prev !== null && prev.startTicks === act.startTicks;
    if (p.activityAtHoldStart === null || p.activityAtHoldStart.startTicks !== act.startTicks) p.activityAtHoldStart = act;
    const moved = !same || prev.cpuTicks !== act.cpuTicks || prev.ioSyscalls !== act.ioSyscalls;
    // Still since the previous reading at the latest: the counters were the same then.
    if (moved) p.stillSinceMs = null;
    else p.stillSinceMs ??= p.activityReadAtMs ?? nowWall;
    p.activityNow = act;
    p.activityReadAtMs = nowWall;
  }

  /** Closes every descriptor (the lock table, each -shm). */
  close(): void {
    this.closeTable();
    for (const s of this.states) {
      if (s.shmFd !== null) closeSync(s.shmFd);
      s.shmFd = null;
    }
  }
}

/** Frames a reader in `slot` keeps from being checkpointed now (as the hold tracker counts them, wal.c:2096 for READ0). */
function framesBehind(slot: number, header: ShmHeader | null): { behind: number; mark: number | null } {
  if (!header) return { behind: 0, mark: null };
  if (slot === 0) return { behind: Math.max(0, header.mxFrame - header.nBackfill), mark: null };
  const mark = header.readMarks[slot] ?? null;
  return { behind: mark === null ? 0 : Math.max(0, header.mxFrame - mark), mark };
}
