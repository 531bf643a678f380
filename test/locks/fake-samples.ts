/**
 * Builders of sampling facts for the check tests (the shape sampleLocks produces; the sampler itself is
 * tested against real processes in sampler.test.ts).
 */
import type { HoldStats, LockSampleFacts, LockSampleProcess, ReadHoldStats } from '../../src/core/facts.js';

export function hold(patch: Partial<HoldStats> = {}): HoldStats {
  return {
    heldMs: 100,
    share: 0.01,
    acquisitions: 2,
    longestMs: 60,
    p50Ms: 40,
    p99Ms: 60,
    heldAtStart: false,
    heldAtEnd: false,
    heldWholeWindow: false,
    ...patch,
  };
}

export function readHold(patch: Partial<ReadHoldStats> = {}): ReadHoldStats {
  return { ...hold(), pinnedMs: 0, longestPinnedMs: 0, maxFramesBehind: 0, pinsFrame: null, ...patch };
}

export function proc(pid: number, patch: Partial<LockSampleProcess> = {}): LockSampleProcess {
  return {
    pid,
    command: `python3 worker-${pid}.py`,
    user: 'app',
    startedAt: '2030-01-01T09:00:00.000Z',
    locksSeen: ['shared', 'wal-dms'],
    write: null,
    writeHoldIsCheckpoint: false,
    writeHoldIsPending: false,
    read: null,
    progress: { cpuTicks: 12, ioSyscalls: 40, ioBytes: 4096, progressed: true, basis: 'cpu+io' },
    ...patch,
  };
}

export function samples(processes: LockSampleProcess[], patch: Partial<LockSampleFacts> = {}): LockSampleFacts {
  return {
    hz: 100,
    requestedMs: 10_000,
    windowMs: 10_000,
    samples: 1000,
    expectedSamples: 1000,
    maxGapMs: 12,
    mode: 'wal',
    mxFrameStart: 100,
    mxFrameEnd: 400,
    nBackfillStart: 100,
    nBackfillEnd: 100,
    samplerCpuMs: 150,
    samplerCpuShare: 0.015,
    endedAt: '2030-01-01T12:00:00.000Z',
    processes,
    ...patch,
  };
}
