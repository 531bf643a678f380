/** The snapshot's diagnosis (src/sources/proc/lock-diagnosis.ts): each conclusion the locks text shows, decided from the facts. */
import { describe, expect, it } from 'vitest';
import { diagnoseLocks, sampledActivity } from '../../src/sources/proc/lock-diagnosis.js';
import type { DecodedLock, LockFacts, LockHolder, LockVisibility, SqliteLockName } from '../../src/core/facts.js';

function lock(name: SqliteLockName, mode: 'shared' | 'exclusive' = 'shared', pinsFrame?: number): DecodedLock {
  return { name, mode, file: name.startsWith('wal-') ? 'shm' : 'db', ...(pinsFrame !== undefined ? { pinsFrame } : {}) };
}

const VISIBLE: LockVisibility = {
  lockTable: true,
  pidNamespace: 'initial',
  hiddenLocksOnSystem: 0,
  fullScan: true,
  processesScanned: 40,
  unreadableProcesses: 0,
  unreadableHolders: [],
  hidepid: false,
  runningAsRoot: true,
  ofdLocks: 0,
  ofdHolders: [],
};

function facts(holders: LockHolder[], visibility: Partial<LockVisibility> = {}, source: LockFacts['source'] = '/proc/locks'): LockFacts {
  return { source, raw: [], holders, unattributed: 0, visibility: { ...VISIBLE, ...visibility }, takenAt: '2026-01-01T00:00:00Z' };
}

const idle = [lock('shared'), lock('wal-dms')];

describe('diagnoseLocks', () => {
  it('WAL: the writer, a stopped one marked, readers pinning frames and read mark 0 holding back every frame', () => {
    const d = diagnoseLocks(
      facts([
        { pid: 10, locks: [...idle, lock('wal-write', 'exclusive')], run: { state: 'T', wchan: null, ppid: 1, tracerPid: null } },
        { pid: 11, locks: [...idle, lock('wal-read-1', 'shared', 90)] },
        { pid: 12, locks: [...idle, lock('wal-read-0')] },
        { pid: 13, locks: [...idle, lock('wal-read-2', 'shared', 100)] },
        { pid: 14, locks: idle },
        { pid: 15, locks: [] },
      ]),
      true,
      { mxFrame: 100, nBackfill: 40 },
    );
    expect(d.roles).toEqual([
      { pid: 10, role: 'writer', stopped: true },
      { pid: 11, role: 'reader', stopped: false },
      { pid: 12, role: 'reader', stopped: false },
      { pid: 13, role: 'reader', stopped: false },
      { pid: 14, role: 'idle', stopped: false },
      { pid: 15, role: 'open', stopped: false },
    ]);
    expect(d.lockStates).toEqual({
      writerPids: [10],
      // PID 13's mark is at mxFrame: it pins nothing.
      checkpointBlockers: [
        { pid: 11, slot: 1, pinsFrame: 90, frames: 10 },
        { pid: 12, slot: 0, pinsFrame: null, frames: 60 },
      ],
      commitBlockingReaderPids: null,
      waitingToCommitPids: [],
    });
    expect(d.cannotSee).toEqual([]);
  });

  it('WAL: a checkpoint holding the write lock writes; without a -shm header no reader is said to pin anything', () => {
    const d = diagnoseLocks(
      facts([
        { pid: 20, locks: [...idle, lock('wal-write', 'exclusive'), lock('wal-checkpoint', 'exclusive')] },
        { pid: 21, locks: [...idle, lock('wal-checkpoint', 'exclusive')] },
        { pid: 22, locks: [...idle, lock('wal-read-0')] },
      ]),
      true,
      null,
    );
    expect(d.lockStates).toMatchObject({ writerPids: [20], checkpointBlockers: [] });
    expect(d.roles.map((r) => r.role)).toEqual(['checkpointer', 'checkpointer', 'reader']);
  });

  it('rollback: SHARED readers make commits wait, a PENDING holder is the visible waiter and a writer', () => {
    const d = diagnoseLocks(
      facts([
        { pid: 30, locks: [lock('shared')] },
        { pid: 31, locks: [lock('shared'), lock('reserved', 'exclusive'), lock('pending', 'exclusive')] },
      ]),
      false,
      null,
    );
    expect(d.lockStates).toEqual({ writerPids: [31], checkpointBlockers: null, commitBlockingReaderPids: [30], waitingToCommitPids: [31] });
  });

  it('without a lock table no lock state is concluded, and every gap in visibility is named', () => {
    const d = diagnoseLocks(
      facts([{ pid: 40, locks: [], files: ['db'] }], { lockTable: false, pidNamespace: 'nested', unreadableProcesses: 3, hidepid: true, ofdLocks: 2 }, 'lsof'),
      true,
      null,
    );
    expect(d.lockStates).toBeNull();
    expect(d.roles).toEqual([{ pid: 40, role: 'open', stopped: false }]);
    expect(d.cannotSee).toEqual([{ kind: 'outside-pid-namespace' }, { kind: 'other-users-files', processes: 3 }, { kind: 'hidepid' }, { kind: 'ofd-owners', locks: 2 }]);
    // OFD locks whose owners fdinfo names are not a gap.
    expect(diagnoseLocks(facts([], { ofdLocks: 1, ofdHolders: [7] }), true, null).cannotSee).toEqual([]);
  });
});

describe('sampledActivity', () => {
  const hold = { heldMs: 10, share: 0.1, acquisitions: 1, longestMs: 10, p50Ms: 10, p99Ms: 10, heldAtStart: false, heldAtEnd: false, heldWholeWindow: false };
  const read = { ...hold, pinnedMs: 0, longestPinnedMs: 0, maxFramesBehind: 0, pinsFrame: null };
  const progress = (progressed: boolean) => ({ cpuTicks: progressed ? 3 : 0, ioSyscalls: 0, ioBytes: 0, progressed, basis: 'cpu+io' as const });

  it('stopped first, then no hold, unknown, progressed or not', () => {
    expect(sampledActivity({ write: hold, read: null, progress: progress(false), runAtEnd: { state: 't', wchan: null, ppid: 1, tracerPid: 9 } })).toBe('stopped');
    expect(sampledActivity({ write: null, read: null, progress: progress(false) })).toBe('no-hold');
    expect(sampledActivity({ write: null, read, progress: null })).toBe('unknown');
    expect(sampledActivity({ write: null, read, progress: progress(true) })).toBe('progressed');
    expect(sampledActivity({ write: hold, read: null, progress: progress(false), runAtEnd: { state: 'S', wchan: 'do_select', ppid: 1, tracerPid: null } })).toBe('no-progress');
  });
});
