/**
 * Control child for locks.test.ts: opens a WAL database with better-sqlite3 and holds it open, doing
 * each step only when told on stdin and saying so on stdout once done (no timers).
 *   usage: node shm_holder.cjs <database>
 *   stdout "open" once a read has run (the connection holds the -shm DMS byte and the SHARED range)
 *   stdin "read-shm" → reads its own -shm with fs.readFileSync, which opens and closes a descriptor on
 *                      it and so drops every POSIX lock this process has on that file; then "read"
 *   stdin "close"    → closes the connection; then "closed", and exits once stdin ends
 */
'use strict';
const fs = require('node:fs');
const readline = require('node:readline');
const Database = require('better-sqlite3');

const path = process.argv[2];
const db = new Database(path);
db.prepare('SELECT count(*) FROM t').get();
const say = (line) => process.stdout.write(`${line}\n`);
say('open');

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'read-shm') {
    fs.readFileSync(`${path}-shm`);
    say('read');
  } else if (line === 'close') {
    db.close();
    say('closed');
  } else say(`unknown: ${line}`);
});
