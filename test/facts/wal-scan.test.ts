/** The WAL is located from frame headers only, on real WAL files left by killed writers. */
import { afterEach, describe, expect, it } from 'vitest';
import { buildAbandonedWal, makeTempDir, python, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts, readWal, statDatabaseFiles } from '../../src/sources/sqlite/gather.js';

let dir = '';
afterEach(() => dir && removeDir(dir));

describe('readWal', () => {
  it('finds the committed frames of an abandoned WAL, agreeing with the -shm header', () => {
    dir = makeTempDir();
    buildAbandonedWal(`${dir}/app.db`, 25);
    const facts = gatherAuditFacts(`${dir}/app.db`);
    const wal = facts.wal as NonNullable<Exclude<typeof facts.wal, { error: unknown }>>;
    const shm = facts.shm as NonNullable<Exclude<typeof facts.shm, { error: unknown }>>;
    expect(shm.trusted).toBe(false); // nobody attached: the WAL is scanned
    expect(wal.framesWithCurrentSalt).toBe(wal.framesInFile);
    expect(wal.lastCommitFrame).toBe(shm.header!.mxFrame);
    expect([wal.salt1, wal.salt2]).toEqual([shm.header!.salt1, shm.header!.salt2]);
  });

  it('after a WAL reset the file keeps its high-water size; only the new generation is counted', () => {
    dir = makeTempDir();
    const db = `${dir}/app.db`;
    // 40 commits, a full checkpoint, then 5 commits: the writer restarts at frame 1 with new salts.
    python(
      db,
      `import os, signal
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=wal"); c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("CREATE TABLE t(v)")
for i in range(40): c.execute("INSERT INTO t VALUES (randomblob(3000))")
c.execute("PRAGMA wal_checkpoint(PASSIVE)")
for i in range(5): c.execute("INSERT INTO t VALUES (randomblob(3000))")
os.kill(os.getpid(), signal.SIGKILL)`,
      { allowKill: true },
    );
    const files = statDatabaseFiles(db);
    const wal = readWal(files.wal, true)!;
    expect(wal.framesInFile).toBeGreaterThanOrEqual(41);
    expect(wal.framesWithCurrentSalt).toBeGreaterThanOrEqual(5);
    expect(wal.framesWithCurrentSalt).toBeLessThan(wal.framesInFile);
    expect(wal.lastCommitFrame).toBe(wal.framesWithCurrentSalt);
    const notScanned = readWal(files.wal, false)!;
    expect(notScanned.framesWithCurrentSalt).toBeNull();
    expect(notScanned.framesInFile).toBe(wal.framesInFile);
  });

  it('an empty -wal (0 bytes) has no valid header and no frames', () => {
    dir = makeTempDir();
    python(`${dir}/app.db`, `c = sqlite3.connect(db); c.execute("PRAGMA journal_mode=wal"); c.execute("CREATE TABLE t(x)"); c.commit(); c.close()`);
    python(`${dir}/app.db`, `open(db + "-wal", "wb").close()`);
    const wal = readWal(statDatabaseFiles(`${dir}/app.db`).wal, true)!;
    expect(wal).toMatchObject({ sizeBytes: 0, headerValid: false, framesInFile: 0 });
  });
});
