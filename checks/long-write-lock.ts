import { defineCheck } from '../src/core/check.js';
import type { LockSampleProcess } from '../src/core/facts.js';
import { walModeFix } from '../src/sources/sqlite/fixes.js';
import { findHolderFixes, shortWriteTransactionFixes } from '../src/sources/proc/fixes.js';
import { plural, processLabel, samplingWindow } from '../src/sources/proc/holder-words.js';
import { formatMs } from '../src/core/units.js';

const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;

export default defineCheck({
  id: 'long-write-lock',
  title: 'Write locks are held briefly',
  failureTitle: 'A process holds the write lock for a long time',
  description: 'From sampling (`lockscope locks --for`): the longest continuous hold of the write lock (WAL) or RESERVED/PENDING/EXCLUSIVE (rollback), per process.',
  defaultSeverity: 'fail',
  source: 'sqlite',
  category: 'locks',
  requires: ['lockSamples', 'realPath'],
  messages: {
    'no-writes': ['pass'],
    'short-holds': ['pass'],
    'long-checkpoint': ['fail', 'warn'],
    'long-commit-wait': ['fail', 'warn'],
    'long-hold': ['fail', 'warn'],
  },
  thresholds: {
    warnMs: { default: 1000, unit: 'ms', description: 'A continuous write-lock hold longer than this warns.' },
    failMs: { default: 30_000, unit: 'ms', description: 'A continuous write-lock hold longer than this fails.' },
  },
  run({ lockSamples, realPath }, { thresholds }) {
    const warnMs = thresholds.warnMs;
    const failMs = thresholds.failMs;
    const s = lockSamples!;
    const window = samplingWindow(s);
    const writers = s.processes.filter((p): p is LockSampleProcess & { write: NonNullable<LockSampleProcess['write']> } => p.write !== null);
    if (writers.length === 0) {
      return {
        status: 'pass',
        messageId: 'no-writes',
        message: `No process held the write lock during the ${window}. Holds shorter than one sample (${formatMs(1000 / s.hz)}) can be missed.`,
        evidence: { windowMs: s.windowMs, samples: s.samples, hz: s.hz, writers: 0, warnMs, failMs },
      };
    }
    const worst = writers.reduce((a, b) => (b.write.longestMs > a.write.longestMs ? b : a));
    const w = worst.write;
    const evidence = {
      pid: worst.pid,
      command: worst.command ?? null,
      longestMs: w.longestMs,
      heldMs: w.heldMs,
      share: w.share,
      acquisitions: w.acquisitions,
      p50Ms: w.p50Ms,
      p99Ms: w.p99Ms,
      heldAtStart: w.heldAtStart,
      heldAtEnd: w.heldAtEnd,
      windowMs: s.windowMs,
      hz: s.hz,
      writers: writers.length,
      writersOverWarn: writers.filter((p) => p.write.longestMs > warnMs).map((p) => p.pid),
      warnMs,
      failMs,
    };
    const bound = w.heldAtStart || w.heldAtEnd ? 'at least ' : '';
    const ongoing = w.heldAtStart && w.heldAtEnd ? ' — the whole window: it began before sampling and was still held at the end' : w.heldAtEnd ? ' — still held when sampling ended' : w.heldAtStart ? ' — it began before sampling started' : '';
    const stats = `In the ${window} it held the write lock ${pct(w.share)} of the time, in ${plural(w.acquisitions, 'hold')} (p50 ${w.p50Ms === null ? '–' : formatMs(w.p50Ms)}, p99 ${w.p99Ms === null ? '–' : formatMs(w.p99Ms)})`;
    const who = processLabel(worst, s.endedAt);
    if (w.longestMs <= warnMs) {
      return {
        status: 'pass',
        messageId: 'short-holds',
        message: `The longest write-lock hold was ${formatMs(w.longestMs)}, by ${who}. ${stats}; ${plural(writers.length, 'process', 'processes')} wrote.`,
        evidence,
      };
    }
    const status = w.longestMs > failMs ? 'fail' : 'warn';
    const effect = 'Meanwhile every other writer waits in its busy handler and fails with SQLITE_BUSY ("database is locked") once its busy_timeout runs out.';
    if (worst.writeHoldIsCheckpoint) {
      return {
        status,
        messageId: 'long-checkpoint',
        message: `${who} held the write lock together with the checkpoint lock for ${bound}${formatMs(w.longestMs)}${ongoing}: a FULL, RESTART or TRUNCATE checkpoint waiting for readers blocks every writer while it waits. ${stats}. ${effect}`,
        evidence: { ...evidence, checkpoint: true },
        fixes: [
          {
            summary: 'Run FULL/RESTART/TRUNCATE checkpoints with a short busy timeout, or use PASSIVE, which never waits and never blocks writers',
            sql: 'PRAGMA busy_timeout = 200;\nPRAGMA wal_checkpoint(TRUNCATE);',
            docs: 'https://www.sqlite.org/c3ref/wal_checkpoint_v2.html',
          },
          ...findHolderFixes(realPath, worst.pid, worst.runtime).slice(0, 2),
        ],
      };
    }
    if (worst.writeHoldIsPending) {
      return {
        status,
        messageId: 'long-commit-wait',
        message: `${who} held the write lock for ${bound}${formatMs(w.longestMs)}${ongoing}, part of it in PENDING: its COMMIT waited for readers to finish (rollback journal), and new readers were refused meanwhile. ${stats}. ${effect}`,
        evidence: { ...evidence, pending: true },
        fixes: [walModeFix(), ...findHolderFixes(realPath, worst.pid, worst.runtime)],
      };
    }
    return {
      status,
      messageId: 'long-hold',
      message: `${who} held the write lock without a break for ${bound}${formatMs(w.longestMs)}${ongoing}. ${stats}. ${effect} Look in the app for a write transaction that stays open: slow work or a network call between BEGIN and COMMIT, a loop committing once at the end, or a connection that never commits.`,
      evidence,
      fixes: [...findHolderFixes(realPath, worst.pid, worst.runtime), ...shortWriteTransactionFixes()],
    };
  },
});
