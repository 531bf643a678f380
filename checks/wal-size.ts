import { defineCheck } from '../src/core/check.js';
import { periodicCheckpointFix, perConnectionPragmaFixes, shellArg } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';
import type { CheckResult } from '../src/core/check.js';
import { WAL_VERIFY_MAX_BYTES } from '../src/sources/sqlite/gather.js';
import { describeWalProblem, pageSizeMismatchText, walReplay } from '../src/sources/sqlite/recovery.js';
import type { WalFacts } from '../src/core/facts.js';
import { formatBytes, formatCount } from '../src/core/units.js';

/** SQLITE_DEFAULT_WAL_AUTOCHECKPOINT (sqliteLimit.h): 1000 pages in every driver lockscope knows (test/stacks.test.ts). */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** A WAL up to this many autocheckpoint sizes is normal: one large transaction can overshoot the trigger. */
const AUTOCHECKPOINT_MULTIPLE = 4;
const MIB = 1024 * 1024;

export default defineCheck({
  id: 'wal-size',
  title: 'The -wal file is a reasonable size',
  failureTitle: 'The -wal file is large',
  description: 'Size of the -wal file, its frames, and how many of them are not yet copied back into the database.',
  source: 'sqlite',
  category: 'audit',
  requires: ['wal', 'header', 'files'],
  optional: ['shm'],
  defaultSeverity: 'fail',
  messages: {
    'not-wal': ['skip'],
    'no-wal': ['pass'],
    'wal-page-size': ['fail'],
    ok: ['pass'],
    'very-large': ['fail'],
    large: ['warn'],
    'wal-blocks-open': ['fail'],
    'wal-ignored': ['warn'],
  },
  thresholds: {
    warnBytes: { default: 64 * MIB, unit: 'bytes', description: 'Warn above this size, or above 4 × the autocheckpoint size if that is larger.' },
    failBytes: { default: 1024 * MIB, unit: 'bytes', description: 'Fail above this size.' },
  },
  run({ wal, shm, header, files }, { app, thresholds }) {
    if (!header.walEnabled) {
      return {
        status: 'skip',
        messageId: 'not-wal',
        message: `The database uses a rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}); a -wal beside it, if any, is reported by stale-wal.`,
        evidence: { walEnabled: false, walExists: wal !== null },
      };
    }
    if (wal === null) {
      return {
        status: 'pass',
        messageId: 'no-wal',
        message: 'There is no -wal file: the last connection closed cleanly (it checkpointed the WAL and removed it), or none has opened the database since.',
        evidence: { walBytes: 0, walExists: false },
      };
    }
    const pageSize = header.pageSizeBytes;
    const autocheckpointPages = app.walAutocheckpointPages ?? DEFAULT_AUTOCHECKPOINT_PAGES;
    const autocheckpointBytes = autocheckpointPages * pageSize;
    const warnBytes = Math.max(thresholds.warnBytes, AUTOCHECKPOINT_MULTIPLE * autocheckpointBytes);
    const failBytes = thresholds.failBytes;
    const live = shm !== undefined && shm !== null && shm.trusted && shm.header !== null ? shm.header : null;

    // Committed frames and frames not yet copied back: from the live -shm header, or from the WAL itself.
    let committedFrames: number | null;
    let notCheckpointed: number | null;
    let source: string;
    const replay = walReplay(wal);
    if (!wal.headerValid && wal.headerProblem !== 'short' && wal.headerProblem !== null) {
      return walHeaderFinding(wal, files.wal.path, wal.headerProblem, replay.ignored);
    }
    const mismatchFrames = live ? live.mxFrame : (replay.frames ?? 0);
    if (wal.pageSizeMatchesDb === false && mismatchFrames > 0) {
      return {
        status: 'fail',
        messageId: 'wal-page-size',
        message: pageSizeMismatchText(wal.pageSizeBytes ?? 0, pageSize, mismatchFrames),
        evidence: { walBytes: wal.sizeBytes, walPageSizeBytes: wal.pageSizeBytes ?? null, pageSizeBytes: pageSize, committedFrames: mismatchFrames },
        fixes: [
          {
            summary: 'With no process using the database, move the -wal and -shm aside (keep them until you know where they came from)',
            shell: `mv ${shellArg(files.wal.path)} ${shellArg(`${files.wal.path}.other-page-size`)}${files.shm.exists ? ` && mv ${shellArg(files.shm.path)} ${shellArg(`${files.shm.path}.other-page-size`)}` : ''}`,
          },
        ],
      };
    }
    if (!wal.headerValid) {
      committedFrames = 0;
      notCheckpointed = 0;
      source = 'SQLite treats a -wal of 32 bytes or less as empty: no frames.';
    } else if (live) {
      committedFrames = live.mxFrame;
      notCheckpointed = Math.max(0, live.mxFrame - live.nBackfill);
      source = `${formatCount(live.mxFrame)} committed frame(s) (live -shm header), ${formatCount(notCheckpointed)} not yet copied into the database.`;
    } else {
      committedFrames = replay.frames;
      notCheckpointed = replay.frames;
      const notLive = 'the -shm is not live (no process is attached), so the next connection to open the database will run recovery';
      const ignored = replay.ignored > 0 ? ` SQLite will ignore the ${formatCount(replay.ignored)} frame(s) after them (no commit follows them, or their checksum chain breaks).` : '';
      source =
        replay.frames === null
          ? 'The -shm is not live and the WAL was not scanned: the committed frame count is unknown.'
          : replay.certain
            ? `${formatCount(replay.frames)} committed frame(s), read and checksummed from the -wal itself: ${notLive}, which keeps them, and the next checkpoint copies them back.${ignored}`
            : `At least ${formatCount(replay.frames)} committed frame(s), checksummed in the first ${formatBytes(WAL_VERIFY_MAX_BYTES)} of the -wal (lockscope reads no further)${replay.atMost !== null && replay.atMost > replay.frames ? `, at most ${formatCount(replay.atMost)} by their salts and commit marks` : ''}: ${notLive}.`;
    }
    const evidence = {
      walBytes: wal.sizeBytes,
      framesInFile: wal.framesInFile,
      committedFrames,
      framesNotCheckpointed: notCheckpointed,
      frameSource: !wal.headerValid ? 'none' : live ? 'shm' : 'wal-file',
      framesCertain: live ? true : replay.certain,
      framesIgnored: live ? 0 : replay.ignored,
      pageSizeBytes: pageSize,
      autocheckpointPages,
      autocheckpointDeclared: app.walAutocheckpointPages !== undefined,
      autocheckpointBytes,
      warnBytes,
      failBytes,
    };
    const highWater =
      committedFrames !== null && wal.framesInFile > committedFrames
        ? ` The file has room for ${formatCount(wal.framesInFile)} frames but only ${formatCount(committedFrames)} are live: a -wal keeps its largest size (after a checkpoint SQLite rewrites it from the start), and shrinks only with PRAGMA wal_checkpoint(TRUNCATE) or a journal_size_limit.`
        : '';
    const sizeText = `The -wal is ${formatBytes(wal.sizeBytes)} (${formatCount(wal.sizeBytes)} bytes, room for ${formatCount(wal.framesInFile)} frames of ${formatCount(pageSize + 24)} bytes). ${source}${highWater}`;
    if (wal.sizeBytes <= warnBytes && wal.sizeBytes <= failBytes) {
      return { status: 'pass', messageId: 'ok', message: `${sizeText} Below the warning size of ${formatBytes(warnBytes)}.`, evidence };
    }
    const mostlyHighWater = committedFrames !== null && committedFrames * (pageSize + 24) <= warnBytes;
    const why = mostlyHighWater
      ? 'Most of that is space from an earlier, larger WAL: it costs disk space, not speed.'
      : `A WAL this full means checkpoints are not keeping up (autocheckpoint ${evidence.autocheckpointDeclared ? 'declared as' : 'by default'} ${formatCount(autocheckpointPages)} pages = ${formatBytes(autocheckpointBytes)}): readers look pages up in a larger wal-index, the checkpoint that finally copies it back takes longer, and after a crash the next opener must read the whole WAL to recover it. See checkpoint-lag for a reader holding it back.`;
    const over = wal.sizeBytes > failBytes ? 'fail' : 'warn';
    return {
      ...(over === 'fail' ? ({ status: 'fail', messageId: 'very-large' } as const) : ({ status: 'warn', messageId: 'large' } as const)),
      message: `${sizeText} That is above the ${over === 'fail' ? 'failure' : 'warning'} size of ${formatBytes(over === 'fail' ? failBytes : warnBytes)}. ${why}`,
      evidence,
      fixes: walSizeFixes(shellArg(files.db.path), mostlyHighWater, app.walAutocheckpointPages),
    };
  },
});

