/** What the extractors read from code that the fixture apps do not show: in-process scans of small trees. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../../fixtures/databases.js';
import { scanTree } from '../../src/sources/scan/scan.js';

const root = makeTempDir('lockscope-scan-extract-');
afterAll(() => removeDir(root));
let n = 0;
async function scan(files: Record<string, string>) {
  const dir = join(root, `t${(n += 1)}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return scanTree(dir, 'app');
}

describe('scan extractors', () => {
  it('a timeout from an environment variable is unknown, with the variable named (Python and JS)', async () => {
    const f = await scan({
      'a.py': 'import os, sqlite3\nconn = sqlite3.connect("a.db", timeout=float(os.environ.get("DB_TIMEOUT", "5")))\n',
      'b.js': "const Database = require('better-sqlite3');\nconst db = new Database('b.db', { timeout: Number(process.env.BUSY_MS ?? 5000) });\n",
    });
    expect(f.connections.map((c) => c.busyTimeoutMs)).toEqual([
      { state: 'unknown', why: 'environment variable DB_TIMEOUT', line: 2 },
      { state: 'unknown', why: 'environment variable BUSY_MS', line: 2 },
    ]);
  });

  it("Django's atomic imported bare is Django's; .atomic() on a name no peewee database is bound to is nobody's", async () => {
    const f = await scan({
      'settings.py': 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}\n',
      'views.py': 'from django.db.transaction import atomic\n\n\n@atomic\ndef pay(order):\n    o = Order.objects.get(pk=order)\n    o.save()\n',
      'other.py': 'def f(cache):\n    with cache.atomic():\n        cache.get("a")\n        cache.set("a", 1)\n',
    });
    expect(f.transactions.map((t) => `${t.stack} ${t.file}:${t.line} ${t.mode}`)).toEqual(['django app/views.py:4 deferred']);
  });

  it('a knex transaction on an instance imported from another module is resolved there', async () => {
    const f = await scan({
      'db.js': "import knex from 'knex';\nexport const db = knex({ client: 'better-sqlite3', connection: { filename: 'app.db' } });\n",
      'jobs.js': "import { db } from './db.js';\nexport async function claim() {\n  await db.transaction(async (trx) => {\n    const job = await trx('jobs').first();\n    await trx('jobs').where({ id: job.id }).update({ state: 1 });\n  });\n}\n",
    });
    expect(f.transactions).toMatchObject([{ stack: 'knex', file: 'app/jobs.js', line: 3, mode: 'deferred', reads: [4], writes: [5] }]);
    expect(f.connections[0]).toMatchObject({ stack: 'knex', busyTimeoutMs: { state: 'driver-default', value: 5000 } });
  });

  it('Go _txlock=immediate makes db.Begin() IMMEDIATE, from the DSN', async () => {
    const f = await scan({
      'main.go': 'package main\n\nimport "database/sql"\n\nfunc run() {\n\tdb, _ := sql.Open("sqlite3", "file:a.db?_txlock=immediate&_busy_timeout=5000")\n\ttx, _ := db.Begin()\n\ttx.QueryRow("SELECT 1")\n\ttx.Exec("UPDATE t SET n = 1")\n}\n',
    });
    expect(f.connections[0]).toMatchObject({ busyTimeoutMs: { state: 'set-here', value: 5000, line: 6 }, transactionMode: { state: 'set-here', value: 'immediate' } });
    expect(f.transactions[0]).toMatchObject({ mode: 'immediate', modeFrom: { kind: 'settings', line: 6 } });
  });

  it('a file with a syntax error is still read, and counted', async () => {
    const f = await scan({ 'broken.py': 'import sqlite3\nconn = sqlite3.connect("x.db", timeout=0\n\ndef (:\n' });
    expect(f.files.parseErrors).toBe(1);
  });
});
