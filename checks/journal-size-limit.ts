import { defineCheck } from '../src/core/check.js';
import { perConnectionPragmaFixes, periodicCheckpointFix } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';
import { formatBytes, formatCount } from '../src/core/units.js';

/** WAL_HDRSIZE and WAL_FRAME_HDRSIZE (wal.c). */
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
const DOCS = 'https://www.sqlite.org/pragma.html#pragma_journal_size_limit';
const SUGGESTED_LIMIT_BYTES = 64 * 1024 * 1024;

function limitFixes(limitBytes: number): Fix[] {
  return [
    ...perConnectionPragmaFixes(
      `Declare a size limit (${formatBytes(limitBytes)}): after each checkpoint that lets the WAL restart, SQLite truncates the -wal file down to it`,
      `journal_size_limit = ${limitBytes}`,
      DOCS,
    ),
    {
      summary: 'Shrink the -wal file now (once): a TRUNCATE checkpoint empties it when no reader is using it',
      sql: 'PRAGMA wal_checkpoint(TRUNCATE);',
      shell: 'lockscope audit app.db --checkpoint truncate',
      docs: 'https://www.sqlite.org/pragma.html#pragma_wal_checkpoint',
      caution: 'It holds the write lock while it waits for readers; run it at a quiet moment.',
    },
    periodicCheckpointFix(),
  ];
}

