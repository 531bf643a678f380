import { defineCheck } from '../src/core/check.js';
import { formatLatencyMs } from '../src/core/units.js';
import { shortWriteTransactionFixes } from '../src/sources/proc/fixes.js';
import { byPid, fixesFor, processWords } from '../src/sources/trace/check-helpers.js';

export default defineCheck({
  id: 'trace-lock-waits',
  title: 'Lock waits are short',
  failureTitle: 'The traced processes wait long for locks',
  description: 'From `lockscope trace`: time from the first refusal to getting the lock, p99 per process.',
  source: 'trace',
  category: 'trace',
  requires: ['processes'],
  messages: {
    'no-waits': ['pass'],
    'short-waits': ['pass'],
    'long-waits': ['fail', 'warn'],
  },
  thresholds: {
    warnMs: { default: 200, unit: 'ms', description: 'A p99 lock wait longer than this warns.' },
    failMs: { default: 2000, unit: 'ms', description: 'A p99 lock wait longer than this fails.' },
  },
  defaultSeverity: 'fail',
  run({ processes }, { thresholds }) {
    const { warnMs, failMs } = thresholds;
    const waiting = processes.filter((p) => p.lockWaits.count > 0);
    const perProcess = byPid(waiting, (i) => waiting[i]!.lockWaits);
    if (waiting.length === 0) {
      return { status: 'pass', messageId: 'no-waits', message: `No traced process had to wait for a lock it then got (${processes.length} traced).`, evidence: { processes: perProcess, warnMs, failMs } };
    }
    const worst = waiting.reduce((a, b) => ((b.lockWaits.p99Ms ?? 0) > (a.lockWaits.p99Ms ?? 0) ? b : a));
    const w = worst.lockWaits;
    const p99 = w.p99Ms ?? 0;
    const stats = `${w.count} wait(s): p50 ${formatLatencyMs(w.p50Ms)}, p90 ${formatLatencyMs(w.p90Ms)}, p99 ${formatLatencyMs(w.p99Ms)}, max ${formatLatencyMs(w.maxMs)}`;
    const evidence = { pid: worst.pid, p99Ms: p99, processes: perProcess, warnMs, failMs };
    if (p99 <= warnMs) {
      return { status: 'pass', messageId: 'short-waits', message: `The longest p99 lock wait is ${formatLatencyMs(p99)}, by ${processWords(worst)} (${stats}).`, evidence };
    }
    return {
      status: p99 > failMs ? 'fail' : 'warn',
      messageId: 'long-waits',
      message: `${processWords(worst)} waited for locks it then got: ${stats}. Each wait is a request stalled behind another connection's write transaction; long ones come from long write transactions (trace-long-write) and end as "database is locked" once they outlast the busy timeout.`,
      evidence,
      fixes: fixesFor(shortWriteTransactionFixes(), [worst]),
    };
  },
});
