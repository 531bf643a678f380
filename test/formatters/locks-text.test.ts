/**
 * The `locks` text layout prints the diagnosis it is given (facts.locks.diagnosis, sampling activity) and
 * decides nothing itself: a diagnosis that disagrees with the raw locks is printed as given.
 */
import { describe, expect, it } from 'vitest';
import type { LockDiagnosis } from '../../src/sources/proc/lock-diagnosis.js';
import type { AuditFacts, LockFacts, LockSampleFacts, LockSampleProcess } from '../../src/core/facts.js';
import { formatLocksText } from '../../src/output/locks-text.js';
import { makeStyle } from '../../src/output/style.js';
import { makeFacts } from '../helpers/facts.js';
import { report } from './reports.js';

// Wide enough that no line wraps: these tests are about what is said (test/cli/terminal-pty.test.ts is about widths).
const opts = { style: makeStyle(0), verbose: false, columns: 400 };

function lockFacts(diagnosis: LockDiagnosis | undefined): LockFacts {
  return {
    source: '/proc/locks',
    raw: [],
    holders: [
      { pid: 101, command: 'python3 worker.py', user: 'app', locks: [{ name: 'wal-dms', mode: 'shared', file: 'shm' }], run: { state: 'T', wchan: null, ppid: 1, tracerPid: null } },
      { pid: 102, command: 'node api.js', user: 'app', locks: [{ name: 'wal-read-0', mode: 'shared', file: 'shm' }] },
    ],
    unattributed: 0,
    takenAt: '2026-01-01T00:00:00.000Z',
    ...(diagnosis ? { diagnosis } : {}),
  };
}

function render(facts: AuditFacts): string {
  return formatLocksText({ ...report([{ path: 'app.db', facts, findings: [] }], 0), command: 'locks' }, opts);
}

describe('locks text: lays out the diagnosis', () => {
  it('prints the writer, blockers, waiters and gaps exactly as the diagnosis gives them', () => {
    // Deliberately not what the locks above would give: the renderer must not re-derive anything.
    const diagnosis: LockDiagnosis = {
      roles: [
        { pid: 101, role: 'writer', stopped: true },
        { pid: 102, role: 'reader', stopped: false },
      ],
      lockStates: {
        writerPids: [101],
        checkpointBlockers: [
          { pid: 102, slot: 0, pinsFrame: null, frames: 7 },
          { pid: 101, slot: 3, pinsFrame: 1200, frames: 1 },
        ],
        commitBlockingReaderPids: null,
        waitingToCommitPids: [102],
      },
      cannotSee: [{ kind: 'other-users-files', processes: 2 }, { kind: 'ofd-owners', locks: 1 }],
    };
    const text = render(makeFacts({ locks: lockFacts(diagnosis) }));
    expect(text).toMatch(/writing now\s+PID 101 \(python3 worker\.py, user app\) holds a write lock and is STOPPED \(state T\)/);
    expect(text).toMatch(
      /blocking the checkpoint\s+PID 102 \(node api\.js, user app\) reads with read mark 0: no frame can be copied back while it lasts \(7 frames waiting\); PID 101 .* pins read mark 3 at frame 1,200: 1 frame cannot be checkpointed/,
    );
    expect(text).toMatch(/waiting\s+PID 102 .* waits to commit until the readers finish \(PENDING\)/);
    expect(text).toMatch(/cannot see\s+open files of 2 processes of other users \(not root\); owners of 1 OFD lock \(see lock-visibility\)/);
    expect(text).not.toContain('reading (commits wait)');
    // STATE column: the role and the stopped flag from the diagnosis.
    // (the STATE cell: "STOPPED (T)", then the role on its own line)
    expect(text).toMatch(/│ 101\s+│ app\s+│ \?\s+│ STOPPED \(T\)\s+│/);
    expect(text).toMatch(/│\s+│\s+│\s+│ writing\s+│/);
    expect(text).toMatch(/│ 102\s+│ app\s+│ \?\s+│ reading\s+│/);
  });

  it('rollback: the readers commits wait for; no lock table: lock states unknown', () => {
    const rollback = render(
      makeFacts({
        locks: lockFacts({ roles: [], lockStates: { writerPids: [], checkpointBlockers: null, commitBlockingReaderPids: [102], waitingToCommitPids: [] }, cannotSee: [] }),
      }),
    );
    expect(rollback).toMatch(/reading \(commits wait\)\s+PID 102 \(node api\.js, user app\)/);
    expect(rollback).toMatch(/writing now\s+nobody/);
    expect(rollback).not.toContain('blocking the checkpoint');
    expect(rollback).toContain('none visible — connections waiting for a lock are invisible');
    const none = render(makeFacts({ locks: { ...lockFacts({ roles: [], lockStates: null, cannotSee: [] }), source: 'lsof' } }));
    expect(none).toMatch(/lock states\s+unknown: there is no \/proc\/locks here/);
    expect(none).not.toContain('writing now');
  });

  it('facts saved before the diagnosis existed: holders with STATE "?", and no summary lines', () => {
    const text = render(makeFacts({ locks: lockFacts(undefined) }));
    expect(text).toMatch(/│ 101\s+│ app\s+│ \?\s+│ \?\s+│/);
    expect(text).not.toContain('writing now');
  });

  it('the PROGRESS column prints each sampled process\'s activity', () => {
    const hold = { heldMs: 10, share: 0.1, acquisitions: 1, longestMs: 10, p50Ms: 10, p99Ms: 10, heldAtStart: false, heldAtEnd: false, heldWholeWindow: false };
    const proc = (pid: number, activity: LockSampleProcess['activity'], extra: Partial<LockSampleProcess> = {}): LockSampleProcess => ({
      pid,
      command: `app-${pid}`,
      locksSeen: ['wal-write'],
      write: hold,
      writeHoldIsCheckpoint: false,
      writeHoldIsPending: false,
      read: null,
      progress: null,
      ...(activity ? { activity } : {}),
      ...extra,
    });
    const samples: LockSampleFacts = {
      hz: 100,
      requestedMs: 1000,
      windowMs: 1000,
      samples: 100,
      expectedSamples: 100,
      maxGapMs: 10,
      mode: 'wal',
      mxFrameStart: null,
      mxFrameEnd: null,
      nBackfillStart: null,
      nBackfillEnd: null,
      samplerCpuMs: 30,
      samplerCpuShare: 0.03,
      endedAt: '2026-01-01T00:00:01.000Z',
      processes: [
        proc(1, 'stopped', { runAtEnd: { state: 't', wchan: null, ppid: 1, tracerPid: 9 } }),
        proc(2, 'no-hold'),
        proc(3, 'unknown'),
        proc(4, 'progressed'),
        proc(5, 'no-progress'),
        proc(6, undefined),
      ],
    };
    const text = render(makeFacts({ locks: lockFacts(undefined), lockSamples: samples }));
    const progress = (pid: number) => new RegExp(`│ ${pid}\\s+│ app-${pid}\\s+│.*│ (\\S[^│]*?)\\s+│$`, 'm').exec(text)?.[1];
    expect([1, 2, 3, 4, 5, 6].map(progress)).toEqual(['STOPPED (t)', '–', '?', 'yes', 'NONE', '?']);
  });
});