export default defineCheck({
  id: 'journal-size-limit',
  title: 'The -wal file does not keep a stale high-water size',
  failureTitle: 'The -wal file stays large after checkpoints (no size limit)',
  description:
    'A -wal file that keeps its largest size after checkpoints because no journal_size_limit is declared: measured from the file size against the live frames in the -shm header.',
  source: 'sqlite',
  category: 'audit',
  requires: ['header', 'wal'],
  optional: ['shm'],
  defaultSeverity: 'warn',
  messages: {
    'not-wal': ['skip'],
    'no-wal-file': ['pass'],
    small: ['pass'],
    'live-unknown': ['info'],
    'within-limit': ['pass'],
    'no-limit': ['warn'],
    'limit-not-applied': ['warn'],
    'awaiting-restart': ['info'],
    'large-live': ['info'],
  },
  thresholds: {
    warnBytes: { default: 64 * 1024 * 1024, unit: 'bytes', description: 'A -wal file at least this large is examined; smaller ones pass.' },
    maxLivePercent: {
      default: 25,
      unit: 'percent',
      description: 'The file counts as kept at its high-water size when the live WAL content is at most this share of it.',
    },
  },
  run({ header, wal, shm }, { app, thresholds, unavailable }) {
    const warnBytes = thresholds.warnBytes;
    const maxLivePercent = thresholds.maxLivePercent;
    const declared = app.journalSizeLimitBytes;
    const limited = declared !== undefined && declared >= 0;
    const limitText =
      declared === undefined
        ? 'no journal_size_limit is declared (SQLite default -1: no limit)'
        : limited
          ? `the app declares journal_size_limit=${formatCount(declared)} bytes (${formatBytes(declared)})`
          : `the app declares journal_size_limit=${declared} (no limit)`;
    const base = { walEnabled: header.walEnabled, declaredLimitBytes: declared ?? null, warnBytes, maxLivePercent };

    if (!header.walEnabled) {
      return {
        status: 'skip',
        messageId: 'not-wal',
        message: wal
          ? `The database uses a rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}); the ${formatCount(wal.sizeBytes)}-byte -wal file beside it is left over from WAL mode (see stale-wal). This check is about WAL databases.`
          : `The database uses a rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}) and has no -wal file: this check is about WAL databases.`,
        evidence: { ...base, walBytes: wal?.sizeBytes ?? null },
      };
    }
    if (!wal) {
      return {
        status: 'pass',
        messageId: 'no-wal-file',
        message: `No -wal file: the last connection closed cleanly and deleted it, so nothing keeps disk space now; ${limitText}.`,
        evidence: { ...base, walBytes: 0 },
      };
    }

    const walBytes = wal.sizeBytes;
    if (walBytes < warnBytes) {
      return {
        status: 'pass',
        messageId: 'small',
        message: `The -wal file is ${formatCount(walBytes)} bytes (${formatBytes(walBytes)}), below ${formatBytes(warnBytes)}; ${limitText}.`,
        evidence: { ...base, walBytes },
      };
    }

    const frameSizeBytes = wal.frameSizeBytes ?? header.pageSizeBytes + FRAME_HEADER_BYTES;
    const shmFacts = shm === undefined ? null : shm;
    const trusted = shmFacts?.trusted === true && shmFacts.header !== null;
    if (!trusted || !shmFacts?.header) {
      const why = shm === undefined
        ? `the -shm file could not be read (${unavailable.shm?.message ?? 'not gathered'})`
        : !shmFacts
          ? 'there is no -shm file'
          : !shmFacts.valid
            ? `the -shm header is not valid${shmFacts.invalidReason ? ` (${shmFacts.invalidReason})` : ''}`
            : 'no process has the database open (nobody holds the -shm DMS lock), so the -shm header may be stale';
      const scan =
        wal.lastCommitFrame !== null && wal.framesWithCurrentSalt !== null
          ? ` A scan of the frame headers found ${formatCount(wal.framesWithCurrentSalt)} frame(s) of the current WAL generation, the last commit at frame ${formatCount(wal.lastCommitFrame)}, in a file with room for ${formatCount(wal.framesInFile)}; that is what the last writer left, not what a running app keeps.`
          : '';
      return {
        status: 'info',
        messageId: 'live-unknown',
        title: 'The -wal file is large, and lockscope cannot tell live content from a kept high-water size',
        message: `The -wal file is ${formatCount(walBytes)} bytes (${formatBytes(walBytes)}), but ${why}: lockscope cannot tell live WAL content from a file kept at its high-water size; ${limitText}.${scan}`,
        evidence: {
          ...base,
          walBytes,
          framesInFile: wal.framesInFile,
          framesWithCurrentSalt: wal.framesWithCurrentSalt,
          lastCommitFrame: wal.lastCommitFrame,
          shmTrusted: false,
        },
        fixes: limited ? [] : limitFixes(SUGGESTED_LIMIT_BYTES),
      };
    }

    const { mxFrame, nBackfill } = shmFacts.header;
    const liveBytes = mxFrame > 0 ? WAL_HEADER_BYTES + mxFrame * frameSizeBytes : 0;
    const livePercent = Math.round((liveBytes / walBytes) * 1000) / 10;
    const fullyCheckpointed = mxFrame === nBackfill;
    const restartedSmall = liveBytes * 100 <= walBytes * maxLivePercent;
    const evidence = {
      ...base,
      walBytes,
      framesInFile: wal.framesInFile,
      mxFrame,
      nBackfill,
      frameSizeBytes,
      liveWalBytes: liveBytes,
      livePercent,
    };
    const measured = `The -wal file is ${formatCount(walBytes)} bytes (${formatBytes(walBytes)}, room for ${formatCount(wal.framesInFile)} frames); the -shm header says ${formatCount(mxFrame)} committed frame(s) (${formatBytes(liveBytes)}, ${livePercent}% of the file), ${formatCount(nBackfill)} of them checkpointed`;

    if (limited && walBytes <= declared) {
      return {
        status: 'pass',
        messageId: 'within-limit',
        message: `${measured}. The file is within the declared journal_size_limit of ${formatCount(declared)} bytes (${formatBytes(declared)}): SQLite lets it keep up to that size after the WAL restarts, as declared (a lower limit keeps less).`,
        evidence,
      };
    }
    if (restartedSmall || fullyCheckpointed) {
      const state = restartedSmall
        ? 'the WAL has restarted from the beginning, so the rest of the file holds old frames and the file kept its high-water size'
        : 'every frame is already checkpointed: the next write restarts the WAL at frame 1 of the same file (once no reader still uses the old frames)';
      if (!limited) {
        return {
          status: 'warn',
          messageId: 'no-limit',
          message: `${measured}: ${state}. Because ${limitText}, SQLite never truncates the file after a checkpoint, so it keeps ${formatBytes(walBytes)} of disk until the last connection closes or a TRUNCATE checkpoint runs.`,
          evidence,
          fixes: limitFixes(Math.min(SUGGESTED_LIMIT_BYTES, warnBytes)),
        };
      }
      if (restartedSmall) {
        return {
          status: 'warn',
          messageId: 'limit-not-applied',
          message: `${measured}: ${state}, yet ${limitText}, smaller than the file. SQLite applies the limit when a connection commits the first transaction after the WAL restarts; the connection that did it here does not set it (journal_size_limit is per connection: check every process and every pooled connection).`,
          evidence,
          fixes: limitFixes(declared),
        };
      }
      return {
        status: 'info',
        messageId: 'awaiting-restart',
        title: 'The -wal file is still large: the size limit applies when the WAL next restarts',
        message: `${measured}: ${state}. ${limitText[0]?.toUpperCase()}${limitText.slice(1)}: the first commit after the WAL restarts truncates the file to the limit, if that connection sets the pragma.`,
        evidence,
      };
    }
    return {
      status: 'info',
      messageId: 'large-live',
      title: 'The -wal file is large because frames wait to be checkpointed, not for want of a size limit',
      message: `${measured}: the file is large because ${formatCount(mxFrame - nBackfill)} frame(s) still wait to be checkpointed (see checkpoint-lag and wal-size), which no size limit can shrink; ${limitText}.${limited ? '' : ' Without a limit the file keeps this size after the checkpoint.'}`,
      evidence,
      fixes: limited ? [] : limitFixes(SUGGESTED_LIMIT_BYTES),
    };
  },
});
