import { shortCommand } from '../src/sources/proc/holder-words.js';
import { defineCheck } from '../src/core/check.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';
import { formatBytes } from '../src/core/units.js';

const DOCS = 'https://www.sqlite.org/lockingv3.html';
const ROLLBACK_WRITE_LOCKS = new Set(['reserved', 'pending', 'exclusive']);

export default defineCheck({
  id: 'hot-journal',
  title: 'No hot rollback journal',
  failureTitle: 'A writer died mid-transaction: the -journal must be rolled back',
  description: 'Whether a -journal beside the database is hot: left by a writer that crashed mid-transaction, to be rolled back by the next connection.',
  source: 'sqlite',
  category: 'audit',
  requires: ['journal', 'files'],
  optional: ['locks', 'directory'],
  defaultSeverity: 'fail',
  messages: {
    'no-journal': ['pass'],
    unknown: ['info'],
    'hot-unrecognised': ['fail'],
    hot: ['fail'],
    'writer-active': ['pass'],
    empty: ['pass'],
    zeroed: ['pass'],
    'not-hot': ['pass'],
  },
  thresholds: {},
  run({ journal, files, locks, directory }) {
    if (journal === null) {
      return { status: 'pass', messageId: 'no-journal', message: 'There is no -journal file beside the database.', evidence: { journalExists: false } };
    }
    const evidence = {
      journalBytes: journal.sizeBytes,
      headerMagicValid: journal.headerMagicValid,
      headerZeroed: journal.headerZeroed,
      hot: journal.hot,
    };
    const writers = locks === undefined ? [] : locks.holders.filter((h) => h.locks.some((l) => ROLLBACK_WRITE_LOCKS.has(l.name)));
    if (journal.hot === null) {
      return {
        status: 'info',
        messageId: 'unknown',
        title: 'A -journal with a live header: whether it is hot cannot be told without the lock table',
        message: `A -journal of ${formatBytes(journal.sizeBytes)} has a live header, and lockscope cannot tell whether it is hot: the lock table is unavailable, so a writer in the middle of a transaction cannot be told from one that crashed.`,
        evidence,
      };
    }
    if (journal.hot) {
      const owner = files.db.owner ?? (files.db.uid !== undefined ? String(files.db.uid) : null);
      const dirWritable = directory === undefined ? null : directory.writableByDbOwner;
      const fullEvidence = { ...evidence, dbOwner: owner, directoryWritableByDbOwner: dirWritable };
      const fixes = hotJournalFixes(files.db.path, owner);
      if (!journal.headerMagicValid) {
        return {
          status: 'fail',
          messageId: 'hot-unrecognised',
          message: `A -journal of ${formatBytes(journal.sizeBytes)} starts with a non-zero byte and no process holds a write lock, so SQLite treats it as hot, but its header is not a rollback journal header (wrong magic): there is nothing in it to roll back. Until a read-write connection opens the database and deletes it, every read-only connection fails with SQLITE_READONLY_ROLLBACK ("attempt to write a readonly database"): for them the database is unusable now.`,
          evidence: fullEvidence,
          fixes,
        };
      }
      const dirNote =
        dirWritable === false
          ? ` The directory is not writable by the database's owner (${owner ?? 'unknown'}): the rollback can be played back but the journal cannot be deleted, and every open fails with SQLITE_IOERR_DELETE ("disk I/O error").`
          : '';
      return {
        status: 'fail',
        messageId: 'hot',
        message: `Hot journal: a -journal of ${formatBytes(journal.sizeBytes)} with a live header, and no process holds RESERVED or a stronger lock on the database. A writer stopped in the middle of a transaction (killed, crashed, or the machine lost power), and the database file may hold part of that uncommitted transaction until the journal is rolled back. The next connection that opens the database rolls it back automatically, which needs write access: a user who cannot write the database file gets SQLITE_READONLY_ROLLBACK ("attempt to write a readonly database"), one who cannot write the -journal gets SQLITE_CANTOPEN, and one who cannot write the directory gets SQLITE_IOERR_DELETE after the rollback (the journal stays). Never delete or move the -journal, and never copy the database file without it: the file alone is not a consistent database.${dirNote}`,
        evidence: fullEvidence,
        fixes,
      };
    }
    if (writers.length > 0) {
      const names = writers.map((h) => `pid ${h.pid}${h.command ? ` (${shortCommand(h.command)})` : ''}`).join(', ');
      return {
        status: 'pass',
        messageId: 'writer-active',
        message: `A -journal of ${formatBytes(journal.sizeBytes)} belongs to a transaction in progress: ${names} holds a write lock (RESERVED or stronger) on the database, so no connection will roll it back.`,
        evidence: { ...evidence, writerPids: writers.map((h) => h.pid) },
      };
    }
    if (journal.sizeBytes === 0) {
      return {
        status: 'pass',
        messageId: 'empty',
        message: 'The -journal is 0 bytes: what journal_mode=TRUNCATE leaves after each transaction. It is not hot.',
        evidence,
      };
    }
    if (journal.headerZeroed) {
      return {
        status: 'pass',
        messageId: 'zeroed',
        message: `The -journal (${formatBytes(journal.sizeBytes)}) has a zeroed header: what journal_mode=PERSIST leaves after each transaction. It is not hot.`,
        evidence,
      };
    }
    return {
      status: 'pass',
      messageId: 'not-hot',
      message: `The -journal (${formatBytes(journal.sizeBytes)}) starts with a zero byte: SQLite ignores such a journal (pager.c hasHotJournal), so no connection will roll it back.`,
      evidence,
    };
  },
});

function hotJournalFixes(dbPath: string, owner: string | null): Fix[] {
  const open = `sqlite3 ${shellArg(dbPath)} 'PRAGMA integrity_check'`;
  return [
    {
      summary: "Open the database once with a normal read-write connection, as the user that owns it: SQLite rolls the journal back on open; integrity_check then reads every page",
      shell: owner && owner !== 'root' ? `sudo -u ${shellArg(owner)} ${open}` : open,
      docs: DOCS,
      caution: 'Do not delete, rename or move the -journal first, and do not copy the database file without it: that keeps the half-written transaction in the database.',
    },
    {
      summary: 'Find out why the writer died (OOM killer, kill -9, a crash, power loss) before it happens again',
      shell: "journalctl -k --since '-1 day' | grep -i -E 'killed process|out of memory'",
    },
  ];
}
