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
 * no lock, and this process holds no connection whose locks closing it could drop (os_unix.c, the comment on POSIX advisory locks above struct unixInodeInfo).
 *
 * Resolution: each sample counts as held until the next one, so hold times are accurate to one period
 * (10 ms at 100 Hz) and a hold shorter than a period can be missed. SQLite's busy handler polls instead of
 * blocking in the kernel, so waiters never show; only holders do.
 *
 * This file is the driver only: the clock, the descriptors and /proc. Each tick reads the table once
 * (LockTableReader, src/sources/proc/lock-table-reader.ts) and cuts it into one typed sample per database
 * (sampleOf, src/sources/proc/lock-sample.ts); a pure HoldTracker per database (src/sources/proc/hold-tracker.ts) turns
 * the samples into hold times.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { WalRecorder } from '../../core/series.js';
import type { LockWindowProgress } from '../../core/source.js';
import { statFile } from '../sqlite/files.js';
import { HoldTracker } from './hold-tracker.js';
import { sampledActivity } from './lock-diagnosis.js';
import { sampleOf } from './lock-sample.js';
import { LockTableReader } from './lock-table-reader.js';
import { lockKey } from './lock-table.js';
import { type ActivityCounters, type ProcessIdentity, processIdentity, processRunState, readActivity } from './processes.js';
import { SHM_HEADER_BYTES, parseShmHeader } from '../sqlite/shm-header.js';
import type { DatabaseFiles, FileInfo, LockSampleFacts, LockSampleProcess, ProcessProgress, ShmHeader } from '../../core/facts.js';

export { LockTableReader } from './lock-table-reader.js';

export const DEFAULT_HZ = 100;
/** WAL points of the timeline: at most this often (a stat() of -wal and the header already read). */
const WAL_POINT_EVERY_MS = 100;
/** Progress for the caller at most this often (default; the tracker's progress is a walk over its processes). */
const PROGRESS_EVERY_MS = 100;
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
  /** Called while the window runs (every `progressEveryMs`, default 100 ms), one entry per target in order. */
  onProgress?: (elapsedMs: number, targets: LockWindowProgress[]) => void;
  progressEveryMs?: number;
}

/** What the driver reads from /proc about a process when it first shows a lock (it may be gone by the end). */
interface ProcessSeen {
  identity: ProcessIdentity;
  activityStart: ActivityCounters | null;
}

interface TargetState {
  target: SampleTarget;
  dbKey: string | null;
  shmKey: string | null;
  shmPath: string;
  shmFd: number | null;
  /** The last good -shm header (a read caught mid-update keeps it). */
  header: ShmHeader | null;
  tracker: HoldTracker;
  seen: Map<number, ProcessSeen>;
  /** The -wal size and the -shm counters over the window (WAL mode). */
  wal: WalRecorder;
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

function walSize(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
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

/** One tick for one database: the -shm header, then the lock table's lines on its files, fed to its tracker. */
function tick(state: TargetState, table: Parameters<typeof sampleOf>[0], t: number): void {
  state.header = readHeader(state);
  const fresh = state.tracker.add(sampleOf(table, state, state.header, t));
  // A process is looked up once, when it first shows a lock: no /proc/<pid> scan on every tick.
  for (const pid of fresh) state.seen.set(pid, { identity: processIdentity(pid), activityStart: readActivity(pid) });
}

/** The tracker's holds joined with what /proc says about each process as the window ends. */
function finishTarget(state: TargetState, endT: number, windowMs: number): LockSampleProcess[] {
  return state.tracker.finish(endT, windowMs).map((holds) => {
    const seen = state.seen.get(holds.pid);
    const identity = seen?.identity ?? {};
    const activityStart = seen?.activityStart ?? null;
    const end = readActivity(holds.pid);
    const proc: LockSampleProcess = {
      pid: holds.pid,
      ...(identity.command !== undefined ? { command: identity.command } : {}),
      ...(identity.user !== undefined ? { user: identity.user } : {}),
      ...(identity.startedAt !== undefined ? { startedAt: identity.startedAt } : {}),
      ...(identity.runtime !== undefined ? { runtime: identity.runtime } : {}),
      ...(identity.lockscope ? { lockscope: true } : {}),
      locksSeen: holds.locksSeen,
      write: holds.write,
      writeHoldIsCheckpoint: holds.writeHoldIsCheckpoint,
      writeHoldIsPending: holds.writeHoldIsPending,
      pendingWholeWindow: holds.pendingWholeWindow,
      read: null,
      progress: progressOf(activityStart, end),
    };
    // Only the same process (same start time) still running has a state worth reporting.
    const run = end && activityStart && end.startTicks === activityStart.startTicks ? processRunState(holds.pid) : undefined;
    if (run) proc.runAtEnd = run;
    if (holds.read) proc.read = holds.read;
    proc.activity = sampledActivity(proc);
    return proc;
  });
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
      tracker: new HoldTracker(target.walEnabled),
      seen: new Map(),
      wal: new WalRecorder(),
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
  let lastWalAt = -Infinity;
  let lastProgressAt = t0;
  const progressEvery = options.progressEveryMs ?? PROGRESS_EVERY_MS;
  try {
    for (;;) {
      const t = now();
      if (samples > 0) maxGapMs = Math.max(maxGapMs, t - lastT);
      lastT = t;
      if (samples > 0 && samples % refreshEvery === 0) for (const s of states) refreshFiles(s);
      const keys = states.flatMap((s) => [s.dbKey, s.shmKey].filter((k): k is string => k !== null));
      const table = reader.read(keys);
      for (const s of states) tick(s, table, t);
      samples += 1;
      if (t - lastWalAt >= WAL_POINT_EVERY_MS) {
        lastWalAt = t;
        // stat() only (no descriptor on -wal); the -shm header is the one this tick read.
        for (const s of states) {
          if (s.target.walEnabled) s.wal.add({ tMs: t - t0, walBytes: walSize(s.target.files.wal.path), mxFrame: s.header?.mxFrame ?? null, nBackfill: s.header?.nBackfill ?? null });
        }
      }
      if (options.onProgress && t - lastProgressAt >= progressEvery) {
        lastProgressAt = t;
        options.onProgress(t - t0, states.map((s) => s.tracker.progress()));
      }
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
    const timeline = { holds: s.tracker.timeline(endT), wal: s.wal.finish() };
    const processes = finishTarget(s, endT, windowMs);
    const first = s.tracker.shmAtStart;
    const last = s.tracker.shmAtEnd;
    if (s.shmFd !== null) closeSync(s.shmFd);
    return {
      hz,
      requestedMs: options.durationMs,
      windowMs: Math.round(windowMs),
      samples,
      expectedSamples: Math.max(1, Math.round(options.durationMs / periodMs)),
      maxGapMs: Math.round(Math.max(maxGapMs, periodMs) * 10) / 10,
      mode: s.target.walEnabled ? 'wal' : 'rollback',
      mxFrameStart: first?.mxFrame ?? null,
      mxFrameEnd: last?.mxFrame ?? null,
      nBackfillStart: first?.nBackfill ?? null,
      nBackfillEnd: last?.nBackfill ?? null,
      samplerCpuMs: Math.round(samplerCpuMs * 10) / 10,
      samplerCpuShare: windowMs > 0 ? Math.round((samplerCpuMs / windowMs) * 10_000) / 10_000 : 0,
      multiPageReads: reader.multiPage,
      confirmReads: reader.rereads,
      endedAt,
      processes,
      timeline,
    };
  });
  return results;
}
