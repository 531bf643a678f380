/**
 * watch never takes a lock and never opens the database's files for writing: the monitor (1.2 s of 200 ms
 * intervals, each with its gather, ended by SIGTERM) traced with strace while a real process holds the write
 * lock. (--once is the source's gather and sample, as `locks --for`, whose read-only test is the audit's.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState } from '../../fixtures/databases.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir } = scratchPerTest();
const hasStrace = spawnSync('strace', ['-V']).status === 0;
const TRACE = ['strace', '-f', '-qq', '-e', 'trace=fcntl,flock,open,openat,unlink,unlinkat,truncate,ftruncate,rename,renameat,renameat2'];

function traced(dir: string, args: string[], wrap: string[] = []): string[] {
  const log = `${dir}.strace`;
  runCli(args, { prefix: [...TRACE.slice(0, 3), '-o', log, ...TRACE.slice(3), ...wrap], timeoutMs: 30_000 });
  const lines = readFileSync(log, 'utf8').split('\n');
  rmSync(log, { force: true });
  return lines;
}

function expectReadOnly(lines: string[], dir: string): void {
  const touching = lines.filter((l) => l.includes(dir));
  expect(touching.length).toBeGreaterThan(0); // it did read the files
  for (const l of touching) {
    expect(l).not.toMatch(/O_CREAT|O_WRONLY|O_RDWR|O_TRUNC/);
    expect(l).not.toMatch(/unlink|truncate|rename/);
  }
  expect(lines.filter((l) => /F_SETLK|F_OFD_SETLK|flock\(/.test(l))).toEqual([]);
}

describe.skipIf(!hasStrace)('watch takes no lock and opens nothing for writing (strace)', () => {
  it('the monitor, with a writer holding the lock', async () => {
    const dir = tempDir('lockscope-watch-ro-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    holders.push(await holdState(db, 'wal-write'));
    // timeout(1) sends SIGTERM to watch after 1.2 s: several intervals and their gathers are traced.
    expectReadOnly(traced(dir, ['watch', db, '--interval', '200ms'], ['timeout', '-s', 'TERM', '1.2']), dir);
  }, 30_000);
});
