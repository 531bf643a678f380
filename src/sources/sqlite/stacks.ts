/**
 * What each stack does when the app does not say otherwise: its busy timeout, its synchronous level, and when
 * its unit of work begins the SQLite transaction. The single place that knows this; checks (transaction-mode,
 * busy-timeout, journal-mode) and the stress knobs read it, and every value carries where it was verified.
 *
 * A `source` is a URL, a repository file:line (with the version or commit read), or "measured here: <how>"
 * (on this machine, test/stacks.test.ts and checks/transaction-mode.md). A value nobody verified is null /
 * 'unknown', never a guess. test/stacks.test.ts reads the busy timeout and synchronous values back from every stack
 * installed here (Python sqlite3, Django, SQLAlchemy, peewee, better-sqlite3, node-sqlite3, the sqlite3 CLI), and
 * test/apps/upgrade-trap.test.ts checks the transaction behaviour of the trapped ones against the real stack.
 */
import type { Stack } from '../../core/model.js';

/**
 * When the stack's unit of work (its transaction helper) begins the SQLite transaction, relative to its first read.
 * - `begins-before-read`: a deferred BEGIN before the first statement, so a read then a write inside it is the
 *   upgrade trap: SQLITE_BUSY at once, whatever the busy timeout (checks/transaction-mode.md).
 * - `begins-at-first-write`: the driver issues BEGIN only before the first INSERT/UPDATE/DELETE, so the SELECT runs
 *   outside the transaction and the write's BEGIN waits in the busy handler (checks/transaction-mode.md): not trapped, not atomic either.
 * - `immediate`: the helper begins with BEGIN IMMEDIATE (waits for the write lock up front).
 * - `explicit`: no transaction helper; the app writes BEGIN itself (a plain BEGIN is deferred).
 * - `unknown`: not verified, or depends on the version in a way lockscope cannot see.
 */
export type TransactionBehaviour = 'begins-before-read' | 'begins-at-first-write' | 'immediate' | 'explicit' | 'unknown';

export type SynchronousLevel = 'off' | 'normal' | 'full' | 'extra';

export interface Cited<T> {
  value: T;
  /** URL, repository file:line, or "measured here: <how>". */
  source: string;
  /** When the value depends on something (the underlying driver, a version): what. */
  note?: string;
}

export interface StackDefaults {
  id: Stack;
  /** How the stack is named in messages. */
  name: string;
  /** Busy timeout a connection gets when the app sets none, in ms; null = not known (depends on the driver, …). */
  busyTimeoutMs: Cited<number | null>;
  /** PRAGMA synchronous on a connection opened on a database already in WAL mode; null = not measured. */
  synchronousWal: Cited<SynchronousLevel | null>;
  /** PRAGMA synchronous in rollback-journal mode; null = not measured. */
  synchronousRollback: Cited<SynchronousLevel | null>;
  /** When the stack's unit of work begins the transaction. `helper` names that unit of work. */
  transaction: Cited<TransactionBehaviour> & { helper: string };
}

const PY_CONNECT_DOCS = 'https://docs.python.org/3/library/sqlite3.html#sqlite3.connect';
const PY_TX_DOCS = 'https://docs.python.org/3/library/sqlite3.html#sqlite3-transaction-control';
const MEASURED_PY_SYNC = 'measured here: PRAGMA synchronous on a Debian python3 sqlite3 connection (SQLite 3.40.1) to a WAL and to a rollback database read 2 (test/stacks.test.ts)';

