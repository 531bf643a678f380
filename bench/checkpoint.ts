/**
 * --checkpoint's wait is bounded by --checkpoint-timeout: with a reader pinning the WAL, TRUNCATE gives up
 * after about the timeout instead of blocking the app's writers for longer. Wall time on a shared machine
 * is noisy, so this is measured here, not asserted in the tests (they check that it waited at all, and busy=1).
 */
import { join } from 'node:path';
import { buildAbandonedWal, holdState, makeTempDir, removeDir } from '../fixtures/databases.js';
import { commitMore } from '../fixtures/journals.js';
import { runCheckpoint } from '../src/sources/sqlite/checkpoint.js';
import { gatherAuditFacts } from '../src/sources/sqlite/gather.js';
import { PACKAGE_ROOT } from '../src/core/version.js';
import { median, row, timeCommandMs } from './util.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'lockscope.js');
const TIMEOUTS_MS = [100, 300, 1000];

export async function run(): Promise<void> {
  const dir = makeTempDir('lockscope-bench-');
  try {
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 20);
    const reader = await holdState(db, 'wal-read');
    try {
      commitMore(db, 5);
      console.log('\ncheckpoint: TRUNCATE with a reader pinning the WAL, median of 5 runs per timeout');
      for (const timeoutMs of TIMEOUTS_MS) {
        const waits: number[] = [];
        for (let i = 0; i < 5; i += 1) waits.push(runCheckpoint(gatherAuditFacts(db), 'truncate', timeoutMs).durationMs);
        const wait = median(waits);
        console.log(row(`runCheckpoint wait, --checkpoint-timeout ${timeoutMs} ms`, wait, `wait/timeout ${(wait / timeoutMs).toFixed(2)}`));
      }
      const cli = timeCommandMs(process.execPath, [BIN, 'audit', db, '--checkpoint', 'truncate', '--checkpoint-timeout', '300ms', '--json'], 5);
      const plain = timeCommandMs(process.execPath, [BIN, 'audit', db, '--json'], 5);
      console.log(row('lockscope audit --checkpoint truncate --checkpoint-timeout 300ms (CLI)', cli, `minus a plain audit: ${(cli - plain).toFixed(0)} ms`));
    } finally {
      await reader.stop();
    }
  } finally {
    removeDir(dir);
  }
}
