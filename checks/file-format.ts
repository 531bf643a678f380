import { defineCheck } from '../src/core/check.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';

export default defineCheck({
  id: 'file-format',
  title: 'SQLite can open the file read-write',
  failureTitle: 'SQLite opens the database read-only (header byte 18)',
  description: "Whether SQLite can open the file read-write, from header byte 18 (the write format version) as SQLite's lockBtree reads it.",
  source: 'sqlite',
  category: 'audit',
  requires: ['header', 'files'],
  defaultSeverity: 'fail',
  messages: {
    'malformed-size': ['fail'],
    'read-only-format': ['fail'],
    'read-write': ['pass'],
  },
  thresholds: {},
  run({ header, files }) {
    const evidence = {
      writeVersion: header.writeVersion,
      readVersion: header.readVersion,
      readOnly: header.readOnly,
      versionsFromWal: header.versionsFromWal ?? false,
    };
    const where = header.versionsFromWal ? 'the newest committed copy of page 1, in the -wal (SQLite reads that one, not the file\'s)' : 'the database header';
    if (header.sizeBeyondFile) {
      const { headerPages, pages, from } = header.sizeBeyondFile;
      return {
        status: 'fail',
        messageId: 'malformed-size',
        message: `The header says the database has ${headerPages} pages (offset 28, valid since offset 92 matches the change counter), but SQLite finds only ${pages}: ${from === 'wal' ? "that is the database size recorded by the -wal's last commit frame" : `the file is ${files.db.sizeBytes ?? 0} bytes`}. SQLite's lockBtree then fails with "database disk image is malformed" (SQLITE_CORRUPT) on every open: the database is unusable, whatever the locks.`,
        evidence: { ...evidence, headerPages, pagesFound: pages, pagesFrom: from },
        fixes: [
          {
            summary: 'Stop the app, keep a copy of the database and its -wal, and recover what SQLite can still read into a new file',
            shell: `sqlite3 ${shellArg(files.db.path)} .recover | sqlite3 ${shellArg(`${files.db.path}.recovered`)}`,
            docs: 'https://www.sqlite.org/recovery.html',
          },
        ],
      };
    }
    // btree.c lockBtree: `if( page1[18]>2 ) pBt->btsFlags |= BTS_READ_ONLY;` (checks/file-format.md cites the lines).
    if (header.readOnly) {
      const db = files.db.path;
      return {
        status: 'fail',
        messageId: 'read-only-format',
        message: `Byte 18 of ${where} (the write format version) is ${header.writeVersion}: SQLite opens the file read-only, and every write fails with "attempt to write a readonly database" (SQLITE_READONLY), whatever the locks and permissions. Reads work (in ${header.walEnabled ? 'WAL' : 'rollback-journal'} mode: byte 19 is ${header.readVersion}).`,
        evidence,
        fixes: [
          {
            summary: 'Copy the data into a new file (reading still works), then put the new file in place with the app stopped',
            shell: `sqlite3 ${shellArg(db)} .dump | sqlite3 ${shellArg(`${db}.new`)}`,
          },
          {
            summary: `Or, with a backup of the file and no process using it, set byte 18 back to ${header.walEnabled ? 2 : 1} (SQLite itself writes only 1 or 2 there)`,
            shell: `printf '\\00${header.walEnabled ? 2 : 1}' | dd of=${shellArg(db)} bs=1 seek=18 conv=notrunc`,
            caution: 'Find out first what wrote it: a newer, incompatible file format, or damage.',
          },
        ],
      };
    }
    return {
      status: 'pass',
      messageId: 'read-write',
      message: `Bytes 18-19 of ${where} are ${header.writeVersion}/${header.readVersion}: SQLite opens the file read-write, in ${header.walEnabled ? 'WAL' : 'rollback-journal'} mode.`,
      evidence,
    };
  },
});