export const STACK_DEFAULTS: Readonly<Record<Stack, StackDefaults>> = {
  python: {
    id: 'python',
    name: 'Python sqlite3',
    busyTimeoutMs: { value: 5000, source: `${PY_CONNECT_DOCS} (timeout=5.0); measured here: PRAGMA busy_timeout read 5000 (test/stacks.test.ts)` },
    synchronousWal: { value: 'full', source: MEASURED_PY_SYNC, note: 'follows the SQLite library Python links: Debian builds it with DEFAULT_WAL_SYNCHRONOUS=2' },
    synchronousRollback: { value: 'full', source: MEASURED_PY_SYNC },
    transaction: {
      value: 'begins-at-first-write',
      helper: 'the implicit BEGIN before INSERT/UPDATE/DELETE (isolation_level="", the legacy default)',
      source: `${PY_TX_DOCS}; measured here: a SELECT then an UPDATE waited 0.83 s in the busy handler and succeeded (checks/transaction-mode.md)`,
      note: 'An app that begins explicitly (isolation_level=None + execute("BEGIN"), or Python 3.12+ autocommit=False, which keeps a BEGIN DEFERRED transaction always open: https://docs.python.org/3/library/sqlite3.html#sqlite3-transaction-control-autocommit) is trapped.',
    },
  },
  django: {
    id: 'django',
    name: 'Django',
    busyTimeoutMs: {
      value: 5000,
      source: "django/db/backends/sqlite3/base.py:177-205 (Django 3.2.25): get_connection_params() passes OPTIONS to sqlite3.connect() and sets no timeout, so Python's 5.0 s applies; measured here in fixtures/apps/django",
    },
    synchronousWal: { value: 'full', source: `${MEASURED_PY_SYNC}; Django sets no synchronous pragma` },
    synchronousRollback: { value: 'full', source: MEASURED_PY_SYNC },
    transaction: {
      value: 'begins-before-read',
      helper: 'transaction.atomic()',
      source:
        'django/db/backends/sqlite3/base.py:397-404 (Django 3.2.25): _start_transaction_under_autocommit() executes "BEGIN", called on entering atomic() (django/db/backends/base/base.py:404-413); Django 5.1+ keeps a plain BEGIN unless OPTIONS.transaction_mode is set (https://docs.djangoproject.com/en/5.1/ref/databases/#sqlite-transaction-behavior); measured here: fixtures/apps/django gets "database is locked" at once',
    },
  },
  sqlalchemy: {
    id: 'sqlalchemy',
    name: 'SQLAlchemy (pysqlite)',
    busyTimeoutMs: { value: 5000, source: "measured here: create_engine('sqlite:///…') (SQLAlchemy 1.4.46), PRAGMA busy_timeout read 5000 (pysqlite's sqlite3.connect default)" },
    synchronousWal: { value: 'full', source: 'measured here: PRAGMA synchronous through create_engine on a WAL database read 2' },
    synchronousRollback: { value: 'full', source: 'measured here: PRAGMA synchronous through create_engine on a rollback database read 2' },
    transaction: {
      value: 'begins-at-first-write',
      helper: "Session / engine.begin() with pysqlite's own BEGIN",
      source:
        'sqlalchemy/dialects/sqlite/pysqlite.py:340-396 (1.4.46, "Serializable isolation / Savepoints / Transactional DDL"): pysqlite defers BEGIN to the first write; measured here: a SELECT then an UPDATE waited and succeeded (checks/transaction-mode.md)',
      note: 'With the documented recipe (isolation_level=None and a "begin" event that emits BEGIN) the transaction begins before the read and is trapped.',
    },
  },
  peewee: {
    id: 'peewee',
    name: 'peewee',
    busyTimeoutMs: { value: 5000, source: 'peewee.py:3439 (3.14.10): SqliteDatabase.init(timeout=5) passed to sqlite3.connect (peewee.py:3453); measured here: PRAGMA busy_timeout read 5000' },
    synchronousWal: { value: 'full', source: 'measured here: PRAGMA synchronous through peewee.SqliteDatabase (3.14.10) on a WAL database read 2' },
    synchronousRollback: { value: 'full', source: 'measured here: same on a rollback database read 2' },
    transaction: {
      value: 'begins-before-read',
      helper: 'db.atomic()',
      source:
        'peewee.py:3453-3454 (3.14.10): connections use isolation_level=None; peewee.py:3666-3667: begin() executes "BEGIN" unless a lock_type is given; atomic() → transaction() → begin() (peewee.py:4222-4249); measured here: fixtures/apps/peewee gets "database is locked" at once',
    },
  },
  'better-sqlite3': {
    id: 'better-sqlite3',
    name: 'better-sqlite3',
    busyTimeoutMs: { value: 5000, source: 'better-sqlite3 lib/database.js:34 (12.x): timeout defaults to 5000; measured here (test/stacks.test.ts)' },
    synchronousWal: { value: 'normal', source: 'measured here: a new better-sqlite3 12 connection on an existing WAL database reads synchronous=1 (built with DEFAULT_WAL_SYNCHRONOUS=1; test/stacks.test.ts)' },
    synchronousRollback: { value: 'full', source: 'measured here: synchronous=2 on a rollback database (test/stacks.test.ts)' },
    transaction: {
      value: 'begins-before-read',
      helper: 'db.transaction(fn)()',
      source: "better-sqlite3 lib/methods/transaction.js:42 (12.x): the default variant begins with 'BEGIN'; .immediate() uses 'BEGIN IMMEDIATE' (line 44); measured here: checks/transaction-mode.md and fixtures/apps/better-sqlite3",
    },
  },
  'node-sqlite3': {
    id: 'node-sqlite3',
    name: 'node-sqlite3',
    busyTimeoutMs: { value: 1000, source: 'node-sqlite3 src/database.cc:175 (6.0.1): sqlite3_busy_timeout(db, 1000) at open; measured here: PRAGMA busy_timeout read 1000' },
    synchronousWal: { value: 'full', source: 'measured here: PRAGMA synchronous through sqlite3 6.0.1 on a WAL database read 2' },
    synchronousRollback: { value: 'full', source: 'measured here: same on a rollback database read 2' },
    transaction: { value: 'explicit', helper: "db.run('BEGIN')", source: 'node-sqlite3 6.0.1 has no transaction helper (its lib/sqlite3.js and lib/sqlite3.d.ts name no transaction or BEGIN): the app runs BEGIN itself, and a plain BEGIN is deferred (https://www.sqlite.org/lang_transaction.html)' },
  },
  go: {
    id: 'go',
    name: 'Go mattn/go-sqlite3',
    busyTimeoutMs: { value: 5000, source: 'mattn/go-sqlite3 sqlite3.go:1201 (commit f9fc7aaf): busyTimeout := 5000 unless _busy_timeout is in the DSN' },
    synchronousWal: { value: 'normal', source: 'mattn/go-sqlite3 sqlite3.go:1211 and 1864 (commit f9fc7aaf): every connection runs PRAGMA synchronous = NORMAL unless _sync is in the DSN' },
    synchronousRollback: { value: 'normal', source: 'mattn/go-sqlite3 sqlite3.go:1211 and 1864 (commit f9fc7aaf)' },
    transaction: {
      value: 'begins-before-read',
      helper: 'db.BeginTx()',
      source: 'mattn/go-sqlite3 sqlite3.go:1197 (txlock := "BEGIN") and 1071-1076 (begin() executes it), commit f9fc7aaf; _txlock=immediate makes it BEGIN IMMEDIATE (sqlite3.go:1267-1276)',
    },
  },
  rails: {
    id: 'rails',
    name: 'Rails (Active Record)',
    busyTimeoutMs: { value: null, source: 'the generated config/database.yml sets timeout: 5000; the adapter default was not verified', note: 'declare it with --busy-timeout' },
    synchronousWal: { value: null, source: 'not verified' },
    synchronousRollback: { value: null, source: 'not verified' },
    transaction: {
      value: 'unknown',
      helper: 'ActiveRecord::Base.transaction',
      source:
        'activerecord/lib/active_record/connection_adapters/sqlite3/database_statements.rb: rails/rails main (commit 082a7c23) and 8.0.0 (https://apidock.com/rails/v8.0.0/ActiveRecord/ConnectionAdapters/SQLite3/DatabaseStatements/begin_db_transaction) begin with internal_begin_transaction(:immediate); 6.0 began with @connection.transaction, a deferred BEGIN (https://apidock.com/rails/v6.0.0/ActiveRecord/ConnectionAdapters/SQLite3/DatabaseStatements/begin_db_transaction); changed by https://github.com/rails/rails/pull/50371',
      note: 'depends on the Rails version: declare --tx',
    },
  },
  prisma: {
    id: 'prisma',
    name: 'Prisma',
    busyTimeoutMs: { value: null, source: 'not verified' },
    synchronousWal: { value: null, source: 'not verified' },
    synchronousRollback: { value: null, source: 'not verified' },
    transaction: { value: 'unknown', helper: 'prisma.$transaction()', source: 'not verified', note: 'declare --tx' },
  },
  knex: {
    id: 'knex',
    name: 'knex',
    busyTimeoutMs: {
      value: null,
      source: 'knex sets none (lib/dialects/better-sqlite3/index.js:11-16, lib/dialects/sqlite3/index.js:95-115, knex 3.3.0): the driver default applies',
      note: "the client's: better-sqlite3 5000 ms, sqlite3 (node-sqlite3) 1000 ms",
    },
    synchronousWal: { value: null, source: "the client driver's (better-sqlite3: normal; node-sqlite3: full)", note: 'depends on the client' },
    synchronousRollback: { value: 'full', source: 'measured here for both clients (better-sqlite3 and node-sqlite3 read 2 on a rollback database)' },
    transaction: {
      value: 'begins-before-read',
      helper: 'knex.transaction()',
      source:
        "knex lib/dialects/sqlite3/execution/sqlite-transaction.js:168 (3.3.0): begin() runs 'BEGIN;' for both the sqlite3 and better-sqlite3 clients (lib/dialects/better-sqlite3/index.js:5 extends the sqlite3 client); measured here: fixtures/apps/knex",
    },
  },
  sequelize: {
    id: 'sequelize',
    name: 'Sequelize',
    busyTimeoutMs: { value: 1000, source: "sequelize lib/dialects/sqlite/connection-manager.js:50 (6.37.8) opens node-sqlite3 and sets no busy timeout, so node-sqlite3's 1000 ms applies (src/database.cc:175)" },
    synchronousWal: { value: 'full', source: "node-sqlite3's: measured here, synchronous read 2 on a WAL database" },
    synchronousRollback: { value: 'full', source: "node-sqlite3's: measured here, synchronous read 2 on a rollback database" },
    transaction: {
      value: 'begins-before-read',
      helper: 'sequelize.transaction()',
      source: 'sequelize lib/dialects/sqlite/query-generator.js:332 (6.37.8): BEGIN ${type} TRANSACTION, with transactionType DEFERRED by default (lib/sequelize.js:126)',
    },
  },
  drizzle: {
    id: 'drizzle',
    name: 'drizzle-orm (better-sqlite3)',
    busyTimeoutMs: { value: 5000, source: 'drizzle wraps the better-sqlite3 Database the app opens: better-sqlite3 lib/database.js:34 (5000 ms)', note: 'for drizzle over better-sqlite3' },
    synchronousWal: { value: 'normal', source: "better-sqlite3's, measured here (test/stacks.test.ts)" },
    synchronousRollback: { value: 'full', source: "better-sqlite3's, measured here" },
    transaction: {
      value: 'begins-before-read',
      helper: 'db.transaction(fn)',
      source: 'drizzle-orm better-sqlite3/session.js:40 (0.45.4): nativeTx[config.behavior ?? "deferred"], i.e. better-sqlite3\'s BEGIN DEFERRED; measured here: fixtures/apps/drizzle',
    },
  },
  'node-sqlite': {
    id: 'node-sqlite',
    name: 'node:sqlite',
    busyTimeoutMs: { value: 0, source: 'https://nodejs.org/api/sqlite.html#new-databasesyncpath-options: timeout, Default: 0 (added by nodejs/node#57752)' },
    synchronousWal: { value: null, source: 'not measured (Node 20 here has no node:sqlite)' },
    synchronousRollback: { value: null, source: 'not measured (Node 20 here has no node:sqlite)' },
    transaction: { value: 'explicit', helper: "db.exec('BEGIN')", source: 'https://nodejs.org/api/sqlite.html: DatabaseSync has no transaction helper; the app runs BEGIN itself' },
  },
  'sqlite3-cli': {
    id: 'sqlite3-cli',
    name: 'the sqlite3 CLI',
    busyTimeoutMs: { value: 0, source: 'measured here: sqlite3 3.40.1, PRAGMA busy_timeout read 0 (test/stacks.test.ts)' },
    synchronousWal: { value: 'full', source: 'measured here: PRAGMA synchronous read 2 on a WAL database' },
    synchronousRollback: { value: 'full', source: 'measured here: PRAGMA synchronous read 2 on a rollback database' },
    transaction: { value: 'explicit', helper: 'BEGIN; … COMMIT;', source: 'https://www.sqlite.org/lang_transaction.html: a plain BEGIN is DEFERRED' },
  },
  laravel: {
    id: 'laravel',
    name: 'Laravel',
    busyTimeoutMs: {
      value: 60000,
      source:
        "Laravel 12 runs PRAGMA busy_timeout only when 'busy_timeout' is configured (src/Illuminate/Database/Connectors/SQLiteConnector.php:110-116, laravel/framework commit bd71b45f; there since v12.0.0, #54588); otherwise PDO's: php-src ext/pdo_sqlite/sqlite_driver.c pdo_sqlite_handle_factory, timeout = 60 s → sqlite3_busy_timeout(60000)",
    },
    synchronousWal: { value: null, source: 'not measured (follows the libsqlite3 PHP links)' },
    synchronousRollback: { value: null, source: 'not measured' },
    transaction: {
      value: 'begins-before-read',
      helper: 'DB::transaction()',
      source:
        "src/Illuminate/Database/SQLiteConnection.php:28-39 (laravel/framework commit bd71b45f): BEGIN {transaction_mode ?? 'DEFERRED'} TRANSACTION on PHP 8.4+, else PDO::beginTransaction(), which pdo_sqlite runs as BEGIN (php-src ext/pdo_sqlite/sqlite_driver.c sqlite_handle_begin)",
    },
  },
};

