/**
 * Driver- and framework-specific fixes, shared by the checks that recommend the same change.
 * Each snippet names the real option of that stack; `sql` fixes apply to any stack.
 */
import { escapeControlHex } from '../../core/escape.js';
import type { Fix } from '../../core/model.js';

export function busyTimeoutFixes(ms = 5000): Fix[] {
  const s = ms / 1000;
  return [
    { summary: `Set the busy timeout on every connection the app opens (${ms} ms)`, sql: `PRAGMA busy_timeout = ${ms};`, docs: 'https://www.sqlite.org/pragma.html#pragma_busy_timeout' },
    { summary: 'Python sqlite3: the timeout argument is in seconds (default 5.0)', stack: 'python', code: `sqlite3.connect(path, timeout=${s})` },
    { summary: 'Django: OPTIONS.timeout in seconds', stack: 'django', code: `DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3", "OPTIONS": {"timeout": ${s}}}}` },
    { summary: 'SQLAlchemy: pass timeout through connect_args', stack: 'sqlalchemy', code: `create_engine("sqlite:///app.db", connect_args={"timeout": ${s}})` },
    { summary: 'better-sqlite3: the timeout option in ms (default 5000)', stack: 'better-sqlite3', code: `new Database(path, { timeout: ${ms} })` },
    { summary: 'node-sqlite3: configure the busy timeout in ms (it sets 1000 ms at open)', stack: 'node-sqlite3', code: `db.configure('busyTimeout', ${ms});` },
    { summary: 'Go mattn/go-sqlite3: _busy_timeout in the DSN (ms)', stack: 'go', code: `sql.Open("sqlite3", "file:app.db?_busy_timeout=${ms}")` },
    { summary: 'Rails: timeout in config/database.yml (ms)', stack: 'rails', code: `production:\n  adapter: sqlite3\n  database: storage/production.sqlite3\n  timeout: ${ms}` },
    { summary: 'peewee: the timeout argument is in seconds (default 5)', stack: 'peewee', code: `db = SqliteDatabase("app.db", timeout=${s})` },
    {
      summary: 'knex: knex passes no timeout to the driver; set it on every pooled connection in pool.afterCreate',
      stack: 'knex',
      code: `knex({\n  client: 'better-sqlite3',\n  connection: { filename: 'app.db' },\n  useNullAsDefault: true,\n  pool: { afterCreate: (conn, done) => { conn.pragma('busy_timeout = ${ms}'); done(null, conn); } },\n})`,
      caution: "With client 'sqlite3' (node-sqlite3) use conn.configure('busyTimeout', " + String(ms) + ') instead of conn.pragma.',
    },
    { summary: 'drizzle (better-sqlite3): set the timeout on the Database you hand to drizzle', stack: 'drizzle', code: `const sqlite = new Database('app.db', { timeout: ${ms} });\nconst db = drizzle(sqlite);` },
    { summary: 'node:sqlite: the timeout option in ms (default 0; Node 22.16+/23.10+)', stack: 'node-sqlite', code: `const db = new DatabaseSync('app.db', { timeout: ${ms} });`, docs: 'https://nodejs.org/api/sqlite.html#new-databasesyncpath-options' },
    { summary: 'sqlite3 CLI: .timeout in ms (default 0), first thing in the session or script', stack: 'sqlite3-cli', shell: `sqlite3 -cmd '.timeout ${ms}' app.db` },
    { summary: "Laravel 12: 'busy_timeout' in the sqlite connection of config/database.php (ms); unset, PDO's 60 s applies", stack: 'laravel', docs: 'https://github.com/laravel/framework/pull/54588', code: `'sqlite' => [\n    'driver' => 'sqlite',\n    'database' => database_path('database.sqlite'),\n    'busy_timeout' => ${ms},\n],` },
    {
      summary: 'Prisma: run the PRAGMA through the client; with connection_limit=1 in the URL every query uses that one connection',
      stack: 'prisma',
      code: `DATABASE_URL="file:./app.db?connection_limit=1"\nawait prisma.$queryRawUnsafe('PRAGMA busy_timeout = ${ms}');`,
      caution: 'Prisma pools connections: with more than one, the PRAGMA reaches only the connection that ran it.',
    },
  ];
}

