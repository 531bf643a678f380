import { defineCheck } from '../src/check.js';
import { walModeFix } from '../src/fixes.js';

export default defineCheck({
  id: 'journal-mode',
  title: 'WAL is enabled in the file',
  failureTitle: 'Readers and writers block each other (rollback journal)',
  description: 'Whether WAL is stored in the database header (read format version, byte 19, is 2) or a rollback journal is used.',
  requires: ['header'] as const,
  run({ header }, { app }) {
    const evidence = {
      writeVersion: header.writeVersion,
      readVersion: header.readVersion,
      walEnabled: header.walEnabled,
      declaredJournalMode: app.journalMode ?? null,
    };
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
