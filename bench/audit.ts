/**
 * Audit wall time must not grow with the database size: it reads headers, never the body (and, with no process
 * attached, checksums at most the first 64 MiB of -wal frames, WAL_VERIFY_MAX_BYTES).
 * 1 GiB database + 256 MiB WAL vs a 1 MiB database, against `sqlite3 db 'PRAGMA journal_mode'`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { buildAbandonedWal, buildDatabase, holdState, makeTempDir, python, removeDir } from '../fixtures/databases.js';
import { gatherAuditFacts } from '../src/sources/sqlite/gather.js';
import { formatBytes } from '../src/core/units.js';
import { PACKAGE_ROOT } from '../src/core/version.js';
import { row, timeCommandMs, timeMs } from './util.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'lockscope.js');

/** A 1 GiB database, then 256 MiB of WAL frames left by a writer that was killed (nobody attached). */
function buildBig(db: string): void {
  python(
    db,
    `c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=OFF"); c.execute("PRAGMA synchronous=OFF")
c.execute("CREATE TABLE blob(id INTEGER PRIMARY KEY, b BLOB)")
c.execute("BEGIN")
for i in range(1024):
    c.execute("INSERT INTO blob(b) VALUES (zeroblob(1024*1000))")
c.execute("COMMIT")
c.close()`,
  );
  python(
    db,
    `import os, signal
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA wal_autocheckpoint=0"); c.execute("PRAGMA synchronous=OFF")
c.execute("BEGIN")
for i in range(1, 260):
    c.execute("UPDATE blob SET b = zeroblob(1024*1000 + 1) WHERE id = ?", (i,))
c.execute("COMMIT")
os.kill(os.getpid(), signal.SIGKILL)`,
    { allowKill: true },
  );
}

export async function run(): Promise<void> {
  const dir = makeTempDir('lockscope-bench-');
  try {
    const small = join(dir, 'small.db');
    const big = join(dir, 'big.db');
    buildDatabase(small, { journalMode: 'wal', rows: 8000 });
    buildAbandonedWal(join(dir, 'small-wal.db'), 20);
    process.stdout.write('building a 1 GiB database with a 256 MiB WAL…\n');
    buildBig(big);
    const sizes = `db ${formatBytes(statSync(big).size)}, -wal ${formatBytes(statSync(`${big}-wal`).size)}`;
    const smallSize = formatBytes(statSync(small).size);

    console.log(`\naudit: wall time, median of 11 runs (${sizes} vs ${smallSize})`);
    const gatherSmall = timeMs(() => gatherAuditFacts(small));
    const gatherBig = timeMs(() => gatherAuditFacts(big));
    console.log(row(`gather (in-process), small ${smallSize}`, gatherSmall));
    console.log(row(`gather (in-process), big, -shm not live (binary search on salts, then the first 64 MiB of frames checksummed)`, gatherBig, `ratio big/small ${(gatherBig / gatherSmall).toFixed(2)}`));
    const cliSmall = timeCommandMs(process.execPath, [BIN, 'audit', small, '--json']);
    const cliBig = timeCommandMs(process.execPath, [BIN, 'audit', big, '--json']);
    console.log(row(`lockscope audit (CLI, incl. node start-up), small`, cliSmall));
    console.log(row(`lockscope audit (CLI), big, -shm not live`, cliBig, `ratio big/small ${(cliBig / cliSmall).toFixed(2)}`));

    // With a process attached the -shm header is live and no frame is scanned at all.
    const holder = await holdState(big, 'wal-idle');
    try {
      const gatherLive = timeMs(() => gatherAuditFacts(big));
      const cliLive = timeCommandMs(process.execPath, [BIN, 'audit', big, '--json']);
      console.log(row(`gather (in-process), big, -shm live (a process attached)`, gatherLive, `ratio big/small ${(gatherLive / gatherSmall).toFixed(2)}`));
      console.log(row(`lockscope audit (CLI), big, -shm live`, cliLive, `ratio big/small ${(cliLive / cliSmall).toFixed(2)}`));
    } finally {
      await holder.stop();
    }

    const hasSqlite3 = spawnSync('sqlite3', ['-version']).status === 0;
    if (hasSqlite3) {
      const baseSmall = timeCommandMs('sqlite3', [small, 'PRAGMA journal_mode']);
      console.log(row(`baseline: sqlite3 small.db 'PRAGMA journal_mode'`, baseSmall, `lockscope CLI / baseline ${(cliSmall / baseSmall).toFixed(2)}`));
      // On the big database a read-write sqlite3 would checkpoint 256 MiB and delete the WAL at close,
      // destroying the fixture; -readonly instead runs WAL recovery (reads the whole WAL) every time.
      const baseBig = timeCommandMs('sqlite3', ['-readonly', big, 'PRAGMA journal_mode'], 5);
      console.log(row(`baseline: sqlite3 -readonly big.db 'PRAGMA journal_mode' (recovery)`, baseBig, `lockscope CLI / baseline ${(cliBig / baseBig).toFixed(2)}`));
    } else {
      console.log('  (sqlite3 CLI not installed: baseline skipped)');
    }
    execFileSync('sync');
  } finally {
    removeDir(dir);
  }
}
