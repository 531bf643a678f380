#!/usr/bin/env node
// One writer of a plain better-sqlite3 app, for lockscope's fidelity bench (bench/fidelity.ts).
//
// usage: node better_sqlite3_app.mjs DB SECONDS PATTERN WRITER
//   PATTERN: insert           db.transaction(() => INSERT one 100-byte row)()
//            read-then-write  db.transaction(() => { SELECT max(id); INSERT one row })()
//
// The connection is opened with every default (`new Database(DB)`: timeout 5000 ms; on a WAL file
// synchronous NORMAL) and transactions use the library's own `.transaction()` (a deferred BEGIN before
// the first statement). Prints "ready" once connected, starts on a "go" line on stdin, runs SECONDS,
// and prints one JSON line: committed transactions and errors by kind.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const [path, seconds, pattern, writer] = process.argv.slice(2);
const db = new Database(path);
const payload = randomBytes(100);
const read = db.prepare('SELECT max(id) FROM lockscope_stress');
const insert = db.prepare('INSERT INTO lockscope_stress (writer, n, v) VALUES (?, 0, ?)');
const readFirst = pattern === 'read-then-write';
const tx = db.transaction(() => {
  if (readFirst) read.get();
  insert.run(Number(writer), payload);
});
const synchronous = db.pragma('synchronous', { simple: true });
const busyTimeoutMs = db.pragma('busy_timeout', { simple: true });
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
    tx();
    committed += 1;
  } catch (err) {
    if (String(err?.code ?? '').startsWith('SQLITE_BUSY')) busy += 1;
    else other += 1;
  }
}
const elapsed = (performance.now() - start) / 1000;
db.close();
process.stdout.write(`${JSON.stringify({ committed, busy, other, elapsed, synchronous, busyTimeoutMs })}\n`);
