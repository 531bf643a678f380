/**
 * src/sources/sqlite/stacks.ts against the real stacks on this machine: each recorded busy timeout and synchronous level is read
 * back (PRAGMA) from a connection opened the stack's default way, on a WAL and on a rollback database.
 * Stacks not installed here (Go, Rails, Prisma, Laravel, node:sqlite) are cited from source or docs instead.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SYSTEM_PYTHON } from '../fixtures/apps/drive.js';
import { python } from '../fixtures/databases.js';
import type { Stack } from '../src/core/model.js';
import { STACK_DEFAULTS, type SynchronousLevel, stackSynchronous } from '../src/sources/sqlite/stacks.js';
import { ROOT } from './helpers/cli.js';
import { scratchPerTest } from './helpers/scratch.js';

const scratch = scratchPerTest();
const LEVELS: SynchronousLevel[] = ['off', 'normal', 'full', 'extra'];

type Readings = Partial<Record<Stack, { busyTimeoutMs: number; syncWal: number; syncRollback: number }>>;

const PY = `
import json, sys
wal, rb = sys.argv[1], sys.argv[2]
out = {}
def read(conn_for):
    r = {}
    for key, path in (("syncWal", wal), ("syncRollback", rb)):
        ex = conn_for(path)
        r[key] = ex("PRAGMA synchronous")
        r["busyTimeoutMs"] = ex("PRAGMA busy_timeout")
    return r
import sqlite3
out["python"] = read(lambda p: (lambda c: lambda q: c.execute(q).fetchone()[0])(sqlite3.connect(p)))
from sqlalchemy import create_engine
out["sqlalchemy"] = read(lambda p: (lambda c: lambda q: c.exec_driver_sql(q).scalar())(create_engine("sqlite:///" + p).connect()))
from peewee import SqliteDatabase
out["peewee"] = read(lambda p: (lambda d: lambda q: d.execute_sql(q).fetchone()[0])(SqliteDatabase(p)))
import django
from django.conf import settings
settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": wal}, "rb": {"ENGINE": "django.db.backends.sqlite3", "NAME": rb}})
django.setup()
from django.db import connections
def dj(alias):
    def ex(q):
        with connections[alias].cursor() as c:
            c.execute(q)
            return c.fetchone()[0]
    return ex
out["django"] = read(lambda p: dj("default" if p == wal else "rb"))
print(json.dumps(out))
`;

const NODE = `
const [wal, rb] = process.argv.slice(1);
const Database = require('better-sqlite3');
const sqlite3 = require('sqlite3');
const out = {};
const b = (p) => new Database(p);
out['better-sqlite3'] = { busyTimeoutMs: b(wal).pragma('busy_timeout', { simple: true }), syncWal: b(wal).pragma('synchronous', { simple: true }), syncRollback: b(rb).pragma('synchronous', { simple: true }) };
const get = (p, q) => new Promise((res, rej) => { const d = new sqlite3.Database(p); d.get(q, (e, row) => { d.close(); e ? rej(e) : res(Object.values(row)[0]); }); });
(async () => {
  out['node-sqlite3'] = { busyTimeoutMs: await get(wal, 'PRAGMA busy_timeout'), syncWal: await get(wal, 'PRAGMA synchronous'), syncRollback: await get(rb, 'PRAGMA synchronous') };
  console.log(JSON.stringify(out));
})();
`;

describe('src/sources/sqlite/stacks.ts matches the real stacks', () => {
  it('busy timeout and synchronous (WAL and rollback) read back from each installed stack', () => {
    const dir = scratch.tempDir();
    const wal = `${dir}/wal.db`;
    const rb = `${dir}/rb.db`;
    python(wal, "c = sqlite3.connect(db); c.execute('PRAGMA journal_mode=WAL'); c.execute('CREATE TABLE t(x)'); c.commit(); c.close()");
    python(rb, "c = sqlite3.connect(db); c.execute('CREATE TABLE t(x)'); c.commit(); c.close()");
    const readings: Readings = {
      ...JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', PY, wal, rb], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } })),
      ...JSON.parse(execFileSync(process.execPath, ['-e', NODE, wal, rb], { encoding: 'utf8', cwd: ROOT })),
    };
    const cli = (p: string, q: string) => Number(execFileSync('sqlite3', [p, q], { encoding: 'utf8' }).trim());
    readings['sqlite3-cli'] = { busyTimeoutMs: cli(wal, 'PRAGMA busy_timeout'), syncWal: cli(wal, 'PRAGMA synchronous'), syncRollback: cli(rb, 'PRAGMA synchronous') };

    const measured = Object.keys(readings) as Stack[];
    expect(measured.sort()).toEqual(['better-sqlite3', 'django', 'node-sqlite3', 'peewee', 'python', 'sqlalchemy', 'sqlite3-cli']);
    for (const stack of measured) {
      const r = readings[stack]!;
      expect(STACK_DEFAULTS[stack].busyTimeoutMs.value, `${stack} busy timeout`).toBe(r.busyTimeoutMs);
      expect(stackSynchronous(stack, true), `${stack} synchronous in WAL`).toBe(LEVELS[r.syncWal]);
      expect(stackSynchronous(stack, false), `${stack} synchronous in rollback mode`).toBe(LEVELS[r.syncRollback]);
    }
    // The ORMs over those drivers record the driver's values.
    expect(STACK_DEFAULTS.sequelize.busyTimeoutMs.value).toBe(readings['node-sqlite3']!.busyTimeoutMs);
    expect(stackSynchronous('drizzle', true)).toBe(stackSynchronous('better-sqlite3', true));
  });

  it('every stack cites a source for every value', () => {
    for (const d of Object.values(STACK_DEFAULTS)) {
      for (const v of [d.busyTimeoutMs, d.synchronousWal, d.synchronousRollback, d.transaction]) expect(v.source.length, d.id).toBeGreaterThan(5);
    }
  });
});
