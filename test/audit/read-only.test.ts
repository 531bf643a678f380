/**
 * The audit runs against production databases: it must never create, write, truncate or delete a file,
 * never take a lock, and never hang. Real databases, real holder processes, the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAbandonedWal, buildDatabase, holdState } from '../../fixtures/databases.js';
import { runCli, snapshotDir } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir: fresh } = scratchPerTest();

describe('audit is read-only and leaves no footprint', () => {
  it('WAL database with -wal/-shm and nothing attached (closing the last connection would checkpoint): bytes unchanged', () => {
    const d = fresh();
    buildAbandonedWal(`${d}/app.db`, 30);
    const before = snapshotDir(d);
    expect(Object.keys(before)).toEqual(['app.db', 'app.db-shm', 'app.db-wal']);
    const r = runCli(['audit', `${d}/app.db`, '--json']);
    expect(r.code, r.stderr).not.toBe(2);
    expect(snapshotDir(d)).toEqual(before);
  });

  it('cleanly closed WAL database: no -wal or -shm is created', () => {
    const d = fresh();
    buildDatabase(`${d}/app.db`, { journalMode: 'wal' });
    const before = snapshotDir(d);
    expect(Object.keys(before)).toEqual(['app.db']);
    runCli(['audit', `${d}/app.db`]);
    expect(snapshotDir(d)).toEqual(before);
  });

  it('rollback-journal database: bytes unchanged, no journal created', () => {
    const d = fresh();
    buildDatabase(`${d}/app.db`, { journalMode: 'delete' });
    const before = snapshotDir(d);
    runCli(['audit', `${d}/app.db`, '--busy-timeout', '5000']);
    expect(snapshotDir(d)).toEqual(before);
  });

  it('while another process has the database open in a read transaction: nothing changes', async () => {
    const d = fresh();
    buildAbandonedWal(`${d}/app.db`, 10);
    holders.push(await holdState(`${d}/app.db`, 'wal-read'));
    const before = snapshotDir(d);
    const r = runCli(['audit', `${d}/app.db`, '--json']);
    expect(r.code, r.stderr).not.toBe(2);
    expect(snapshotDir(d)).toEqual(before);
  });

  it('a mistyped path leaves no empty database behind', () => {
    const d = fresh();
    const r = runCli(['audit', `${d}/typo.db`]);
    expect(r.code).toBe(2);
    expect(snapshotDir(d)).toEqual({});
  });
});

describe('audit takes no lock and opens files read-only (strace)', () => {
  let hasStrace = false;
  beforeAll(() => {
    hasStrace = spawnSync('strace', ['-V']).status === 0;
  });

  it('no fcntl lock, no flock, no O_CREAT/O_WRONLY/O_RDWR open, no write/unlink/truncate on the database files', ({ skip }) => {
    if (!hasStrace) skip();
    const d = fresh();
    buildAbandonedWal(`${d}/app.db`, 10);
    const log = `${d}.strace`;
    const r = runCli(['audit', `${d}/app.db`, '--json'], {
      prefix: ['strace', '-f', '-qq', '-o', log, '-e', 'trace=fcntl,flock,open,openat,unlink,unlinkat,truncate,ftruncate,rename,renameat,renameat2'],
    });
    expect(r.code, r.stderr).not.toBe(2);
    const lines = spawnSync('cat', [log], { encoding: 'utf8' }).stdout.split('\n');
    spawnSync('rm', ['-f', log]);
    const touching = lines.filter((l) => l.includes(d));
    expect(touching.length).toBeGreaterThan(0); // it did read the files
    for (const l of touching) {
      expect(l).not.toMatch(/O_CREAT|O_WRONLY|O_RDWR|O_TRUNC/);
      expect(l).not.toMatch(/unlink|truncate|rename/);
    }
    expect(lines.filter((l) => /F_SETLK|F_OFD_SETLK|flock\(/.test(l))).toEqual([]);
  });
});

describe('never hangs on a locked database', () => {
  it.each([
    ['delete', 'rb-exclusive'],
    ['delete', 'rb-reserved'],
    ['wal', 'wal-write'],
  ] as const)('%s database with a holder in %s: returns promptly with the facts', async (mode, state) => {
    const d = fresh();
    buildDatabase(`${d}/app.db`, { journalMode: mode });
    holders.push(await holdState(`${d}/app.db`, state));
    const r = runCli(['audit', `${d}/app.db`, '--json'], { timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code === 0 || r.code === 1).toBe(true);
    const report = JSON.parse(r.stdout);
    expect(report.databases[0].facts.header.walEnabled).toBe(mode === 'wal');
    const holder = report.databases[0].facts.locks.holders.find((h: { pid: number }) => h.pid === holders[0]!.pid);
    expect(holder, 'the holder is seen in /proc/locks').toBeDefined();
  });
});
