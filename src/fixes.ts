/**
 * Driver- and framework-specific fixes, shared by the checks that recommend the same change.
 * Each snippet names the real option of that stack; `sql` fixes apply to any stack.
 */
import type { Fix } from './model.js';

export function busyTimeoutFixes(ms = 5000): Fix[] {
  const s = ms / 1000;
  return [
    { summary: `Set the busy timeout on every connection the app opens (${ms} ms)`, sql: `PRAGMA busy_timeout = ${ms};`, docs: 'https://www.sqlite.org/pragma.html#pragma_busy_timeout' },
    { summary: 'Python sqlite3: the timeout argument is in seconds (default 5.0)', stack: 'python', code: `sqlite3.connect(path, timeout=${s})` },
    { summary: 'Django: OPTIONS.timeout in seconds', stack: 'django', code: `DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3", "OPTIONS": {"timeout": ${s}}}}` },
    { summary: 'SQLAlchemy: pass timeout through connect_args', stack: 'sqlalchemy', code: `create_engine("sqlite:///app.db", connect_args={"timeout": ${s}})` },
    { summary: 'better-sqlite3: the timeout option in ms (default 5000)', stack: 'better-sqlite3', code: `new Database(path, { timeout: ${ms} })` },
    { summary: 'node-sqlite3: configure the busy timeout in ms (default 0)', stack: 'node-sqlite3', code: `db.configure('busyTimeout', ${ms});` },
    { summary: 'Go mattn/go-sqlite3: _busy_timeout in the DSN (ms)', stack: 'go', code: `sql.Open("sqlite3", "file:app.db?_busy_timeout=${ms}")` },
    { summary: 'Rails: timeout in config/database.yml (ms)', stack: 'rails', code: `production:\n  adapter: sqlite3\n  database: storage/production.sqlite3\n  timeout: ${ms}` },
    { summary: 'Prisma: socket_timeout in the connection URL (seconds)', stack: 'prisma', code: `DATABASE_URL="file:./app.db?socket_timeout=${s}"` },
  ];
}

export function immediateTransactionFixes(): Fix[] {
  return [
    { summary: 'Start write transactions with BEGIN IMMEDIATE so they wait for the write lock up front (the busy timeout applies)', sql: 'BEGIN IMMEDIATE;', docs: 'https://www.sqlite.org/lang_transaction.html' },
    { summary: 'Python 3.12+: autocommit=False uses explicit transactions; issue BEGIN IMMEDIATE yourself, or isolation_level="IMMEDIATE" before 3.12', stack: 'python', code: 'conn = sqlite3.connect(path, timeout=5, isolation_level="IMMEDIATE")' },
    { summary: 'Django 5.1+: OPTIONS.transaction_mode', stack: 'django', code: '"OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 5}' },
    { summary: 'SQLAlchemy: emit BEGIN IMMEDIATE on begin', stack: 'sqlalchemy', code: '@event.listens_for(engine, "begin")\ndef do_begin(conn):\n    conn.exec_driver_sql("BEGIN IMMEDIATE")', caution: 'Also set isolation_level=None in connect_args so pysqlite does not issue its own BEGIN.' },
    { summary: 'better-sqlite3: run write transactions with .immediate()', stack: 'better-sqlite3', code: 'const tx = db.transaction(fn);\ntx.immediate(args);' },
    { summary: 'node-sqlite3: begin write transactions explicitly', stack: 'node-sqlite3', code: "db.run('BEGIN IMMEDIATE');" },
    { summary: 'Go mattn/go-sqlite3: _txlock=immediate in the DSN', stack: 'go', code: 'sql.Open("sqlite3", "file:app.db?_txlock=immediate&_busy_timeout=5000")' },
    { summary: 'Rails 7.1+: transactions already use BEGIN IMMEDIATE (default_transaction_mode); upgrade older apps', stack: 'rails', code: '# Gemfile\ngem "rails", ">= 7.1"' },
  ];
}

export function walModeFix(): Fix {
  return {
    summary: 'Switch the database to WAL once: readers and the writer stop blocking each other, and the setting is stored in the file',
    sql: 'PRAGMA journal_mode = WAL;',
    docs: 'https://www.sqlite.org/wal.html',
    caution: 'Needs a moment with no other connection writing; every process must be on the same host (not on a network filesystem).',
  };
}
