import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';
import { shortWriteTransactionFixes } from '../src/sources/proc/fixes.js';
import { fixesFor, processWords } from '../src/sources/trace/check-helpers.js';

export default defineCheck({
  id: 'trace-long-write',
  title: 'The traced processes hold the write lock briefly',
  failureTitle: 'A traced process holds the write lock for a long time',
  description: 'From `lockscope trace`: the longest write-lock hold per process, from its own lock and unlock calls.',
  source: 'trace',
  category: 'trace',
  requires: ['processes'],
  messages: {
    'no-writes': ['pass'],
    'short-holds': ['pass'],
    'long-hold': ['fail', 'warn'],
  },
  thresholds: {
    warnMs: { default: 1000, unit: 'ms', description: 'A write-lock hold longer than this warns.' },
    failMs: { default: 30_000, unit: 'ms', description: 'A write-lock hold longer than this fails.' },
  },
  defaultSeverity: 'fail',
  run({ processes }, { thresholds }) {
    const { warnMs, failMs } = thresholds;
    const writers = processes.filter((p) => p.longestWrites.length > 0);
    if (writers.length === 0) {
      return { status: 'pass', messageId: 'no-writes', message: `No traced process took the write lock in the window (${processes.length} traced).`, evidence: { writers: 0, warnMs, failMs } };
    }
    const worst = writers.reduce((a, b) => (b.longestWrites[0]!.heldMs > a.longestWrites[0]!.heldMs ? b : a));
    const hold = worst.longestWrites[0]!;
    const evidence = {
      pid: worst.pid,
      tid: hold.tid,
      longestMs: hold.heldMs,
      stillHeld: hold.open,
      atMs: hold.atMs,
      holds: worst.writeHolds.count,
      p50Ms: worst.writeHolds.p50Ms,
      p99Ms: worst.writeHolds.p99Ms,
      writers: writers.length,
      warnMs,
      failMs,
    };
    const bound = hold.open ? 'at least ' : '';
    const stats = `${worst.writeHolds.count} hold(s), p50 ${worst.writeHolds.p50Ms === null ? '–' : formatMs(worst.writeHolds.p50Ms)}, p99 ${worst.writeHolds.p99Ms === null ? '–' : formatMs(worst.writeHolds.p99Ms)}`;
    if (hold.heldMs <= warnMs) {
      return { status: 'pass', messageId: 'short-holds', message: `The longest write-lock hold was ${bound}${formatMs(hold.heldMs)}, by ${processWords(worst)} (${stats}).`, evidence };
    }
    return {
      status: hold.heldMs > failMs ? 'fail' : 'warn',
      messageId: 'long-hold',
      message: `${processWords(worst)} held the write lock for ${bound}${formatMs(hold.heldMs)} (thread ${hold.tid}, from ${formatMs(hold.atMs)} into the window${hold.open ? ', still held when it ended' : ''}; ${stats}). Meanwhile every other writer waits in its busy handler and fails with "database is locked" once its busy timeout runs out.`,
      evidence,
      fixes: fixesFor(shortWriteTransactionFixes(), [worst]),
    };
  },
});
