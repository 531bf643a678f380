import { defineCheck } from '../src/check.js';
import type { LockSampleProcess } from '../src/facts/types.js';
import { shortReadTransactionFixes, shortWriteTransactionFixes, stuckProcessFixes } from '../src/lock-fixes.js';
import { plural, processLabel } from '../src/lock-words.js';
import { formatMs } from '../src/units.js';

/** A process that held a transaction's lock at every sample of the window. */
function wholeWindow(p: LockSampleProcess): 'write' | 'read' | null {
  if (p.write?.heldWholeWindow) return 'write';
  if (p.read?.heldWholeWindow) return 'read';
  return null;
}

export default defineCheck({
  id: 'lock-stall',
  title: 'No stuck lock holder seen',
  failureTitle: 'A stuck process holds the database',
  description:
    'From sampling (`lockscope locks --for`): a lock held for the whole window by a process that used no CPU and did no read/write system call in that time — the hung worker holding the database.',
  defaultSeverity: 'fail',
  requires: ['lockSamples'] as const,
  thresholds: {
    warnMs: { default: 1000, unit: 'ms', description: 'A stall is reported when the sampling window (the stall seen) is longer than this.' },
    failMs: { default: 30_000, unit: 'ms', description: 'A stall seen for longer than this fails.' },
  },
  appliesTo: (facts) => facts.lockSamples !== undefined,
  run({ lockSamples }, { thresholds }) {
    const warnMs = thresholds.warnMs ?? 1000;
    const failMs = thresholds.failMs ?? 30_000;
    const s = lockSamples!;
    const holders = s.processes.filter((p) => wholeWindow(p) !== null);
    const stalled = holders.filter((p) => p.progress?.progressed === false);
    const unknown = holders.filter((p) => p.progress === null);
    const base = { windowMs: s.windowMs, hz: s.hz, wholeWindowHolders: holders.map((p) => p.pid), warnMs, failMs };
    // Writers first: a stuck writer stops every other writer.
    const worst = stalled.find((p) => wholeWindow(p) === 'write') ?? stalled[0];
    if (worst) {
      const kind = wholeWindow(worst)!;
      const pr = worst.progress!;
      const who = processLabel(worst, s.endedAt);
      const evidence = {
        ...base,
        pid: worst.pid,
        command: worst.command ?? null,
        lock: kind,
        locksSeen: worst.locksSeen,
        cpuTicks: pr.cpuTicks,
        ioSyscalls: pr.ioSyscalls,
        ioBytes: pr.ioBytes,
        basis: pr.basis,
        stalledPids: stalled.map((p) => p.pid),
      };
      const noProgress =
        pr.basis === 'cpu+io'
          ? 'used no CPU time and made no read or write system call'
          : 'used no CPU time (its I/O counters are not readable without root, so only CPU time was compared)';
      if (s.windowMs <= warnMs) {
        return {
          status: 'info',
          messageId: 'window-too-short',
          message: `${who} held ${kind === 'write' ? 'the write lock' : 'a read transaction'} for the whole ${formatMs(s.windowMs)} window and ${noProgress}, but a window that short cannot tell a stall from a pause. Sample for longer than ${formatMs(warnMs)}.`,
          evidence,
        };
      }
      const status = s.windowMs > failMs ? 'fail' : 'warn';
      if (kind === 'write') {
        return {
          status,
          messageId: 'stalled-writer',
          message: `${who} held the write lock for the whole ${formatMs(s.windowMs)} window and ${noProgress}: it is stuck, not slow — blocked on something else (a network call, a prompt, a lock of another kind, a debugger) or a connection left mid-transaction. Every other writer fails with SQLITE_BUSY until it commits or ends.`,
          evidence,
          fixes: [...stuckProcessFixes(worst.pid), ...shortWriteTransactionFixes().slice(0, 1)],
        };
      }
      return {
        status,
        messageId: 'stalled-reader',
        message: `${who} held a read transaction for the whole ${formatMs(s.windowMs)} window and ${noProgress}: a cursor or transaction left open by a process that is waiting on something else. ${
          s.mode === 'wal'
            ? 'It keeps the WAL from being checkpointed past its snapshot, so the WAL grows.'
            : 'In rollback-journal mode every writer\'s COMMIT waits for it.'
        }`,
        evidence,
        fixes: [...stuckProcessFixes(worst.pid), ...shortReadTransactionFixes().slice(0, 2)],
      };
    }
    if (unknown.length > 0) {
      const p = unknown[0]!;
      return {
        status: 'info',
        messageId: 'progress-unknown',
        message: `${processLabel(p, s.endedAt)} held ${wholeWindow(p) === 'write' ? 'the write lock' : 'a read transaction'} for the whole ${formatMs(s.windowMs)} window, but its CPU and I/O counters could not be compared (it ended, or its /proc entry was unreadable), so whether it made progress is unknown.`,
        evidence: { ...base, pid: p.pid, command: p.command ?? null },
      };
    }
    return {
      status: 'pass',
      messageId: 'no-stall',
      message:
        holders.length > 0
          ? `${plural(holders.length, 'process', 'processes')} held a lock for the whole ${formatMs(s.windowMs)} window, and each used CPU or did I/O meanwhile: busy, not stuck (long-write-lock and long-reader judge the hold times).`
          : `No process held a lock for the whole ${formatMs(s.windowMs)} window.`,
      evidence: base,
    };
  },
});
