#!/usr/bin/env node
// One writer of a plain node-sqlite3 app (npm `sqlite3`), for lockscope's fidelity bench (bench/fidelity.ts).
//
// usage: node node_sqlite3_app.mjs DB SECONDS PATTERN WRITER
//   PATTERN: insert           BEGIN; INSERT one 100-byte row; COMMIT
//            read-then-write  BEGIN; SELECT max(id); INSERT one row; COMMIT
//
// The database is opened with every default (`new sqlite3.Database(DB)`: busy timeout 1000 ms). The
// library has no transaction helper, so the app writes BEGIN itself, as its users do. Prints "ready" once
// connected, starts on a "go" line on stdin, runs SECONDS, and prints one JSON line: committed
// transactions and errors by kind.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const sqlite3 = require('sqlite3');

const [path, seconds, pattern, writer] = process.argv.slice(2);
const db = await new Promise((resolve, reject) => {
  const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
});
const run = (sql, params = []) => new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
const get = (sql, params = []) => new Promise((resolve, reject) => db.get(sql, params, (err, row) => (err ? reject(err) : resolve(row))));
const payload = randomBytes(100);
const readFirst = pattern === 'read-then-write';
const synchronous = (await get('PRAGMA synchronous')).synchronous;
const busyTimeoutMs = (await get('PRAGMA busy_timeout')).timeout;
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once('line', resolve));
lines.close();

let committed = 0;
let busy = 0;
let other = 0;
const start = performance.now();
const deadline = start + Number(seconds) * 1000;
while (performance.now() < deadline) {
  try {
    await run('BEGIN');
    if (readFirst) await get('SELECT max(id) FROM lockscope_stress');
    await run('INSERT INTO lockscope_stress (writer, n, v) VALUES (?, 0, ?)', [Number(writer), payload]);
    await run('COMMIT');
    committed += 1;
  } catch (err) {
    if (String(err?.code ?? '').startsWith('SQLITE_BUSY')) busy += 1;
    else other += 1;
    try {
      await run('ROLLBACK');
    } catch {
      // No transaction open (BEGIN itself failed, or SQLite rolled it back).
    }
  }
}
const elapsed = (performance.now() - start) / 1000;
await new Promise((resolve) => db.close(resolve));
process.stdout.write(`${JSON.stringify({ committed, busy, other, elapsed, synchronous, busyTimeoutMs })}\n`);
