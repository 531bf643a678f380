import { defineCheck } from '../src/core/check.js';
import { describeWalProblem, pageSizeMismatchText, walReplay } from '../src/sources/sqlite/recovery.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';
import { formatBytes, formatCount } from '../src/core/units.js';

const DOCS = 'https://www.sqlite.org/howtocorrupt.html';

export default defineCheck({
  id: 'stale-wal',
  title: 'No stray -wal beside a rollback-journal database',
  failureTitle: 'A -wal beside a rollback-journal database will be applied on the next open',
  description: 'A -wal file left beside a database whose header says rollback journal (not WAL mode): SQLite still applies it.',
  source: 'sqlite',
  category: 'audit',
  requires: ['wal', 'header', 'files'],
  optional: ['shm', 'locks'],
  defaultSeverity: 'fail',
  messages: {
    'wal-database': ['pass'],
    'no-wal': ['pass'],
    'wal-blocks-open': ['fail'],
    'wal-page-size': ['fail'],
    'stale-wal': ['warn'],
    'stray-empty-wal': ['info'],
  },
  thresholds: {},
  run({ wal, shm, header, files, locks }) {
    if (header.walEnabled) {
      return {
        status: 'pass',
        messageId: 'wal-database',
        message: 'The header says WAL mode (bytes 18-19 are 2/2): a -wal beside it is its own.',
        evidence: { walEnabled: true, walExists: files.wal.exists },
      };
    }
    if (wal === null) {
      return {
        status: 'pass',
        messageId: 'no-wal',
        message: `Rollback-journal database (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}) with no -wal beside it.`,
        evidence: { walEnabled: false, walExists: false },
      };
    }
    const liveShm = shm !== undefined && shm !== null && shm.trusted && shm.header !== null ? shm.header : null;
    const replay = walReplay(wal);
    // Frames beyond lockscope's checksum bound may hold commits: with none verified, the count is unknown.
    const committedFrames = !wal.headerValid ? 0 : liveShm ? liveShm.mxFrame : replay.frames === 0 && !replay.certain ? null : replay.frames;
    const atLeast = !liveShm && !replay.certain && committedFrames !== null;
    const attached = locks === undefined ? [] : locks.holders.map((h) => h.pid);
    const evidence = {
      walEnabled: false,
      walBytes: wal.sizeBytes,
      walHeaderValid: wal.headerValid,
      framesInFile: wal.framesInFile,
      framesWithCurrentSalt: wal.framesWithCurrentSalt,
      walHeaderProblem: wal.headerProblem,
      committedFrames,
      framesCertain: liveShm !== null || replay.certain,
      framesIgnored: liveShm ? 0 : replay.ignored,
      frameSource: liveShm ? 'shm' : 'wal-file',
      shmLive: liveShm !== null,
      processesWithLocks: attached,
    };
    const walPath = shellArg(files.wal.path);
    if (wal.headerProblem === 'version') {
      return {
        status: 'fail',
        messageId: 'wal-blocks-open',
        message: `A ${formatBytes(wal.sizeBytes)} -wal beside this rollback-journal database has a header SQLite cannot read: ${describeWalProblem('version')}. SQLite opens any non-empty -wal it finds, and recovery then fails with SQLITE_CANTOPEN ("unable to open database file"): the database cannot be opened while this -wal is beside it.`,
        evidence,
        fixes: [
          {
            summary: 'With no process using the database, move the -wal aside (keep it until you know where it came from)',
            shell: `mv ${walPath} ${shellArg(`${files.wal.path}.unreadable`)}`,
          },
        ],
      };
    }
    if (wal.pageSizeMatchesDb === false && (committedFrames ?? 0) > 0) {
      return {
        status: 'fail',
        messageId: 'wal-page-size',
        message: `The header says rollback journal, but SQLite opens the non-empty -wal beside it anyway. ${pageSizeMismatchText(wal.pageSizeBytes ?? 0, header.pageSizeBytes, committedFrames ?? 0)}`,
        evidence: { ...evidence, walPageSizeBytes: wal.pageSizeBytes ?? null, pageSizeBytes: header.pageSizeBytes },
        fixes: [
          {
            summary: 'With no process using the database, move the -wal aside (keep it until you know where it came from)',
            shell: `mv ${walPath} ${shellArg(`${files.wal.path}.other-page-size`)}`,
          },
        ],
      };
    }
    if (committedFrames === null || committedFrames > 0) {
      const count = committedFrames === null ? 'an unknown number of' : `${atLeast ? 'at least ' : ''}${formatCount(committedFrames)}`;
      const live = liveShm
        ? ` A process is attached to its -shm right now: SQLite is using this -wal at this moment.`
        : '';
      const dbPath = shellArg(files.db.path);
      return {
        status: 'warn',
        messageId: 'stale-wal',
        message: `The header says rollback journal (bytes 18-19 are ${header.writeVersion}/${header.readVersion}), yet a ${formatBytes(wal.sizeBytes)} -wal beside it holds ${count} committed frame(s). SQLite opens any -wal it finds, whatever the header says: the next connection reads those frames as the newest version of their pages, and when the last connection closes it copies them into the database file and deletes the -wal. If the -wal belongs to this file, that brings back changes the file lacks (a restore from a backup is silently overridden); if it came from another database or another copy, the result can be a corrupt database ("database disk image is malformed").${live}`,
        evidence,
        fixes: [
          {
            summary: 'Before anything opens the database, copy the three files somewhere else and open the COPY to see what the -wal would do',
            shell: `d=$(mktemp -d) && cp ${dbPath} "$d/app.db" && cp ${walPath} "$d/app.db-wal" && sqlite3 "$d/app.db" 'PRAGMA integrity_check'`,
            caution: 'Opening the original, even read-write with a SELECT, applies the -wal to it.',
          },
          {
            summary: 'If the -wal does not belong to this file (the database was restored or copied over), move it aside, with no process holding the database open',
            shell: `mv ${walPath} ${shellArg(`${files.wal.path}.orphan`)}${files.shm.exists ? ` && mv ${shellArg(files.shm.path)} ${shellArg(`${files.shm.path}.orphan`)}` : ''}`,
            docs: DOCS,
            caution: 'Keep the moved file until you are sure: it may hold the only copy of committed changes.',
          },
          {
            summary: 'When restoring a backup, restore or remove the -wal and -shm together with the database file, with the app stopped',
          },
        ],
      };
    }
    return {
      status: 'info',
      messageId: 'stray-empty-wal',
      title: 'A -wal with no committed frames beside a rollback-journal database (nothing to apply)',
      message: `The header says rollback journal, and a ${formatBytes(wal.sizeBytes)} -wal beside it holds no committed frames (${wal.sizeBytes === 0 ? 'it is empty, and SQLite does not even open an empty -wal' : wal.headerValid ? 'none of its frames belongs to a committed transaction with an unbroken checksum chain' : `SQLite ignores the whole file: ${describeWalProblem(wal.headerProblem ?? 'short')}`}): SQLite finds nothing in it to apply, and opening the database leaves the data unchanged.${replay.ignored > 0 ? ` SQLite will ignore the ${formatCount(replay.ignored)} frame(s) it holds.` : ''}`,
      evidence,
      fixes: [
        {
          summary: 'Remove it when no process has the database open (it holds nothing SQLite would use)',
          shell: `rm ${walPath}`,
        },
      ],
    };
  },
});
