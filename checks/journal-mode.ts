import { defineCheck } from '../src/check.js';
import { shellArg, walModeFix } from '../src/fixes.js';

export default defineCheck({
  id: 'journal-mode',
  title: 'WAL is enabled in the file',
  failureTitle: 'Readers and writers block each other (rollback journal)',
  description: 'Whether WAL is stored in the database header (file format versions 2/2) or a rollback journal is used.',
  requires: ['header'] as const,
  run({ header, files }, { app }) {
    const evidence = {
      writeVersion: header.writeVersion,
      readVersion: header.readVersion,
      walEnabled: header.walEnabled,
      readOnly: header.readOnly,
      versionsFromWal: header.versionsFromWal ?? false,
      declaredJournalMode: app.journalMode ?? null,
    };
    // btree.c lockBtree: a write version above 2 sets BTS_READ_ONLY (checks/journal-mode.md cites the lines).
    if (header.readOnly) {
      return {
        status: 'fail',
        messageId: 'read-only-format',
        message: `Header byte 18 (the write format version) is ${header.writeVersion}: SQLite opens the file read-only, and every write fails with "attempt to write a readonly database" (SQLITE_READONLY), whatever the locks. It opens in ${header.walEnabled ? 'WAL' : 'rollback-journal'} mode (byte 19 is ${header.readVersion}).`,
        evidence,
        fixes: [
          {
            summary: 'Copy the data into a new file (reading still works), then put the new file in place with the app stopped',
            shell: `sqlite3 ${shellArg(files.db.path)} .dump | sqlite3 ${shellArg(`${files.db.path}.new`)}`,
          },
          {
            summary: `Or, with a backup of the file and no process using it, set byte 18 back to ${header.walEnabled ? 2 : 1} (SQLite itself only writes 1 or 2 there)`,
            shell: `printf '\\00${header.walEnabled ? 2 : 1}' | dd of=${shellArg(files.db.path)} bs=1 seek=18 conv=notrunc`,
            caution: 'Find out first what wrote it: a newer, incompatible file format, or damage.',
          },
        ],
      };
    }
    if (app.journalMode === 'memory' || app.journalMode === 'off') {
      return {
        status: 'fail',
        messageId: 'unsafe-journal',
        message: `The app declares journal_mode=${app.journalMode.toUpperCase()}: a crash or power loss in the middle of a write transaction can corrupt the database, and ROLLBACK ${app.journalMode === 'off' ? 'is undefined' : 'only works while the process lives'}.`,
        evidence,
        fixes: [walModeFix(), { summary: 'Remove the journal_mode=MEMORY/OFF pragma from the app', sql: 'PRAGMA journal_mode = WAL;' }],
      };
    }
    if (header.walEnabled) {
      return {
        status: 'pass',
        messageId: 'wal',
        message: `Header byte 19 (the read format version) is 2 (bytes 18-19 are ${header.writeVersion}/${header.readVersion}): SQLite opens the file in WAL mode, so every connection uses it. Readers do not block the writer and the writer does not block readers.`,
        evidence,
      };
    }
    if (app.journalMode === 'wal') {
      return {
        status: 'warn',
        messageId: 'declared-wal-not-in-file',
        message: `The app declares WAL, but the file says rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}): the switch to WAL has not happened yet, or failed (it needs a moment with no other connection).`,
        evidence,
        fixes: [walModeFix()],
      };
    }
    return {
      status: 'warn',
      messageId: 'rollback',
      message: `Rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}): a writer's commit waits for every reader to finish, and new readers are refused while it commits, so concurrent readers and writers get SQLITE_BUSY.`,
      evidence,
      fixes: [walModeFix()],
    };
  },
});
