/**
 * What the lock snapshot means, decided once from the facts: each holder's role, who writes, who keeps the
 * checkpoint back (WAL) or makes commits wait (rollback), who is seen waiting, and what cannot be seen.
 * Pure: computed by the gatherer into `LockFacts.diagnosis`, so the JSON, the checks and every renderer read
 * the same conclusions and no renderer reasons about locks itself.
 */
import { isWriteLock, readSlot } from './lock-table.js';
import type { DecodedLock, LockFacts, LockHolder, LockSampleProcess, SampledActivity, ShmHeader } from '../../core/facts.js';
import { isStopped } from '../../core/facts.js';

/** How a holder stands, from its locks: the order is severity (what blocks others most first). */
export type HolderRole = 'exclusive' | 'committing' | 'writer' | 'checkpointer' | 'recovering' | 'reader' | 'idle' | 'open';

export function holderRole(holder: Pick<LockHolder, 'locks'>, walEnabled?: boolean): HolderRole {
  const names = new Set(holder.locks.map((l) => l.name));
  if (names.has('exclusive')) return 'exclusive';
  if (names.has('pending')) return 'committing';
  if (names.has('wal-write') && names.has('wal-checkpoint')) return 'checkpointer';
  if (holder.locks.some((l) => isWriteLock(l.name))) return 'writer';
  if (names.has('wal-checkpoint')) return 'checkpointer';
  if (names.has('wal-recover')) return 'recovering';
  if (holder.locks.some((l) => readSlot(l.name) !== null)) return 'reader';
  // Rollback mode: SHARED on the database file is a read in progress. In WAL mode every open connection
  // keeps SHARED for its whole life, so SHARED alone (with the DMS lock) is an idle connection.
  if (names.has('shared') && (walEnabled === undefined ? !names.has('wal-dms') : !walEnabled)) return 'reader';
  if (holder.locks.length > 0) return 'idle';
  return 'open';
}

/** Frames a WAL reader keeps from being checkpointed, given the -shm header's mxFrame (null: not known). */
export function framesPinned(lock: DecodedLock, mxFrame: number | null): number | null {
  if (mxFrame === null || lock.pinsFrame === undefined || lock.pinsFrame === null) return null;
  return Math.max(0, mxFrame - lock.pinsFrame);
}

/** A reader that keeps WAL frames from being copied back into the database right now. */
export interface CheckpointBlocker {
  pid: number;
  /** Its read mark: 0 = it reads the database file only, and while it does no frame can be backfilled. */
  slot: number;
  /** The frame its mark pins (null for read mark 0). */
  pinsFrame: number | null;
  /** Frames it keeps from being checkpointed: mxFrame − its mark (read mark 0: mxFrame − nBackfill). */
  frames: number;
}

/** A part of the lock picture the snapshot could not see (lock-visibility reports each one with its fix). */
export type VisibilityGap =
  | { kind: 'outside-pid-namespace' }
  | { kind: 'other-users-files'; processes: number }
  | { kind: 'hidepid' }
  | { kind: 'ofd-owners'; locks: number };

export interface LockDiagnosis {
  /**
   * Each holder's role, in the holders' order; `stopped`: state T or t, so it never releases a lock by itself.
   * Without a lock table every holder is `open` (lsof lists the files open; no lock is known).
   */
  roles: { pid: number; role: HolderRole; stopped: boolean }[];
  /** What the lock states say; null without a lock table (no lock state is known, see lock-visibility). */
  lockStates: LockStateDiagnosis | null;
  /** What could not be seen. */
  cannotSee: VisibilityGap[];
}