/** A -wal whose header recovery rejects: SQLite ignores all of it, or (version) refuses to open the database. */
function walHeaderFinding(wal: WalFacts, walPath: string, problem: 'magic' | 'page-size' | 'checksum' | 'version', frames: number): CheckResult<{ 'wal-blocks-open': ['fail']; 'wal-ignored': ['warn'] }> {
  const evidence = { walBytes: wal.sizeBytes, walHeaderProblem: problem, framesInFile: wal.framesInFile, framesIgnored: frames, committedFrames: 0 };
  if (problem === 'version') {
    return {
      status: 'fail',
      messageId: 'wal-blocks-open',
      message: `The -wal header is not one this SQLite can read: ${describeWalProblem(problem)}. The next connection's recovery fails with SQLITE_CANTOPEN ("unable to open database file"): the database cannot be opened while this -wal is beside it.`,
      evidence,
      fixes: [
        {
          summary: 'With no process using the database, move the -wal aside (keep it: it may hold committed changes) and open the database again',
          shell: `mv ${shellArg(walPath)} ${shellArg(`${walPath}.unreadable`)}`,
        },
      ],
    };
  }
  return {
    status: 'warn',
    messageId: 'wal-ignored',
    message: `SQLite will ignore this whole ${formatBytes(wal.sizeBytes)} -wal: ${describeWalProblem(problem)}, and recovery (wal.c walIndexRecover) then keeps no frame. ${frames > 0 ? `The ${formatCount(frames)} frame(s) in it are` : 'Whatever frames it holds (without a valid page size they cannot even be counted) are'} not committed data for SQLite, and lockscope counts none of them: any changes they held are gone for good once a connection writes (SQLite rewrites the -wal from the start) or is the last to close (it deletes the -wal).`,
    evidence,
    fixes: [
      {
        summary: 'Before anything opens the database, copy the -wal somewhere safe: it is the only trace of those changes',
        shell: `cp ${shellArg(walPath)} ${shellArg(`${walPath}.saved`)}`,
      },
    ],
  };
}

