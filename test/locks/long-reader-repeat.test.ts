/**
 * The intermittent long-reader miss (issue 8): a reader holding SHARED for the whole window, with a writer
 * stuck in PENDING behind it, must be reported as such in every run, also when the kernel's lock table is
 * longer than one page and changes while it is read. /proc/locks is a seq_file: one read() returns at most
 * one page of it, so the sampler must read on to EOF, and confirm a line that vanished from a multi-page
 * read by reading again (src/sources/proc/lock-table-reader.ts LockTableReader).
 *
 * The noise processes put 150 static and 60 churning lock lines (on a file of their own) in front of the
 * reader's line: they run on the reader's CPU and lock after it, and the kernel lists each CPU's locks
 * newest first (fs/locks.c), so the reader's line is past the first page in every run.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, waitReady } from '../../fixtures/databases.js';
import { readerBehindStuckCommit } from '../../fixtures/holders.js';
import { statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import { sampleLocks } from '../../src/sources/proc/sampler.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir } = scratchPerTest();
const RUNS = 50;

function noise(file: string, count: number, extra: string[] = []) {
  const child = spawn('python3', [join(FIXTURES_DIR, 'lock-noise.py'), file, String(count), '--cpu', '0', ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  return waitReady(child, 'lock noise');
}

describe('a reader holding SHARED for the whole window, behind a long lock table', () => {
  it(`is reported as holding it for the whole window in each of ${RUNS} runs, with the committer stuck in PENDING`, async () => {
    const dir = tempDir('lockscope-long-reader-');
    const db = join(dir, 'app.db');
    const { reader, writer } = await readerBehindStuckCommit(db, holders, ['--cpu', '0']);
    holders.push(await noise(join(dir, 'noise-static'), 150));
    holders.push(await noise(join(dir, 'noise-churn'), 60, ['--churn']));

    // The premise: the table is longer than one read() of it returns.
    const fd = openSync('/proc/locks', 'r');
    const one = readSync(fd, Buffer.alloc(1 << 20), 0, 1 << 20, 0);
    closeSync(fd);
    expect(readFileSync('/proc/locks').length).toBeGreaterThan(one);

    const target = { files: statDatabaseFiles(db), walEnabled: false };
    const missed: string[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const [s] = await sampleLocks([target], { durationMs: 100, hz: 100 });
      const r = s!.processes.find((p) => p.pid === reader.pid);
      const w = s!.processes.find((p) => p.pid === writer.pid);
      // Every sample needed more than one read() of the table: the reader's line was never in the first page.
      if (s!.multiPageReads !== s!.samples) missed.push(`run ${run}: ${s!.multiPageReads} multi-page reads in ${s!.samples} samples`);
      if (!r?.read?.heldWholeWindow || !w?.write?.heldWholeWindow || !w.writeHoldIsPending) {
        missed.push(`run ${run}: reader ${JSON.stringify(r?.read ?? null)} writer ${JSON.stringify(w?.write ?? null)}`);
      }
    }
    expect(missed).toEqual([]);
  }, 30_000);
});
