/**
 * `lockscope watch`: one process's current transaction as the lockSamples fact the sampled checks read
 * (long-write-lock, long-reader, lock-stall), so a long-running monitor gets its verdicts from the same checks
 * and thresholds as `locks --for` instead of a second implementation.
 *
 * The window of these facts is the process's own current transaction — from the sample that first saw it to
 * now — so "held for the whole window" is exactly true, and a hold that began before the monitor started is
 * marked `heldAtStart` (the checks then say "at least"). For lock-stall the window is the part of the
 * transaction in which its CPU and I/O counters did not move (a process that worked for a minute and then
 * went to sleep holding the lock is stalled since it went to sleep), and the whole transaction while it works
 * (so a process spinning on the CPU inside it shows its CPU share).
 */
import { sampledActivity } from './lock-diagnosis.js';
import type { LiveProcess } from './live-locks.js';
import type { HoldStats, LockSampleFacts, LockSampleProcess, ProcessProgress } from '../../core/facts.js';

export interface LiveWindow {
  /** Now (epoch ms). */
  nowMs: number;
  /** When the monitor's first sample of this database was taken (epoch ms): a hold seen then began before it. */
  watchStartMs: number;
  /** Fast sampling rate (the hold times' resolution). */
  hz: number;
  mode: 'wal' | 'rollback';
  mxFrame: number | null;
  nBackfill: number | null;
}

/** A hold observed continuously from `sinceMs` to now: the whole window, one acquisition. */
function wholeHold(sinceMs: number, w: LiveWindow, windowMs: number): HoldStats {
  const ms = Math.round(Math.min(windowMs, Math.max(0, w.nowMs - sinceMs)) * 10) / 10;
  return {
    heldMs: ms,
    share: 1,
    acquisitions: 1,
    longestMs: ms,
    p50Ms: ms,
    p99Ms: ms,
    heldAtStart: sinceMs <= w.watchStartMs,
    heldAtEnd: true,
    heldWholeWindow: true,
  };
}

function progressOver(p: LiveProcess): ProcessProgress | null {
  const a = p.activityAtHoldStart;
  const b = p.activityNow;
  if (!a || !b || a.startTicks !== b.startTicks) return null;
  const io = a.ioSyscalls !== null && b.ioSyscalls !== null;
  const cpuTicks = b.cpuTicks - a.cpuTicks;
  const ioSyscalls = io ? b.ioSyscalls! - a.ioSyscalls! : null;
  return {
    cpuTicks,
    ioSyscalls,
    ioBytes: io && a.ioBytes !== null && b.ioBytes !== null ? b.ioBytes - a.ioBytes : null,
    progressed: cpuTicks > 0 || (ioSyscalls ?? 0) > 0,
    basis: io ? 'cpu+io' : 'cpu',
  };
}

function baseProcess(p: LiveProcess, write: HoldStats | null, read: LockSampleProcess['read'], progress: ProcessProgress | null): LockSampleProcess {
  const out: LockSampleProcess = {
    pid: p.pid,
    ...(p.identity.command !== undefined ? { command: p.identity.command } : {}),
    ...(p.identity.user !== undefined ? { user: p.identity.user } : {}),
    ...(p.identity.startedAt !== undefined ? { startedAt: p.identity.startedAt } : {}),
    ...(p.identity.runtime !== undefined ? { runtime: p.identity.runtime } : {}),
    locksSeen: [...new Set(p.locks.map((l) => l.name))].sort(),
    write,
    writeHoldIsCheckpoint: Boolean(p.write?.checkpoint),
    writeHoldIsPending: Boolean(p.write?.pending),
    pendingWholeWindow: Boolean(p.write?.pending),
    read,
    progress,
  };
  if (p.run) out.runAtEnd = p.run;
  out.activity = sampledActivity(out);
  return out;
}

function facts(w: LiveWindow, windowMs: number, proc: LockSampleProcess): LockSampleFacts {
  const samples = Math.max(1, Math.round((windowMs * w.hz) / 1000));
  return {
    hz: w.hz,
    requestedMs: Math.round(windowMs),
    windowMs: Math.round(windowMs),
    samples,
    expectedSamples: samples,
    maxGapMs: Math.round((1000 / w.hz) * 10) / 10,
    mode: w.mode,
    mxFrameStart: w.mxFrame,
    mxFrameEnd: w.mxFrame,
    nBackfillStart: w.nBackfill,
    nBackfillEnd: w.nBackfill,
    samplerCpuMs: 0,
    samplerCpuShare: 0,
    endedAt: new Date(w.nowMs).toISOString(),
    processes: [proc],
  };
}

/** The process's transaction as it stands (for long-write-lock and long-reader): window = the transaction so far. */
export function holdFacts(p: LiveProcess, w: LiveWindow): LockSampleFacts | null {
  const since = Math.min(p.write?.sinceMs ?? Infinity, p.read?.sinceMs ?? Infinity);
  if (!Number.isFinite(since)) return null;
  const windowMs = Math.max(1, w.nowMs - since);
  const write = p.write ? wholeHold(p.write.sinceMs, w, windowMs) : null;
  let read: LockSampleProcess['read'] = null;
  if (p.read) {
    const r = wholeHold(p.read.sinceMs, w, windowMs);
    const pinnedMs = p.read.pinnedSinceMs === null ? 0 : Math.round(Math.max(0, w.nowMs - p.read.pinnedSinceMs) * 10) / 10;
    read = { ...r, pinnedMs, longestPinnedMs: pinnedMs, maxFramesBehind: p.read.maxFramesBehind, pinsFrame: p.read.pinsFrame };
  }
  return facts(w, windowMs, baseProcess(p, write, read, progressOver(p)));
}

/**
 * The process's transaction for lock-stall: while its counters stand still, the window is the still part
 * (no CPU, no I/O: progress zero); while it works, the whole transaction with its CPU use.
 */
export function stallFacts(p: LiveProcess, w: LiveWindow): LockSampleFacts | null {
  const since = Math.min(p.write?.sinceMs ?? Infinity, p.read?.sinceMs ?? Infinity);
  if (!Number.isFinite(since)) return null;
  const still = p.stillSinceMs !== null && p.activityNow !== null;
  const from = still ? Math.max(since, p.stillSinceMs!) : since;
  const windowMs = Math.max(1, w.nowMs - from);
  const progress: ProcessProgress | null = still
    ? { cpuTicks: 0, ioSyscalls: p.activityNow!.ioSyscalls === null ? null : 0, ioBytes: p.activityNow!.ioBytes === null ? null : 0, progressed: false, basis: p.activityNow!.ioSyscalls === null ? 'cpu' : 'cpu+io' }
    : progressOver(p);
  const write = p.write ? wholeHold(from, w, windowMs) : null;
  const read = p.read ? { ...wholeHold(from, w, windowMs), pinnedMs: 0, longestPinnedMs: 0, maxFramesBehind: p.read.maxFramesBehind, pinsFrame: p.read.pinsFrame } : null;
  return facts(w, windowMs, baseProcess(p, write, read, progress));
}