/** The defaults of one stack (every Stack has an entry). */
export function stackDefaults(stack: Stack): StackDefaults {
  return STACK_DEFAULTS[stack];
}

/** The synchronous level a stack's connections use in a journal mode; null when not known. */
export function stackSynchronous(stack: Stack, walMode: boolean): SynchronousLevel | null {
  const d = STACK_DEFAULTS[stack];
  return (walMode ? d.synchronousWal : d.synchronousRollback).value;
}

/** Stacks whose unit of work begins before the first read by default: they fall into the upgrade trap. */
export function stacksWithTransaction(behaviour: TransactionBehaviour): Stack[] {
  return (Object.keys(STACK_DEFAULTS) as Stack[]).filter((s) => STACK_DEFAULTS[s].transaction.value === behaviour);
}

/** Where the transaction mode lockscope reasons about comes from. */
export type TransactionSource = 'declared' | 'stack-default' | 'undeclared';

/**
 * Whether the app's read-then-write units of work fall into the deferred upgrade trap (checks/transaction-mode.md):
 * `yes` = they begin (deferred) before their first read and more than one connection may write; `no` = they do
 * not (IMMEDIATE/EXCLUSIVE, one writer, or a BEGIN that waits for the first write); `unknown` = not declared and the
 * stack does not settle it.
 */
