#!/usr/bin/env node
// A better-sqlite3 app with N writer threads in ONE process (worker_threads, one connection each), for
// lockscope's fidelity bench (bench/fidelity.ts). Each thread does what better_sqlite3_app.mjs does.
//
// usage: node better_sqlite3_threads_app.mjs DB SECONDS PATTERN THREADS
// Prints "ready" once every thread is connected, starts on a "go" line on stdin, runs SECONDS, and
// prints one JSON line with the threads' totals.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);

if (isMainThread) {
  const [path, seconds, pattern, threads] = process.argv.slice(2);
  const workers = Array.from({ length: Number(threads) }, (_, i) => new Worker(new URL(import.meta.url), { workerData: { path, seconds: Number(seconds), pattern, writer: i } }));
  const results = [];
  let ready = 0;
  const allReady = new Promise((resolve) => {
    for (const w of workers) {
      w.on('message', (m) => {
        if (m === 'ready' && ++ready === workers.length) resolve();
        else if (typeof m === 'object') results.push(m);
      });
    }
  });
  const allDone = Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  await allReady;
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once('line', resolve));
  lines.close();
  for (const w of workers) w.postMessage('go');
  await allDone;
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  const first = results[0] ?? {};
  process.stdout.write(
    `${JSON.stringify({ committed: sum('committed'), busy: sum('busy'), other: sum('other'), elapsed: Math.max(...results.map((r) => r.elapsed)), synchronous: first.synchronous, busyTimeoutMs: first.busyTimeoutMs })}\n`,
  );
} else {
  const Database = require('better-sqlite3');
  const { path, seconds, pattern, writer } = workerData;
  const db = new Database(path);
  const payload = randomBytes(100);
  const read = db.prepare('SELECT max(id) FROM lockscope_stress');
  const insert = db.prepare('INSERT INTO lockscope_stress (writer, n, v) VALUES (?, 0, ?)');
  const readFirst = pattern === 'read-then-write';
  const tx = db.transaction(() => {
    if (readFirst) read.get();
    insert.run(writer, payload);
  });
  const synchronous = db.pragma('synchronous', { simple: true });
  const busyTimeoutMs = db.pragma('busy_timeout', { simple: true });
  parentPort.once('message', () => {
    let committed = 0;
    let busy = 0;
    let other = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
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
    parentPort.postMessage({ committed, busy, other, elapsed, synchronous, busyTimeoutMs });
  });
  parentPort.postMessage('ready');
}
