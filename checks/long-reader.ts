import { defineCheck } from '../src/core/check.js';
import type { LockSampleProcess } from '../src/core/facts.js';
import { walModeFix } from '../src/sources/sqlite/fixes.js';
import { findHolderFixes, shortReadTransactionFixes } from '../src/sources/proc/fixes.js';
import { plural, processLabel, samplingWindow } from '../src/sources/proc/holder-words.js';
import { formatMs } from '../src/core/units.js';

type Reader = LockSampleProcess & { read: NonNullable<LockSampleProcess['read']> };

export default defineCheck({
  id: 'long-reader',
  title: 'No reader holds back checkpoints or commits',
  failureTitle: 'A long read transaction holds the database back',
  description:
    'From sampling (`lockscope locks --for`): the longest time a reader pinned an old WAL snapshot (frames that cannot be checkpointed), or held SHARED in rollback mode (a commit must wait for it); fails when a reader blocked a waiting commit for the whole window.',
  defaultSeverity: 'fail',
  source: 'sqlite',
  category: 'locks',
  requires: ['lockSamples', 'realPath'],
  messages: {
    'no-readers': ['pass'],
    'blocks-every-commit': ['fail'],
    'pins-wal': ['fail', 'warn'],
    'blocks-writers': ['fail', 'warn'],
    'long-read-not-pinning': ['info'],
    ok: ['pass'],
  },
  thresholds: {
    warnMs: { default: 1000, unit: 'ms', description: 'A reader pinning the WAL (or holding SHARED in rollback mode) continuously for longer than this warns.' },
    failMs: { default: 30_000, unit: 'ms', description: 'Longer than this fails.' },
  },
  run({ lockSamples, realPath }, { thresholds }) {
    const warnMs = thresholds.warnMs;
    const failMs = thresholds.failMs;
    const s = lockSamples!;
    const window = samplingWindow(s);
    const readers = s.processes.filter((p): p is Reader => p.read !== null);
    const base = { windowMs: s.windowMs, hz: s.hz, mode: s.mode, readers: readers.length, warnMs, failMs };
    if (readers.length === 0) {
      return {
        status: 'pass',
        messageId: 'no-readers',
        message: `No read transaction was seen during the ${window}.`,
        evidence: base,
      };
    }
    const wal = s.mode === 'wal';
    // WAL: what matters is pinning (frames kept from the checkpoint). Rollback: any SHARED hold blocks commits.
    const measure = (p: Reader) => (wal ? p.read.longestPinnedMs : p.read.longestMs);
    const worst = readers.reduce((a, b) => (measure(b) > measure(a) ? b : a));
    const r = worst.read;
    const who = processLabel(worst, s.endedAt);
    const evidence = {
      ...base,
      pid: worst.pid,
      command: worst.command ?? null,
      longestReadMs: r.longestMs,
      longestPinnedMs: r.longestPinnedMs,
      pinnedMs: r.pinnedMs,
      maxFramesBehind: r.maxFramesBehind,
      pinsFrame: r.pinsFrame,
      heldAtEnd: r.heldAtEnd,
      mxFrameStart: s.mxFrameStart,
      mxFrameEnd: s.mxFrameEnd,
      nBackfillEnd: s.nBackfillEnd,
    };
    const ms = measure(worst);
    const bound = r.heldAtStart || r.heldAtEnd ? 'at least ' : '';
    // Rollback mode: a reader that held SHARED all along while a committer sat in PENDING all along — no write
    // could commit in the whole window, and PENDING refuses new readers: the database is unusable right now.
    const stuckCommitter = wal ? undefined : s.processes.find((p) => p.pendingWholeWindow && p.pid !== worst.pid);
    const wholeReaders = readers.filter((p) => p.read.heldWholeWindow && p.pid !== stuckCommitter?.pid);
    if (stuckCommitter && wholeReaders.length > 0 && s.windowMs > warnMs) {
      const blocker = wholeReaders.find((p) => p.pid === worst.pid) ?? wholeReaders[0]!;
      return {
        status: 'fail',
        messageId: 'blocks-every-commit',
        message: `${processLabel(blocker, s.endedAt)} held SHARED on the database file for the whole ${window}, while ${processLabel(stuckCommitter, s.endedAt)} waited in PENDING to commit for the whole window: no write could commit, and PENDING refuses every new reader meanwhile. In rollback-journal mode a COMMIT waits for every reader, so the database is unusable until this reader ends its read (or the committer gives up with SQLITE_BUSY). Look in the app for a cursor left open or a transaction that reads and never commits.`,
        evidence: { ...evidence, pid: blocker.pid, command: blocker.command ?? null, longestReadMs: blocker.read.longestMs, committerPid: stuckCommitter.pid, blockingReaderPids: wholeReaders.map((p) => p.pid) },
        fixes: [...findHolderFixes(realPath, blocker.pid, blocker.runtime), ...shortReadTransactionFixes(), walModeFix()],
      };
    }
    if (ms > warnMs) {
      const status = ms > failMs ? 'fail' : 'warn';
      if (wal) {
        const pin = r.pinsFrame === null ? 'read mark 0 (it reads the database file only, so no frame can be copied back at all)' : `frame ${r.pinsFrame.toLocaleString('en-US')}`;
        return {
          status,
          messageId: 'pins-wal',
          message: `${who} kept a read transaction open that pinned ${pin} for ${bound}${formatMs(ms)}: up to ${plural(r.maxFramesBehind, 'WAL frame')} could not be checkpointed past it. The WAL keeps growing, reads get slower, and a FULL/RESTART/TRUNCATE checkpoint waits for it while holding the write lock, so writers wait too. Look in the app for a cursor left open, a long report or export in one transaction, or a connection that never commits after reading.`,
          evidence,
          fixes: [...findHolderFixes(realPath, worst.pid, worst.runtime), ...shortReadTransactionFixes()],
        };
      }
      return {
        status,
        messageId: 'blocks-writers',
        message: `${who} held SHARED on the database file for ${bound}${formatMs(ms)}: in rollback-journal mode a writer's COMMIT must wait for every reader, so writes stalled or failed with SQLITE_BUSY meanwhile. Look in the app for a cursor left open or a transaction that reads and never commits.`,
        evidence,
        fixes: [walModeFix(), ...findHolderFixes(realPath, worst.pid, worst.runtime), ...shortReadTransactionFixes()],
      };
    }
    if (wal) {
      const longest = readers.reduce((a, b) => (b.read.longestMs > a.read.longestMs ? b : a));
      if (longest.read.longestMs > warnMs) {
        return {
          status: 'info',
          messageId: 'long-read-not-pinning',
          title: 'A long read transaction, harmless so far: nothing was committed meanwhile',
          message: `${processLabel(longest, s.endedAt)} kept a read transaction open for ${longest.read.heldAtStart || longest.read.heldAtEnd ? 'at least ' : ''}${formatMs(longest.read.longestMs)}, but pinned nothing because nothing was committed meanwhile. As soon as someone writes, it holds back checkpoints.`,
          evidence: { ...evidence, pid: longest.pid, command: longest.command ?? null, longestReadMs: longest.read.longestMs },
          fixes: shortReadTransactionFixes(),
        };
      }
    }
    return {
      status: 'pass',
      messageId: 'ok',
      message: wal
        ? `The longest time a reader pinned the WAL was ${formatMs(ms)} (${who}), within ${formatMs(warnMs)}; ${plural(readers.length, 'reader')} in the ${window}.`
        : `The longest SHARED hold was ${formatMs(ms)} (${who}), within ${formatMs(warnMs)}; ${plural(readers.length, 'reader')} in the ${window}.`,
      evidence,
    };
  },
});