export interface LockStateDiagnosis {
  /** Who holds a write lock now: writers, committers, EXCLUSIVE holders, and a checkpoint holding the WAL write lock. */
  writerPids: number[];
  /** WAL: readers keeping frames from being checkpointed (null in rollback mode). */
  checkpointBlockers: CheckpointBlocker[] | null;
  /** Rollback: readers whose SHARED makes every commit wait (null in WAL mode). */
  commitBlockingReaderPids: number[] | null;
  /**
   * Commits seen waiting for readers (PENDING): the only waiters the lock table shows. A connection waiting in
   * SQLite's busy handler polls and holds no lock, so it never shows: only a rollback-mode commit waiting for readers shows, as PENDING.
   */
  waitingToCommitPids: number[];
}

const WRITING: readonly HolderRole[] = ['exclusive', 'committing', 'writer'];

/** Diagnoses a lock snapshot. `shm` is the -shm header read with it (null when there is none or it is unreadable). */
export function diagnoseLocks(locks: LockFacts, walEnabled: boolean, shm: Pick<ShmHeader, 'mxFrame' | 'nBackfill'> | null): LockDiagnosis {
  const roles = locks.holders.map((h) => ({ h, role: holderRole(h, walEnabled) }));
  const cannotSee: VisibilityGap[] = [];
  const v = locks.visibility;
  if (v) {
    if (v.pidNamespace === 'nested') cannotSee.push({ kind: 'outside-pid-namespace' });
    if (v.unreadableProcesses > 0) cannotSee.push({ kind: 'other-users-files', processes: v.unreadableProcesses });
    if (v.hidepid) cannotSee.push({ kind: 'hidepid' });
    if (v.ofdLocks > 0 && v.ofdHolders.length === 0) cannotSee.push({ kind: 'ofd-owners', locks: v.ofdLocks });
  }
  return {
    roles: roles.map((r) => ({ pid: r.h.pid, role: r.role, stopped: isStopped(r.h.run) })),
    lockStates: locks.source === '/proc/locks' ? lockStates(roles, walEnabled, shm) : null,
    cannotSee,
  };
}

function lockStates(roles: { h: LockHolder; role: HolderRole }[], walEnabled: boolean, shm: Pick<ShmHeader, 'mxFrame' | 'nBackfill'> | null): LockStateDiagnosis {
  const writerPids = roles
    .filter((r) => WRITING.includes(r.role) || (r.role === 'checkpointer' && r.h.locks.some((l) => l.name === 'wal-write')))
    .map((r) => r.h.pid);
  let checkpointBlockers: CheckpointBlocker[] | null = null;
  let commitBlockingReaderPids: number[] | null = null;
  if (walEnabled) {
    checkpointBlockers = [];
    for (const { h } of roles) {
      for (const l of h.locks) {
        if (l.mode !== 'shared') continue;
        const slot = readSlot(l.name);
        if (slot === 0 && shm && shm.mxFrame > shm.nBackfill) {
          checkpointBlockers.push({ pid: h.pid, slot: 0, pinsFrame: null, frames: shm.mxFrame - shm.nBackfill });
        } else if (slot !== null && slot > 0) {
          const frames = framesPinned(l, shm?.mxFrame ?? null);
          if (frames !== null && frames > 0) checkpointBlockers.push({ pid: h.pid, slot, pinsFrame: l.pinsFrame ?? null, frames });
        }
      }
    }
  } else {
    commitBlockingReaderPids = roles.filter((r) => r.role === 'reader').map((r) => r.h.pid);
  }
  return { writerPids, checkpointBlockers, commitBlockingReaderPids, waitingToCommitPids: roles.filter((r) => r.role === 'committing').map((r) => r.h.pid) };
}

/** What a sampled process did over the window: progress matters only for one that held a transaction. */
export function sampledActivity(p: Pick<LockSampleProcess, 'write' | 'read' | 'progress' | 'runAtEnd'>): SampledActivity {
  if (isStopped(p.runAtEnd)) return 'stopped';
  if (!p.write && !p.read) return 'no-hold';
  if (p.progress === null) return 'unknown';
  return p.progress.progressed ? 'progressed' : 'no-progress';
}