export function immediateTransactionFixes(): Fix[] {
  return [
    { summary: 'Start write transactions with BEGIN IMMEDIATE so they wait for the write lock up front (the busy timeout applies)', sql: 'BEGIN IMMEDIATE;', docs: 'https://www.sqlite.org/lang_transaction.html' },
    { summary: 'Python sqlite3: isolation_level="IMMEDIATE" makes the implicit BEGIN before a write an IMMEDIATE one (with the default legacy transaction control)', stack: 'python', code: 'conn = sqlite3.connect(path, timeout=5, isolation_level="IMMEDIATE")', caution: 'The implicit BEGIN comes before the first INSERT/UPDATE/DELETE, not before a SELECT: a transaction that reads first still reads outside it. Begin explicitly (conn.execute("BEGIN IMMEDIATE")) around read-then-write work.' },
    { summary: 'Django 5.1+: OPTIONS.transaction_mode', stack: 'django', code: '"OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 5}', docs: 'https://docs.djangoproject.com/en/5.1/ref/databases/#sqlite-transaction-behavior' },
    {
      summary: 'Django before 5.1 (no transaction_mode): a backend of your own whose atomic() begins with BEGIN IMMEDIATE',
      stack: 'django',
      code:
        '# myproject/sqlite_immediate/__init__.py (empty) and myproject/sqlite_immediate/base.py:\nfrom django.db.backends.sqlite3 import base\n\n\nclass DatabaseWrapper(base.DatabaseWrapper):\n    def _start_transaction_under_autocommit(self):\n        self.cursor().execute("BEGIN IMMEDIATE")\n\n# settings.py\nDATABASES = {"default": {"ENGINE": "myproject.sqlite_immediate", "NAME": BASE_DIR / "db.sqlite3", "OPTIONS": {"timeout": 5}}}',
      caution: 'Every atomic() block then takes the write lock, read-only ones too. Django calls this method when atomic() opens the outermost transaction (django/db/backends/sqlite3/base.py, 3.2).',
    },
    { summary: 'SQLAlchemy: emit BEGIN IMMEDIATE on begin', stack: 'sqlalchemy', code: '@event.listens_for(engine, "begin")\ndef do_begin(conn):\n    conn.exec_driver_sql("BEGIN IMMEDIATE")', caution: 'Also set isolation_level=None in connect_args so pysqlite does not issue its own BEGIN.' },
    { summary: 'better-sqlite3: run write transactions with .immediate()', stack: 'better-sqlite3', code: 'const tx = db.transaction(fn);\ntx.immediate(args);' },
    { summary: 'node-sqlite3: begin write transactions explicitly', stack: 'node-sqlite3', code: "db.run('BEGIN IMMEDIATE');" },
    { summary: 'peewee: give atomic() the lock type', stack: 'peewee', code: 'with db.atomic("IMMEDIATE"):\n    ...' },
    {
      summary: "knex: knex.transaction() always runs 'BEGIN;' (its sqlite transaction class): use a client whose transactions begin IMMEDIATE",
      stack: 'knex',
      code:
        "const Client = require('knex/lib/dialects/better-sqlite3');\nconst SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction');\n\nclass ImmediateTransaction extends SqliteTransaction {\n  begin(conn) { return this.query(conn, 'BEGIN IMMEDIATE;'); }\n}\nclass ImmediateClient extends Client {\n  transaction(...args) { return new ImmediateTransaction(this, ...args); }\n}\n\nconst db = knex({ client: ImmediateClient, connection: { filename: 'app.db' }, useNullAsDefault: true });",
      caution: 'Uses knex internals (lib/dialects/…, knex 3.x): check it after upgrading knex. With the sqlite3 client, extend knex/lib/dialects/sqlite3 instead.',
    },
    {
      summary: 'Sequelize: transactionType IMMEDIATE for every transaction (or { type: Transaction.TYPES.IMMEDIATE } per transaction)',
      stack: 'sequelize',
      code: "const sequelize = new Sequelize({ dialect: 'sqlite', storage: 'app.db', transactionType: 'IMMEDIATE' });",
    },
    { summary: "drizzle (better-sqlite3): behavior: 'immediate'", stack: 'drizzle', code: "db.transaction((tx) => { /* … */ }, { behavior: 'immediate' });" },
    { summary: 'node:sqlite: begin write transactions explicitly', stack: 'node-sqlite', code: "db.exec('BEGIN IMMEDIATE');\n// … reads and writes …\ndb.exec('COMMIT');" },
    { summary: 'sqlite3 CLI: begin with BEGIN IMMEDIATE (and set .timeout, 0 by default)', stack: 'sqlite3-cli', code: '.timeout 5000\nBEGIN IMMEDIATE;\n-- … reads and writes …\nCOMMIT;' },
    {
      summary: "Laravel 12.26+ on PHP 8.4+: 'transaction_mode' => 'IMMEDIATE' in the sqlite connection",
      stack: 'laravel',
      code: "'sqlite' => [\n    'driver' => 'sqlite',\n    'database' => database_path('database.sqlite'),\n    'transaction_mode' => 'IMMEDIATE',\n],",
      caution: 'Older Laravel or PHP below 8.4 begin with PDO::beginTransaction(), a plain BEGIN: lockscope has no verified setting for those.',
    },
    { summary: 'Go mattn/go-sqlite3: _txlock=immediate in the DSN', stack: 'go', code: 'sql.Open("sqlite3", "file:app.db?_txlock=immediate&_busy_timeout=5000")' },
    { summary: 'Rails: use a Rails version whose SQLite3 adapter begins transactions with BEGIN IMMEDIATE (rails/rails#50371), or the activerecord-enhancedsqlite3-adapter gem on older ones', stack: 'rails', docs: 'https://github.com/rails/rails/pull/50371' },
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

// ---- Helpers added with the wal-autocheckpoint, journal-size-limit, synchronous, network-filesystem,
// ---- directory-writable and file-ownership checks.

/**
 * A path or user name ready to paste into a POSIX shell: control characters escaped (it may come from the
 * filesystem), then single-quoted unless it only holds characters a shell leaves alone.
 */
export function shellArg(text: string): string {
  const safe = escapeControlHex(text);
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(safe)) return safe;
  return `'${safe.replace(/'/g, `'\\''`)}'`;
}


/**
 * A checkpoint run from one place on a schedule, for apps that turn automatic checkpoints off or need the
 * -wal file shrunk. TRUNCATE waits for readers and holds the write lock while it waits (wal.c walCheckpoint, SQLITE_CHECKPOINT_TRUNCATE).
 */
export function periodicCheckpointFix(): Fix {
  return {
    summary: 'Run a checkpoint from ONE process on a schedule (a timer in the app, or cron), with a busy timeout',
    sql: 'PRAGMA busy_timeout = 5000;\nPRAGMA wal_checkpoint(TRUNCATE);',
    docs: 'https://www.sqlite.org/pragma.html#pragma_wal_checkpoint',
    caution:
      'TRUNCATE waits for readers and holds the write lock while it waits, so writers wait too; a result of (1, …) means a reader kept it from finishing: run it again later.',
  };
}

/** Per-connection PRAGMA fixes: the SQL, and where each main driver lets you run it on every new connection. */
export function perConnectionPragmaFixes(summary: string, pragma: string, docs: string): Fix[] {
  return [
    { summary: `${summary} (a per-connection setting: run it on every connection the app opens)`, sql: `PRAGMA ${pragma};`, docs },
    { summary: 'Python sqlite3: right after connect()', stack: 'python', code: `conn = sqlite3.connect(path, timeout=5)\nconn.execute("PRAGMA ${pragma}")` },
    {
      summary: 'Django: a connection_created signal handler',
      stack: 'django',
      code: `from django.db.backends.signals import connection_created\n\ndef set_pragmas(sender, connection, **kwargs):\n    if connection.vendor == "sqlite":\n        connection.cursor().execute("PRAGMA ${pragma}")\n\nconnection_created.connect(set_pragmas)`,
    },
    {
      summary: 'SQLAlchemy: a "connect" event on the engine',
      stack: 'sqlalchemy',
      code: `@event.listens_for(engine, "connect")\ndef set_pragmas(dbapi_conn, record):\n    dbapi_conn.execute("PRAGMA ${pragma}")`,
    },
    { summary: 'better-sqlite3: db.pragma() after opening', stack: 'better-sqlite3', code: `const db = new Database(path);\ndb.pragma('${pragma}');` },
    { summary: 'node-sqlite3: run it first on the connection', stack: 'node-sqlite3', code: `db.run('PRAGMA ${pragma}');` },
    {
      summary: 'peewee: the pragmas argument, applied to every connection peewee opens (peewee.py _add_conn_hooks)',
      stack: 'peewee',
      code: `db = SqliteDatabase("app.db", timeout=5, pragmas={"${pragma.split('=')[0]!.trim()}": "${(pragma.split('=')[1] ?? '').trim()}"})`,
    },
    {
      summary: 'knex: pool.afterCreate runs it on every pooled connection',
      stack: 'knex',
      code: `pool: { afterCreate: (conn, done) => { conn.pragma('${pragma}'); done(null, conn); } }`,
      caution: "That is the better-sqlite3 client; with client 'sqlite3' run conn.run('PRAGMA ${pragma}', (err) => done(err, conn)).",
    },
    { summary: 'drizzle (better-sqlite3): on the Database before wrapping it', stack: 'drizzle', code: `const sqlite = new Database('app.db');\nsqlite.pragma('${pragma}');\nconst db = drizzle(sqlite);` },
    { summary: 'node:sqlite: right after opening', stack: 'node-sqlite', code: `const db = new DatabaseSync('app.db');\ndb.exec('PRAGMA ${pragma}');` },
    { summary: 'sqlite3 CLI: -cmd runs it before the session', stack: 'sqlite3-cli', shell: `sqlite3 -cmd 'PRAGMA ${pragma}' app.db` },
    {
      summary: "Laravel 12.29+: the 'pragmas' array of the sqlite connection (run on every connection by SQLiteConnector)",
      stack: 'laravel',
      docs: 'https://github.com/laravel/framework/pull/56962',
      code: `'pragmas' => ['${pragma.split('=')[0]!.trim()}' => '${(pragma.split('=')[1] ?? '').trim()}'],`,
    },
    {
      summary: 'Go database/sql: run it on every pooled connection (a connector hook, or a single-connection pool)',
      stack: 'go',
      code: `db.SetMaxOpenConns(1) // or set the pragma in a driver ConnectHook\ndb.Exec("PRAGMA ${pragma}")`,
      caution: 'db.Exec runs on one pooled connection only; other connections keep the default.',
    },
  ];
}
