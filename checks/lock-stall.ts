import { defineCheck } from '../src/core/check.js';
import { CLOCK_TICKS_PER_SECOND } from '../src/sources/proc/processes.js';
import { type LockSampleProcess, isStopped } from '../src/core/facts.js';
import { shortReadTransactionFixes, shortWriteTransactionFixes, stackDumpFixes, stoppedProcessFixes, stoppedWords, stuckProcessFixes } from '../src/sources/proc/fixes.js';
import { plural, processLabel } from '../src/sources/proc/holder-words.js';
import { formatMs } from '../src/core/units.js';

/** A process that held a transaction's lock at every sample of the window. */
function wholeWindow(p: LockSampleProcess): 'write' | 'read' | null {
  if (p.write?.heldWholeWindow) return 'write';
  if (p.read?.heldWholeWindow) return 'read';
  return null;
}


/** Share of one CPU a process used over the window (utime+stime delta, clock ticks). */
function cpuShare(p: LockSampleProcess, windowMs: number): number {
  if (!p.progress || windowMs <= 0) return 0;
  return (p.progress.cpuTicks * 1000) / CLOCK_TICKS_PER_SECOND / windowMs;
}

/** "sleeping in the kernel in do_select (state S)" from the state read when the window ended. */
function sleepWords(p: LockSampleProcess): string {
  const r = p.runAtEnd;
  if (!r) return '';
  const kind = r.state === 'D' ? 'in an uninterruptible kernel wait (state D: disk or network file system I/O)' : r.state === 'S' ? 'asleep in the kernel (state S)' : `in state ${r.state}`;
  return ` It is ${kind}${r.wchan ? `, waiting in ${r.wchan}` : ''}.`;
}

