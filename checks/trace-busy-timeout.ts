import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';
import { busyTimeoutFixes } from '../src/sources/sqlite/fixes.js';
import { byPid, fixesFor, processWords } from '../src/sources/trace/check-helpers.js';
import type { TracedProcess } from '../src/sources/trace/facts.js';

const ms = (n: number) => `${n.toLocaleString('en-US')} ms`;

export default defineCheck({
  id: 'trace-busy-timeout',
  title: 'The traced processes wait for locks',
  failureTitle: 'A traced process gives up on a lock at once or too soon',
  description: "From `lockscope trace`: each process's busy timeout, measured from its busy handler's sleeps before it gave up.",
  source: 'trace',
  category: 'trace',
  requires: ['processes'],
  messages: {
    measured: ['pass'],
    'lower-bound': ['pass'],
    small: ['fail'],
    zero: ['fail'],
    'at-once-only': ['warn'],
    'no-contention': ['skip'],
  },
  thresholds: {
    minMs: { default: 1000, unit: 'ms', description: 'A measured busy timeout below this fails.' },
  },
  defaultSeverity: 'fail',
  run({ processes }, { thresholds }) {
    const minMs = thresholds.minMs;
    const seen = processes.filter((p): p is TracedProcess & { busyTimeout: NonNullable<TracedProcess['busyTimeout']> } => p.busyTimeout !== null);
    const evidence = {
      minMs,
      processes: byPid(seen, (i) => seen[i]!.busyTimeout),
    };
    if (seen.length === 0) {
      return {
        status: 'skip',
        messageId: 'no-contention',
        message: `No traced process was refused a lock in the window (${processes.length} traced), so the busy timeout could not be measured. Trace while the app is busy, or for longer.`,
        evidence,
      };
    }
    const zero = seen.find((p) => p.busyTimeout.kind === 'zero');
    if (zero) {
      return {
        status: 'fail',
        messageId: 'zero',
        message: `${processWords(zero)} was refused a lock outside any transaction and gave up at once, ${zero.busyTimeout.kind === 'zero' ? zero.busyTimeout.sequences : 0} time(s), with no busy-handler sleep: its busy_timeout is 0, so every moment of contention is a "database is locked" error.`,
        evidence: { ...evidence, pid: zero.pid },
        fixes: fixesFor(busyTimeoutFixes(5000), [zero]),
      };
    }
    const measured = seen.filter((p) => p.busyTimeout.kind === 'measured');
    const small = measured.find((p) => p.busyTimeout.kind === 'measured' && p.busyTimeout.ms < minMs);
    if (small && small.busyTimeout.kind === 'measured') {
      const b = small.busyTimeout;
      return {
        status: 'fail',
        messageId: 'small',
        message: `${processWords(small)} gave up after its busy handler slept ${ms(b.ms)} in all (${formatMs(b.spanMs)} from first refusal to last): busy_timeout ≈ ${ms(b.ms)}, below ${ms(minMs)}, so a write transaction of another process longer than that makes it fail.`,
        evidence: { ...evidence, pid: small.pid, busyTimeoutMs: b.ms },
        fixes: fixesFor(busyTimeoutFixes(5000), [small]),
      };
    }
    const atOnce = seen.find((p) => p.busyTimeout.kind === 'at-once-only');
    if (atOnce && atOnce.busyTimeout.kind === 'at-once-only') {
      return {
        status: 'warn',
        messageId: 'at-once-only',
        message: `${processWords(atOnce)} was refused the write lock ${atOnce.busyTimeout.sequences} time(s) and gave up at once each time, and never retried: either its busy_timeout is 0, or each was a deferred transaction upgrading from read to write (no timeout helps those). Lock calls cannot tell the two apart; trace-upgrade-trap says more when the same process also retries.`,
        evidence: { ...evidence, pid: atOnce.pid },
        fixes: fixesFor(busyTimeoutFixes(5000), [atOnce]),
      };
    }
    if (measured.length > 0) {
      const words = measured.map((p) => (p.busyTimeout.kind === 'measured' ? `${processWords(p)}: busy_timeout ≈ ${ms(p.busyTimeout.ms)} (gave up ${p.busyTimeout.sequences} time(s) after ${formatMs(p.busyTimeout.spanMs)})${p.busyTimeout.otherMs.length ? `, other connections ${p.busyTimeout.otherMs.map(ms).join(', ')}` : ''}` : '')).join('; ');
      return { status: 'pass', messageId: 'measured', message: `Measured from the busy handler's sleeps before it gave up: ${words}.`, evidence };
    }
    const bounds = seen.map((p) => (p.busyTimeout.kind === 'lower-bound' ? `${processWords(p)} waited ${ms(p.busyTimeout.ms)} in its busy handler` : '')).filter(Boolean);
    const lowest = Math.min(...seen.map((p) => (p.busyTimeout.kind === 'lower-bound' ? p.busyTimeout.ms : Infinity)));
    if (lowest < minMs) {
      return {
        status: 'skip',
        messageId: 'no-contention',
        message: `No wait seen from its start ended in SQLITE_BUSY (${bounds.join('; ')}), so the busy timeout is only known to be at least that, which does not tell whether it reaches ${ms(minMs)}. Trace while writers contend for longer.`,
        evidence,
      };
    }
    return { status: 'pass', messageId: 'lower-bound', message: `No process gave up; ${bounds.join('; ')}: busy_timeout is at least that.`, evidence };
  },
});
