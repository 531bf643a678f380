import { defineCheck } from '../src/core/check.js';
import { immediateTransactionFixes, walModeFix } from '../src/sources/sqlite/fixes.js';
import { upgradeTrapVerdict } from '../src/sources/sqlite/stacks.js';

export default defineCheck({
  id: 'journal-mode',
  title: 'WAL is enabled in the file',
  failureTitle: 'Readers and writers block each other (rollback journal)',
  description: 'Whether WAL is stored in the database header (read format version, byte 19, is 2) or a rollback journal is used.',
  source: 'sqlite',
  category: 'audit',
  requires: ['header'],
  defaultSeverity: 'fail',
  messages: {
    'unsafe-journal': ['fail'],
    wal: ['pass'],
    'declared-wal-not-in-file': ['warn'],
    'rollback-deferred': ['warn'],
    rollback: ['warn'],
  },
  thresholds: {},
  run({ header }, { app, stack }) {
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
    // WAL stops readers and the writer blocking each other, not the deferred upgrade trap (checks/transaction-mode.md:
    // SQLITE_BUSY_SNAPSHOT in WAL): unless the app's transactions are known not to be trapped, say so and list
    // BEGIN IMMEDIATE beside WAL.
    const trap = upgradeTrapVerdict(app, stack);
    if (trap.trapped !== 'no') {
      const why =
        trap.trapped === 'yes'
          ? `the app's transactions are deferred (${trap.source === 'declared' ? 'declared' : `${stack}'s default`}) and begin before they read`
          : 'the transaction mode is not declared, and deferred transactions that begin before they read are the common case';
      return {
        status: 'warn',
        messageId: 'rollback-deferred',
        message: `Rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}): a writer's commit waits for every reader to finish, and new readers are refused while it commits, so concurrent readers and writers get SQLITE_BUSY. WAL alone does not stop the read-then-write failures: ${why}, and in WAL such a transaction still fails at once (SQLITE_BUSY_SNAPSHOT) whatever the busy timeout (see transaction-mode). Switch to WAL and begin read-then-write transactions with BEGIN IMMEDIATE.`,
        evidence: { ...evidence, transactionModeSource: trap.source, upgradeTrap: trap.trapped },
        fixes: [walModeFix(), ...immediateTransactionFixes()],
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
