import { defineCheck } from '../src/core/check.js';
import type { Fix } from '../src/core/model.js';
import { perConnectionPragmaFixes, periodicCheckpointFix } from '../src/sources/sqlite/fixes.js';
import { workloadEvidence } from '../src/sources/stress/check-helpers.js';
import { formatBytes } from '../src/core/units.js';

/** WAL file size for `frames` frames: 32-byte header + frames × (24-byte frame header + page) (wal.c). */
function walBytesFor(frames: number, pageSizeBytes: number): number {
  return 32 + frames * (24 + pageSizeBytes);
}

export default defineCheck({
  id: 'stress-checkpoint-starvation',
  title: 'Checkpoints keep up with the writers',
  failureTitle: 'The WAL grew past its autocheckpoint size during the stress run',
  description: 'The largest -wal size during a stress run against the wal_autocheckpoint size, with what kept checkpoints from resetting it.',
  source: 'sqlite',
  category: 'stress',
  requires: ['stress'],
  messages: {
    'not-wal': ['skip'],
    'autocheckpoint-off': ['skip'],
    'kept-up': ['pass'],
    'readers-pinned': ['warn'],
    'writers-overlap': ['warn'],
  },
  defaultSeverity: 'warn',
  thresholds: {
    warnPercent: { default: 200, unit: 'percent', description: 'A WAL peak above this share of the autocheckpoint size warns.' },
  },
  run({ stress: s }, { thresholds }) {
    const w = s.workload;
    if (w.journalMode !== 'wal') {
      return { status: 'skip', messageId: 'not-wal', message: `The run used a ${w.journalMode} journal: there is no WAL to checkpoint.`, evidence: workloadEvidence(s) };
    }
    if (w.walAutocheckpointPages === 0) {
      return {
        status: 'skip',
        messageId: 'autocheckpoint-off',
        message: 'wal_autocheckpoint is 0: the WAL is never checkpointed automatically and grows by design (see wal-autocheckpoint).',
        evidence: workloadEvidence(s),
      };
    }
    const warnPercent = thresholds.warnPercent;
    const autocheckpointBytes = walBytesFor(w.walAutocheckpointPages, w.pageSizeBytes);
    const peakPercent = Math.round((100 * s.walPeakBytes) / autocheckpointBytes);
    const evidence = {
      ...workloadEvidence(s),
      walPeakBytes: s.walPeakBytes,
      autocheckpointPages: w.walAutocheckpointPages,
      autocheckpointBytes,
      peakPercent,
      warnPercent,
      walResets: s.wal?.walResets ?? null,
      maxFramesNotBackfilled: s.wal?.maxFramesNotBackfilled ?? null,
      readerHoldMs: w.readerHoldMs,
    };
    const resets = s.wal?.walResets;
    const resetText = resets === null || resets === undefined ? '' : ` The WAL restarted from its beginning ${resets.toLocaleString('en-US')} times.`;
    if (peakPercent <= warnPercent) {
      return {
        status: 'pass',
        messageId: 'kept-up',
        message: `The -wal peaked at ${formatBytes(s.walPeakBytes)}, ${peakPercent}% of the ${formatBytes(autocheckpointBytes)} autocheckpoint size (${w.walAutocheckpointPages} pages).${resetText}`,
        evidence,
      };
    }
    const readersPinned = w.readers > 0;
    const fixes: Fix[] = [];
    if (readersPinned) {
      fixes.push({
        summary: 'Keep read transactions short: finish (COMMIT, or step a statement to its end and reset it) before doing slow work, so old snapshots do not hold the WAL',
        caution: `This run's readers held each read transaction ${w.readerHoldMs} ms (--reader-hold).`,
      });
    }
    fixes.push(periodicCheckpointFix());
    fixes.push(...perConnectionPragmaFixes('Shrink the -wal back after checkpoints (64 MiB here)', 'journal_size_limit = 67108864', 'https://www.sqlite.org/pragma.html#pragma_journal_size_limit'));
    const cause = readersPinned
      ? `${w.readers} reader${w.readers === 1 ? '' : 's'} kept read transactions open${w.readerHoldMs > 0 ? ` for ${w.readerHoldMs} ms each` : ''}: a checkpoint cannot copy back frames newer than the oldest snapshot in use, and the WAL can only restart from its beginning when no reader uses it.`
      : 'No reader threads ran: the writers\' own overlapping transactions kept every checkpoint from completing and the WAL from restarting.';
    return {
      status: 'warn',
      messageId: readersPinned ? 'readers-pinned' : 'writers-overlap',
      message: `The -wal grew to ${formatBytes(s.walPeakBytes)}, ${peakPercent}% of the ${formatBytes(autocheckpointBytes)} autocheckpoint size (${w.walAutocheckpointPages} pages)${s.wal?.maxFramesNotBackfilled ? `, with up to ${s.wal.maxFramesNotBackfilled.toLocaleString('en-US')} frames not yet checkpointed` : ''}. ${cause}${resetText} A large WAL slows every reader (each looks up pages in the WAL index) and uses disk.`,
      evidence,
      fixes,
    };
  },
});