function walSizeFixes(db: string, mostlyHighWater: boolean, declaredAutocheckpoint: number | undefined): Fix[] {
  const fixes: Fix[] = [
    {
      summary: 'Checkpoint and truncate the -wal now, bounded to a short wait (lockscope reports who blocks it)',
      shell: `lockscope audit --checkpoint truncate --checkpoint-timeout 200ms ${db}`,
      caution: "While it waits for readers, a TRUNCATE checkpoint holds the write lock: the app's writers wait too.",
    },
    ...perConnectionPragmaFixes(
      'Cap the size the -wal is left at after each checkpoint (64 MiB here)',
      'journal_size_limit = 67108864',
      'https://www.sqlite.org/pragma.html#pragma_journal_size_limit',
    ).slice(0, 1),
  ];
  if (!mostlyHighWater) {
    if (declaredAutocheckpoint === 0) {
      fixes.push(
        ...perConnectionPragmaFixes('Turn automatic checkpoints back on', 'wal_autocheckpoint = 1000', 'https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint').slice(0, 1),
      );
    }
    fixes.push(periodicCheckpointFix());
    fixes.push({
      summary: 'Find long read transactions that keep the checkpoint from reaching the end of the WAL',
      shell: `lockscope locks ${db}`,
    });
  }
  return fixes;
}
