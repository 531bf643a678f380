import { shortCommand } from '../src/sources/proc/holder-words.js';
import { defineCheck } from '../src/core/check.js';
import type { CheckpointFacts, LockHolder } from '../src/core/facts.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';
import { formatCount } from '../src/core/units.js';
import { describePin, readersHoldingBack } from './checkpoint-lag.js';

const DOCS = 'https://www.sqlite.org/pragma.html#pragma_wal_checkpoint';

function who(h: LockHolder): string {
  return `pid ${h.pid}${h.command ? ` (${shortCommand(h.command)})` : ''}`;
}

function holding(blockers: readonly LockHolder[], name: string): LockHolder[] {
  return blockers.filter((h) => h.locks.some((l) => l.name === name));
}

/** Readers on read marks 1-4 (shared): they keep RESTART/TRUNCATE from resetting the WAL, whatever frame they pin. */
function walReaders(blockers: readonly LockHolder[]): LockHolder[] {
  return blockers.filter((h) => h.locks.some((l) => /^wal-read-[1-4]$/.test(l.name) && l.mode === 'shared'));
}

export default defineCheck({
  id: 'checkpoint',
  title: 'The requested checkpoint completed',
  failureTitle: 'The requested checkpoint could not complete',
  description: 'The result of --checkpoint: PRAGMA wal_checkpoint (busy, log, checkpointed), the WAL size before and after, and who held it up.',
  source: 'sqlite',
  category: 'checkpoint',
  requires: ['checkpoint', 'files'],
  defaultSeverity: 'warn',
  messages: {
    'not-wal': ['skip'],
    completed: ['pass'],
    'checkpoint-running': ['warn'],
    'could-not-start': ['warn'],
    'reader-pinned': ['warn'],
    'writer-active': ['warn'],
    'readers-block-reset': ['warn'],
    incomplete: ['warn'],
  },
  thresholds: {},
  run({ checkpoint, files }) {
    const c: CheckpointFacts = checkpoint;
    const mode = c.mode.toUpperCase();
    const notCheckpointed = c.log >= 0 ? Math.max(0, c.log - c.checkpointed) : null;
    const evidence = {
      mode: c.mode,
      timeoutMs: c.timeoutMs,
      busy: c.busy,
      log: c.log,
      checkpointed: c.checkpointed,
      framesNotCheckpointed: notCheckpointed,
      durationMs: c.durationMs,
      walBytesBefore: c.walBytesBefore,
      walBytesAfter: c.walBytesAfter,
      walRemovedOnClose: c.walRemovedOnClose,
      blockerPids: c.blockers.map((h) => h.pid),
      wrote: c.wrote,
    };
    const wrote = ` lockscope wrote: ${c.wrote}.`;
    if (c.skipped !== undefined) {
      return { status: 'skip', messageId: 'not-wal', message: `No checkpoint: ${c.skipped}.${wrote}`, evidence };
    }
    const sizes = `-wal ${c.walBytesBefore === null ? 'absent' : `${formatCount(c.walBytesBefore)} bytes`} before, ${c.walBytesAfter === null ? 'absent' : `${formatCount(c.walBytesAfter)} bytes`} after`;
    const result = `PRAGMA wal_checkpoint(${mode}) returned busy=${c.busy}, log=${c.log}, checkpointed=${c.checkpointed}; ${formatCount(c.durationMs)} ms from open to close (${sizes}).`;
    const completed = (c.busy === 0 && c.log >= 0 && c.checkpointed === c.log) || c.walRemovedOnClose;
    if (completed) {
      const how = c.walRemovedOnClose
        ? c.busy === 0 && c.checkpointed === c.log
          ? ' Every frame is in the database file, and the -wal and -shm are gone.'
          : ' The checkpoint itself was held up, but by the time lockscope closed its connection it was the last one: the close copied every frame back and removed the -wal and -shm.'
        : c.log === 0
          ? ' The WAL is empty.'
          : ` All ${formatCount(c.log)} frames are in the database file.`;
      return { status: 'pass', messageId: 'completed', message: `${result}${how}${wrote}`, evidence };
    }

    // Why it stopped short: who held what, while the checkpoint returned.
    const blockers = c.blockers;
    const waitNote =
      c.mode === 'passive'
        ? ''
        : ` While a ${mode} checkpoint waits for readers it holds the WAL write lock, so the app's writers were blocked for up to ${formatCount(c.timeoutMs)} ms (--checkpoint-timeout).`;
    const again = `lockscope audit --checkpoint ${c.mode} --checkpoint-timeout ${c.timeoutMs}ms ${shellArg(files.db.path)}`;
    const retry: Fix = { summary: 'Run the checkpoint again once the blocker has finished', shell: again, docs: DOCS };
    const named = (list: LockHolder[]) => list.map(who).join(', ');

    if (c.log < 0) {
      const ckpt = holding(blockers, 'wal-checkpoint');
      if (ckpt.length > 0) {
        return {
          status: 'warn',
          messageId: 'checkpoint-running',
          message: `${result} Another checkpoint was running: ${named(ckpt)} held the checkpoint lock, and only one checkpoint can run at a time (SQLite does not wait for it).${wrote}`,
          evidence,
          fixes: [{ summary: 'Nothing to do: let that checkpoint finish; run this one again only if the WAL stays large', shell: again, docs: DOCS }],
        };
      }
      const others = blockers.length > 0 ? ` Processes holding locks at that moment: ${blockers.map((h) => `${who(h)}: ${h.locks.map((l) => l.name).join(', ')}`).join('; ')}.` : ' No other process held a lock by the time lockscope looked.';
      return {
        status: 'warn',
        messageId: 'could-not-start',
        message: `${result} The checkpoint could not start within ${formatCount(c.timeoutMs)} ms: the database was busy (another checkpoint, a recovery, or an exclusive lock).${others}${wrote}`,
        evidence,
        fixes: [retry],
      };
    }

    const pins = readersHoldingBack({ holders: blockers }, { mxFrame: c.log, nBackfill: c.checkpointed, readMarks: c.readMarksAfter ?? c.shmBefore?.readMarks ?? [] });
    if (c.checkpointed < c.log && pins.length > 0) {
      const first = pins[0]!;
      return {
        status: 'warn',
        messageId: 'reader-pinned',
        message: `${result} ${formatCount(notCheckpointed ?? 0)} frames were not copied back because a reader still uses older frames: ${pins.map(describePin).join('; ')}.${waitNote}${wrote}`,
        evidence: { ...evidence, readMark: first.slot, pinsFrame: first.pinsFrame, framesHeldBack: first.framesHeldBack, pinnedBy: pins.map(describePin) },
        fixes: [
          {
            summary: `See what pid ${first.pid} is and how long it has run: its read transaction lasts until its statement finishes or it commits/rolls back (checkpoint-lag lists the driver-specific fixes)`,
            shell: `ps -o pid,user,etime,args -p ${first.pid}`,
          },
          retry,
        ],
      };
    }
    const writers = holding(blockers, 'wal-write');
    if (c.busy !== 0 && writers.length > 0 && c.mode !== 'passive') {
      return {
        status: 'warn',
        messageId: 'writer-active',
        message: `${result} A writer was in a transaction: ${named(writers)} held the WAL write lock, which a ${mode} checkpoint needs; after waiting up to ${formatCount(c.timeoutMs)} ms SQLite ran it as PASSIVE instead (${formatCount(c.checkpointed)} of ${formatCount(c.log)} frames are in the database file).${wrote}`,
        evidence,
        fixes: [
          { summary: 'PASSIVE does not need the write lock: it copies back what no reader needs, without blocking writers', shell: again.replace(`--checkpoint ${c.mode}`, '--checkpoint passive') },
          retry,
        ],
      };
    }
    const readers = walReaders(blockers);
    if (c.busy !== 0 && c.checkpointed === c.log && readers.length > 0) {
      return {
        status: 'warn',
        messageId: 'readers-block-reset',
        message: `${result} Every frame is in the database file, but ${mode} also resets the WAL${c.mode === 'truncate' ? ' and truncates the -wal' : ''}, which must wait until no reader uses it: ${named(readers)} still had a read transaction open on the WAL.${waitNote}${wrote}`,
        evidence,
        fixes: [
          retry,
          { summary: 'Or cap the -wal size instead: a journal_size_limit truncates it after later checkpoints, without waiting', sql: 'PRAGMA journal_size_limit = 67108864;' },
        ],
      };
    }
    return {
      status: 'warn',
      messageId: 'incomplete',
      message: `${result} ${notCheckpointed && notCheckpointed > 0 ? `${formatCount(notCheckpointed)} frames were not copied back` : 'The checkpoint did not finish its work'}, and no process held a lock that explains it by the time lockscope looked: the reader or writer in the way has finished since.${waitNote}${wrote}`,
      evidence,
      fixes: [retry],
    };
  },
});
