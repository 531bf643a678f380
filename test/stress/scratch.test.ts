import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { waitFor } from '../../fixtures/holders.js';
import { readDbHeader } from '../../src/sources/sqlite/gather.js';
import { SCRATCH_PATTERN, ScratchError, createScratch, findLeftovers, removeLeftovers, removeScratch, scratchName } from '../../src/sources/stress/scratch.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('lockscope-scratch-');
});
afterEach(() => removeDir(dir));

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('scratch databases', () => {
  it('are named recognisably, with the pid', () => {
    const name = scratchName('/data/app.db', 1234, 'deadbeef');
    expect(name).toBe('.app.db.lockscope-stress-1234-deadbeef.db');
    expect(SCRATCH_PATTERN.exec(`${name}-wal`)?.[2]).toBe('1234');
  });

  it.each([
    ['wal', 8192, 'full'],
    ['delete', 1024, 'incremental'],
  ] as const)("copy the target's journal mode %s, page size %i and auto_vacuum %s", (journalMode, pageSize, autoVacuum) => {
    const target = join(dir, 'app.db');
    buildDatabase(target, { journalMode, pageSize, autoVacuum, rows: 5 });
    const scratch = createScratch(dir, target, { pageSizeBytes: pageSize, autoVacuum, journalMode, pattern: 'insert' });
    try {
      const h = readDbHeader(scratch);
      expect(h.pageSizeBytes).toBe(pageSize);
      expect(h.walEnabled).toBe(journalMode === 'wal');
      expect(h.autoVacuum).toBe(autoVacuum);
    } finally {
      expect(removeScratch(scratch)).toBe(true);
    }
    expect(readdirSync(dir)).toEqual(['app.db']);
  });

  it('report a clear error for a directory where no file can be created', () => {
    expect(() => createScratch(join(dir, 'missing'), join(dir, 'app.db'), { pageSizeBytes: 4096, autoVacuum: 'none', journalMode: 'wal', pattern: 'insert' })).toThrow(ScratchError);
    expect(() => createScratch(join(dir, 'missing'), join(dir, 'app.db'), { pageSizeBytes: 4096, autoVacuum: 'none', journalMode: 'wal', pattern: 'insert' })).toThrow(/--scratch-dir/);
  });

  it("leftovers of a dead pid are found and removed; a live run's files are left alone", () => {
    const dead = deadPid();
    const stale = scratchName('app.db', dead, '0badf00d');
    const mine = scratchName('app.db', process.pid, '00c0ffee');
    for (const name of [stale, `${stale}-wal`, `${stale}-shm`, mine, 'app.db', '.app.db.lockscope-stress-x.db']) writeFileSync(join(dir, name), '');
    expect(findLeftovers(dir).map((l) => l.pid)).toEqual([dead, dead, dead]);
    const removed = removeLeftovers(dir);
    expect(removed.map((l) => l.path).sort()).toEqual([stale, `${stale}-shm`, `${stale}-wal`].map((n) => join(dir, n)).sort());
    expect(readdirSync(dir).sort()).toEqual(['.app.db.lockscope-stress-x.db', mine, 'app.db'].sort());
  });

  it('a running process is left alone, unless it started after the file was last written (a reused pid)', async () => {
    const other = spawn('sleep', ['30']);
    try {
      // Running: `sleep` has replaced the forked node (its /proc comm says so), not a fixed wait.
      await waitFor(() => (readFileSync(`/proc/${other.pid}/comm`, 'utf8') === 'sleep\n' ? true : undefined), 'sleep to start');
      const current = scratchName('app.db', other.pid, '11111111');
      const reused = scratchName('app.db', other.pid, '22222222');
      writeFileSync(join(dir, current), '');
      writeFileSync(join(dir, reused), '');
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(join(dir, reused), hourAgo, hourAgo);
      expect(findLeftovers(dir).map((l) => l.path)).toEqual([join(dir, reused)]);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