export default defineCheck({
  id: 'lock-stall',
  title: 'No stuck lock holder seen',
  failureTitle: 'A stuck process holds the database',
  description:
    'From sampling (`lockscope locks --for`): a lock held by a stopped process (SIGSTOP, Ctrl-Z, a debugger), or held for the whole window by a process asleep in the kernel with no CPU or I/O (the hung worker), or spinning on the CPU inside its transaction.',
  defaultSeverity: 'fail',
  source: 'sqlite',
  category: 'locks',
  requires: ['lockSamples'],
  messages: {
    'stopped-holder': ['fail', 'warn'],
    'window-too-short': ['info'],
    'stalled-writer': ['fail', 'warn'],
    'stalled-reader': ['fail', 'warn'],
    spinning: ['fail', 'warn'],
    'progress-unknown': ['info'],
    'no-stall': ['pass'],
  },
  thresholds: {
    warnMs: { default: 1000, unit: 'ms', description: 'A stall is reported when the sampling window (the stall seen) is longer than this.' },
    failMs: { default: 30_000, unit: 'ms', description: 'A stall seen for longer than this fails.' },
    spinCpuPercent: {
      default: 25,
      unit: 'percent',
      description: 'A whole-window holder that used at least this share of one CPU (utime+stime over the window) is reported as spinning.',
    },
  },
  run({ lockSamples }, { thresholds }) {
    const warnMs = thresholds.warnMs;
    const failMs = thresholds.failMs;
    const spinShare = (thresholds.spinCpuPercent) / 100;
    const s = lockSamples!;
    const holders = s.processes.filter((p) => wholeWindow(p) !== null);
    const stalled = holders.filter((p) => p.progress?.progressed === false);
    const unknown = holders.filter((p) => p.progress === null);
    const base = { windowMs: s.windowMs, hz: s.hz, wholeWindowHolders: holders.map((p) => p.pid), warnMs, failMs };

    // Stopped now (SIGSTOP, Ctrl-Z, a debugger) while holding a lock: it never releases it by itself.
    const stopped = s.processes.filter((p) => isStopped(p.runAtEnd) && (p.write?.heldAtEnd || p.read?.heldAtEnd));
    const blocking = (p: LockSampleProcess) => Boolean(p.write?.heldAtEnd) || (s.mode === 'rollback' && Boolean(p.read?.heldAtEnd));
    const stoppedOne = stopped.find(blocking) ?? stopped[0];
    if (stoppedOne && stoppedOne.runAtEnd) {
      const writes = Boolean(stoppedOne.write?.heldAtEnd);
      const hold = writes ? stoppedOne.write! : stoppedOne.read!;
      const effect = writes
        ? 'Every other writer fails with SQLITE_BUSY ("database is locked") until it runs again.'
        : s.mode === 'rollback'
          ? "No writer can commit until it runs again: each COMMIT waits in PENDING for its SHARED lock."
          : 'Its snapshot stays pinned: the WAL cannot be checkpointed past it and grows until it runs again.';
      return {
        status: blocking(stoppedOne) ? 'fail' : 'warn',
        messageId: 'stopped-holder',
        message: `${processLabel(stoppedOne, s.endedAt)} ${stoppedWords(stoppedOne.runAtEnd)}, and it held ${writes ? 'the write lock' : 'a read transaction'} ${hold.heldWholeWindow ? `for the whole ${formatMs(s.windowMs)} window` : `when the window ended (${formatMs(hold.longestMs)} of the window)`}. A stopped process never releases a lock by itself. ${effect}`,
        evidence: {
          ...base,
          pid: stoppedOne.pid,
          command: stoppedOne.command ?? null,
          lock: writes ? 'write' : 'read',
          state: stoppedOne.runAtEnd.state,
          ppid: stoppedOne.runAtEnd.ppid,
          tracerPid: stoppedOne.runAtEnd.tracerPid,
          stoppedPids: stopped.map((p) => p.pid),
        },
        fixes: stoppedProcessFixes(stoppedOne.pid, stoppedOne.runAtEnd),
      };
    }

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
        state: worst.runAtEnd?.state ?? null,
        wchan: worst.runAtEnd?.wchan ?? null,
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
          title: 'A holder made no progress, in a window too short to call it stuck',
          message: `${who} held ${kind === 'write' ? 'the write lock' : 'a read transaction'} for the whole ${formatMs(s.windowMs)} window and ${noProgress}, but a window that short cannot tell a stall from a pause. Sample for longer than ${formatMs(warnMs)}.`,
          evidence,
        };
      }
      const status = s.windowMs > failMs ? 'fail' : 'warn';
      if (kind === 'write') {
        return {
          status,
          messageId: 'stalled-writer',
          message: `${who} held the write lock for the whole ${formatMs(s.windowMs)} window and ${noProgress}: it is stuck, not slow — blocked on something else (a network call, a prompt, a lock of another kind, a debugger) or a connection left mid-transaction. Every other writer fails with SQLITE_BUSY until it commits or ends.${sleepWords(worst)}`,
          evidence,
          fixes: [...stuckProcessFixes(worst.pid, worst.runtime), ...shortWriteTransactionFixes().slice(0, 1)],
        };
      }
      return {
        status,
        messageId: 'stalled-reader',
        message: `${who} held a read transaction for the whole ${formatMs(s.windowMs)} window and ${noProgress}: a cursor or transaction left open by a process that is waiting on something else. ${
          s.mode === 'wal'
            ? 'It keeps the WAL from being checkpointed past its snapshot, so the WAL grows.'
            : 'In rollback-journal mode every writer\'s COMMIT waits for it.'
        }${sleepWords(worst)}`,
        evidence,
        fixes: [...stuckProcessFixes(worst.pid, worst.runtime), ...shortReadTransactionFixes().slice(0, 2)],
      };
    }
    // Spinning: it held the lock throughout while burning CPU — computing (or looping) inside its transaction.
    const spinning = holders.filter((p) => p.progress?.progressed && cpuShare(p, s.windowMs) >= spinShare);
    const spinner = spinning.find((p) => wholeWindow(p) === 'write') ?? spinning[0];
    if (spinner && s.windowMs > warnMs) {
      const kind = wholeWindow(spinner)!;
      const share = cpuShare(spinner, s.windowMs);
      return {
        status: s.windowMs > failMs ? 'fail' : 'warn',
        messageId: 'spinning',
        message: `${processLabel(spinner, s.endedAt)} held ${kind === 'write' ? 'the write lock' : 'a read transaction'} for the whole ${formatMs(s.windowMs)} window while using ${Math.round(share * 100)}% of a CPU (${spinner.progress!.cpuTicks} clock ticks of user+system time): it is running code inside its transaction — heavy computing, a loop, or a query that scans a lot — not waiting. ${
          kind === 'write' ? 'Every other writer waits for it meanwhile.' : s.mode === 'wal' ? 'Its snapshot stays pinned meanwhile.' : "Every writer's COMMIT waits for it meanwhile."
        } See where it spends the time, and move that work out of the transaction.`,
        evidence: { ...base, pid: spinner.pid, command: spinner.command ?? null, lock: kind, cpuTicks: spinner.progress!.cpuTicks, cpuShare: Math.round(share * 1000) / 1000, spinCpuPercent: Math.round(spinShare * 100), state: spinner.runAtEnd?.state ?? null, spinningPids: spinning.map((p) => p.pid) },
        fixes: [...stackDumpFixes(spinner.pid, spinner.runtime), ...(kind === 'write' ? shortWriteTransactionFixes().slice(0, 1) : shortReadTransactionFixes().slice(0, 1))],
      };
    }
    if (unknown.length > 0) {
      const p = unknown[0]!;
      return {
        status: 'info',
        messageId: 'progress-unknown',
        title: 'A holder kept its lock the whole window; whether it made progress is not known',
        message: `${processLabel(p, s.endedAt)} held ${wholeWindow(p) === 'write' ? 'the write lock' : 'a read transaction'} for the whole ${formatMs(s.windowMs)} window, but its CPU and I/O counters could not be compared (it ended, or its /proc entry was unreadable), so whether it made progress is unknown.`,
        evidence: { ...base, pid: p.pid, command: p.command ?? null },
      };
    }
    return {
      status: 'pass',
      messageId: 'no-stall',
      message:
        holders.length > 0
          ? `${plural(holders.length, 'process', 'processes')} held a lock for the whole ${formatMs(s.windowMs)} window, and each used CPU or did I/O meanwhile: busy, not stuck, and none stopped (long-write-lock and long-reader judge the hold times).`
          : `No process held a lock for the whole ${formatMs(s.windowMs)} window.`,
      evidence: base,
    };
  },
});