export interface UpgradeTrapVerdict {
  trapped: 'yes' | 'no' | 'unknown';
  source: TransactionSource;
  /** The declared mode (--tx / app.transactionMode), when declared. */
  declaredMode?: 'deferred' | 'immediate' | 'exclusive';
  /** The stack's default behaviour, when a stack is known and the mode is not declared. */
  stackBehaviour?: TransactionBehaviour;
  /** The declared number of writing connections (app.writers), when declared. */
  writers?: number;
}

export function upgradeTrapVerdict(
  app: { transactionMode?: 'deferred' | 'immediate' | 'exclusive'; writers?: number },
  stack: Stack | undefined,
): UpgradeTrapVerdict {
  const base = { ...(app.writers !== undefined ? { writers: app.writers } : {}) };
  const oneWriter = app.writers === 1;
  if (app.transactionMode) {
    const declared = { ...base, source: 'declared' as const, declaredMode: app.transactionMode };
    if (app.transactionMode !== 'deferred' || oneWriter) return { ...declared, trapped: 'no' };
    return { ...declared, trapped: 'yes' };
  }
  if (stack) {
    const behaviour = STACK_DEFAULTS[stack].transaction.value;
    const fromStack = { ...base, source: 'stack-default' as const, stackBehaviour: behaviour };
    if (oneWriter || behaviour === 'immediate' || behaviour === 'begins-at-first-write') return { ...fromStack, trapped: 'no' };
    if (behaviour === 'begins-before-read') return { ...fromStack, trapped: 'yes' };
    return { ...fromStack, trapped: 'unknown' };
  }
  return { ...base, source: 'undeclared', trapped: oneWriter ? 'no' : 'unknown' };
}
