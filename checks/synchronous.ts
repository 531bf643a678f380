import { defineCheck } from '../src/core/check.js';
import { perConnectionPragmaFixes } from '../src/sources/sqlite/fixes.js';

const DOCS = 'https://www.sqlite.org/pragma.html#pragma_synchronous';

/** PRAGMA synchronous values (pragma.html#pragma_synchronous). */
const LEVEL = { off: 0, normal: 1, full: 2, extra: 3 } as const;

export default defineCheck({
  id: 'synchronous',
  title: 'Durability trade-off of synchronous',
  failureTitle: 'synchronous risks corruption on power loss',
  description:
    "The app's declared PRAGMA synchronous (per connection) and what it means in this journal mode: durability, corruption risk and fsync cost.",
  source: 'sqlite',
  category: 'audit',
  requires: ['header'],
  defaultSeverity: 'warn',
  messages: {
    undeclared: ['info'],
    off: ['warn'],
    'rollback-normal': ['warn'],
    'wal-normal': ['info'],
    extra: ['info'],
    full: ['info'],
  },
  thresholds: {},
  run({ header }, { app }) {
    const wal = header.walEnabled;
    const mode = wal ? 'WAL' : 'rollback-journal';
    const declared = app.synchronous;
    const evidence = { walEnabled: wal, declaredSynchronous: declared ?? null, declaredLevel: declared ? LEVEL[declared] : null };

    if (declared === undefined) {
      return {
        status: 'info',
        messageId: 'undeclared',
        title: 'synchronous is not declared: the driver\'s default applies',
        message: wal
          ? 'synchronous is per connection and the app has not declared it (--synchronous or the config). Defaults on a WAL database: the C library and the sqlite3 CLI use FULL (2); Python sqlite3 on Debian uses FULL (Debian builds SQLITE_DEFAULT_WAL_SYNCHRONOUS=2); better-sqlite3 uses NORMAL (1), because it is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1. FULL fsyncs the -wal file on every commit, inside the write lock; NORMAL skips that fsync and may lose the last transactions on power loss, but never corrupts a WAL database.'
          : 'synchronous is per connection and the app has not declared it (--synchronous or the config). In rollback-journal mode every main driver defaults to FULL (2), the durable setting: each commit fsyncs the journal and the database while holding the lock.',
        evidence: {
          ...evidence,
          defaultCLibrary: 'full',
          defaultPython: 'full',
          defaultBetterSqlite3: wal ? 'normal' : 'full',
          defaultSqlite3Cli: 'full',
        },
      };
    }

    if (declared === 'off') {
      return {
        status: 'warn',
        messageId: 'off',
        message: `The app declares synchronous=OFF in ${mode} mode: SQLite never waits for data to reach the disk. An app crash loses nothing, but an operating-system crash or a power loss before the OS writes its cache can corrupt the database, not just lose the last transactions.`,
        evidence,
        fixes: perConnectionPragmaFixes(
          wal ? 'Use NORMAL in WAL mode: no fsync per commit, and no corruption on power loss' : 'Use FULL in rollback-journal mode',
          wal ? 'synchronous = NORMAL' : 'synchronous = FULL',
          DOCS,
        ),
      };
    }

    if (declared === 'normal' && !wal) {
      return {
        status: 'warn',
        messageId: 'rollback-normal',
        message:
          'The app declares synchronous=NORMAL with a rollback journal: SQLite skips some of the syncs FULL does, and a power loss at the wrong moment can corrupt the database (SQLite says the chance is very small, on older filesystems), not just lose the last transaction. In WAL mode NORMAL does not have this risk.',
        evidence,
        fixes: [
          ...perConnectionPragmaFixes('Use FULL with a rollback journal', 'synchronous = FULL', DOCS),
          {
            summary: 'Or switch the database to WAL (stored in the file), where NORMAL never corrupts',
            sql: 'PRAGMA journal_mode = WAL;',
            docs: 'https://www.sqlite.org/wal.html',
          },
        ],
      };
    }

    if (declared === 'normal') {
      return {
        status: 'info',
        messageId: 'wal-normal',
        title: 'synchronous=NORMAL in WAL mode: shorter write locks; the last commits may roll back on power loss',
        message:
          'The app declares synchronous=NORMAL in WAL mode: commits do not fsync (only checkpoints do), so the write lock is held for less time. Committed transactions survive an app crash; a power loss or OS crash may roll back the last ones, but never corrupts the database.',
        evidence,
      };
    }

    const extra = declared === 'extra';
    return {
      status: 'info',
      messageId: extra ? 'extra' : 'full',
      title: `synchronous=${declared.toUpperCase()}: durable commits, each one an fsync inside the write lock`,
      message: wal
        ? `The app declares synchronous=${declared.toUpperCase()} in WAL mode: every commit fsyncs the -wal file before it returns, while holding the write lock, so commits survive a power loss but each one costs an fsync that other writers wait out (milliseconds on SSDs, far more on busy or network disks). NORMAL skips that fsync and still never corrupts a WAL database; it may lose the last transactions on power loss.`
        : `The app declares synchronous=${declared.toUpperCase()} with a rollback journal: the durable setting. Each commit fsyncs the journal and the database${extra ? ' and, in DELETE mode, the directory after the journal is deleted' : ''} while holding the lock, so commits survive power loss; those fsyncs are part of how long other connections wait.`,
      evidence,
    };
  },
});
