import { defineCheck } from '../src/core/check.js';
import type { LockSampleProcess } from '../src/core/facts.js';
import { findHolderFixes, shortWriteTransactionFixes } from '../src/sources/proc/fixes.js';
import { plural, processLabel, samplingWindow } from '../src/sources/proc/holder-words.js';
import { formatMs } from '../src/core/units.js';

const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;

type Writer = LockSampleProcess & { write: NonNullable<LockSampleProcess['write']> };

export default defineCheck({
  id: 'write-lock-duty-cycle',
  title: 'No process holds the write lock most of the time',
  failureTitle: 'One process holds the write lock most of the time',
  description:
    'From sampling (`lockscope locks --for`): the share of the window each process held the write lock (WAL) or RESERVED/PENDING/EXCLUSIVE (rollback), all its holds added up — many short holds that together leave other writers little room.',
  defaultSeverity: 'warn',
  source: 'sqlite',
  category: 'locks',
  requires: ['lockSamples', 'realPath'],
  messages: {
    'no-writes': ['pass'],
    'low-duty-cycle': ['pass'],
    'high-duty-cycle': ['warn'],
    'window-too-short': ['skip'],
  },
  thresholds: {
    warnPercent: {
      default: 50,
      unit: 'percent',
      description: 'One process holding the write lock at least this share of the sampled window warns.',
    },
    minWindowMs: {
      default: 1000,
      unit: 'ms',
      description: 'A window shorter than this is not judged (a single transaction could fill it).',
    },
  },
  run({ lockSamples, realPath }, { thresholds }) {
    const warnShare = thresholds.warnPercent / 100;
    const minWindowMs = thresholds.minWindowMs;
    const s = lockSamples!;
    const window = samplingWindow(s);
    const writers = s.processes.filter((p): p is Writer => p.write !== null);
    const base = { windowMs: s.windowMs, samples: s.samples, hz: s.hz, writers: writers.length, warnPercent: thresholds.warnPercent, minWindowMs };
    if (writers.length === 0) {
      return {
        status: 'pass',
        messageId: 'no-writes',
        message: `No process held the write lock during the ${window}. Holds shorter than one sample (${formatMs(1000 / s.hz)}) can be missed.`,
        evidence: base,
      };
    }
    const busiest = writers.reduce((a, b) => (b.write.share > a.write.share ? b : a));
    const w = busiest.write;
    const who = processLabel(busiest, s.endedAt);
    const evidence = {
      ...base,
      pid: busiest.pid,
      command: busiest.command ?? null,
      share: w.share,
      heldMs: w.heldMs,
      acquisitions: w.acquisitions,
      longestMs: w.longestMs,
      p50Ms: w.p50Ms,
      writersOverWarn: writers.filter((p) => p.write.share >= warnShare).map((p) => p.pid),
    };
    const holds = `${formatMs(w.heldMs)} in ${plural(w.acquisitions, 'hold')} (p50 ${w.p50Ms === null ? '–' : formatMs(w.p50Ms)}, longest ${formatMs(w.longestMs)})`;
    if (s.windowMs < minWindowMs) {
      return {
        status: 'skip',
        messageId: 'window-too-short',
        message: `The ${window} is shorter than ${formatMs(minWindowMs)}: one transaction could fill it, so the share of it ${who} held the write lock (${pct(w.share)}) is not judged. Sample longer: lockscope locks ${realPath} --for 10s.`,
        evidence,
      };
    }
    if (w.share < warnShare) {
      return {
        status: 'pass',
        messageId: 'low-duty-cycle',
        message: `The busiest writer, ${who}, held the write lock ${pct(w.share)} of the ${window}: ${holds}; below ${thresholds.warnPercent}%. ${plural(writers.length, 'process', 'processes')} wrote.`,
        evidence,
      };
    }
    return {
      status: 'warn',
      messageId: 'high-duty-cycle',
      message: `${who} held the write lock ${pct(w.share)} of the ${window}: ${holds}. Each hold may be short, but together they leave the lock free only ${pct(Math.max(0, 1 - w.share))} of the time: any other writer (another worker, a cron job, a migration, an admin shell) finds it taken most of the time, waits in its busy handler, and fails with SQLITE_BUSY ("database is locked") once its busy_timeout runs out; the waits grow much faster than the share as it nears 100%. Look in the app for a write loop that keeps a transaction open while it works, or commits row by row without a pause.`,
      evidence,
      fixes: [...findHolderFixes(realPath, busiest.pid, busiest.runtime).slice(0, 2), ...shortWriteTransactionFixes()],
    };
  },
});
