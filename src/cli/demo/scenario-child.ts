/**
 * A child process for `lockscope demo`: builds one scenario's database with better-sqlite3 the way a
 * real app would leave it, prints READY, and keeps its connections (and locks) until stdin closes.
 * It runs in its own process so that lockscope's process never holds a connection to what it audits.
 *
 * usage: node scenario-child.js <scenario> <db>
 */
import Database from 'better-sqlite3';

type Scenario = 'rollback' | 'upgrade-trap' | 'pinned-wal' | 'healthy' | 'hot-journal';

const [scenario, dbPath] = process.argv.slice(2) as [Scenario, string];

function fill(db: Database.Database, rows: number, bytes: number): void {
  db.exec('CREATE TABLE IF NOT EXISTS orders(id INTEGER PRIMARY KEY, customer TEXT, payload BLOB)');
  const insert = db.prepare('INSERT INTO orders(customer, payload) VALUES (?, ?)');
  const payload = Buffer.alloc(bytes, 7);
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) insert.run(`customer-${i % 97}`, payload);
  })();
}

function ready(): void {
  process.stdout.write(`READY ${process.pid}\n`);
}

function holdUntilStdinCloses(keep: unknown[]): void {
  process.stdin.resume();
  process.stdin.on('end', () => {
    void keep;
    process.exit(0);
  });
}

switch (scenario) {
  case 'rollback': {
    // An app that never switched to WAL: journal_mode DELETE is SQLite's default for a new database.
    const db = new Database(dbPath);
    fill(db, 2000, 200);
    db.close();
    ready();
    break;
  }
  case 'upgrade-trap': // the file is as healthy as can be: the cause is in the app's transactions
  case 'healthy': {
    const db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    fill(db, 2000, 200);
    db.close(); // clean close: checkpointed, -wal and -shm removed
    ready();
    break;
  }
  case 'pinned-wal': {
    // A reader that began a transaction and never finished it (a cursor left open, a long report)...
    const writer = new Database(dbPath);
    writer.pragma('journal_mode = WAL');
    fill(writer, 500, 200);
    const reader = new Database(dbPath);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM orders').get();
    // ...while the app keeps writing: autocheckpoints run but cannot pass the reader's snapshot.
    for (let batch = 0; batch < 40; batch += 1) fill(writer, 450, 4000);
    ready();
    holdUntilStdinCloses([writer, reader]);
    break;
  }
  case 'hot-journal': {
    // A writer that crashed in the middle of a transaction: its rollback journal stays behind, hot.
    const db = new Database(dbPath);
    fill(db, 2000, 200);
    db.pragma('cache_size = 10'); // spill changed pages to the database file before commit
    db.exec('BEGIN');
    db.prepare('UPDATE orders SET payload = randomblob(300)').run();
    ready();
    process.kill(process.pid, 'SIGKILL');
    break;
  }
  default:
    process.stderr.write(`unknown scenario ${String(scenario)}\n`);
    process.exit(2);
}
