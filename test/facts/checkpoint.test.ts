/** --checkpoint on real databases and real holder processes: what it reports, what it wrote, how long it waits. */
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAbandonedWal, buildDatabase, type Holder, holdState } from '../../fixtures/databases.js';
import { buildStaleWal, commitMore } from '../../fixtures/journals.js';
import { runCheckpoint } from '../../src/sources/sqlite/checkpoint.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import { runCli, sha256, snapshotDir, nobodyCanRunCli, AS_NOBODY } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir } = scratchPerTest();
let dir = '';

/** A WAL database whose reader pins frame n while another process commits 5 more frames. */
async function pinnedWal(): Promise<{ db: string; reader: Holder }> {
  dir = tempDir();
  const db = join(dir, 'app.db');
  buildAbandonedWal(db, 20);
  const reader = await holdState(db, 'wal-read');
  holders.push(reader);
  commitMore(db, 5);
  return { db, reader };
}

describe('runCheckpoint', () => {
  it('a reader on read mark 0 (it began on a fully checkpointed WAL): nothing copied, and it says so', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' }); // cleanly closed: the WAL is empty when the reader begins
    const reader = await holdState(db, 'wal-read');
    holders.push(reader);
    commitMore(db, 5);
    const c = runCheckpoint(gatherAuditFacts(db), 'truncate', 200);
    expect(c).toMatchObject({ busy: 1, checkpointed: 0 });
    expect(c.log).toBeGreaterThan(0);
    expect(c.wrote).toContain(`it copied no frame: none of the WAL's ${c.log} frames is in the database file yet`);
    expect(c.blockers.find((h) => h.pid === reader.pid)!.locks.map((l) => l.name)).toContain('wal-read-0');
  });

  it('names the pinning reader with the frame its read mark pins, read after the connection closed', async () => {
    const { db, reader } = await pinnedWal();
    const c = runCheckpoint(gatherAuditFacts(db), 'passive', 200);
    expect(c).toMatchObject({ busy: 0, walRemovedOnClose: false });
    expect(c.log - c.checkpointed).toBe(5);
    const blocker = c.blockers.find((h) => h.pid === reader.pid)!;
    const mark = blocker.locks.find((l) => /^wal-read-[1-4]$/.test(l.name))!;
    expect(mark.pinsFrame).toBe(c.checkpointed);
    expect(c.readMarksAfter![Number(mark.name.slice(-1))]).toBe(c.checkpointed);
    expect(c.blockers.every((h) => h.pid !== process.pid && h.locks.length > 0)).toBe(true);
    // "checkpointed" counts frames copied by earlier checkpoints too; the text says which frames are in the file.
    expect(c.wrote).toContain(`after it, frames 1-${c.checkpointed} of the WAL's ${c.log} are in the database file`);
  });

  // How close the wait comes to the timeout is measured by `npm run bench checkpoint`. Here only the
  // checkpoint's own duration is bounded (no process start-up), by better-sqlite3's default busy timeout
  // of 5000 ms: what the wait would be if the timeout were not applied, 16 times the 300 ms asked for.
  it('the busy timeout bounds the wait: TRUNCATE with a pinned reader gives up busy', async () => {
    const { db } = await pinnedWal();
    const facts = gatherAuditFacts(db);
    const c = runCheckpoint(facts, 'truncate', 300);
    expect(c.busy).toBe(1);
    expect(c.durationMs).toBeLessThan(5000);
    expect(c.durationMs).toBeGreaterThanOrEqual(200); // it did wait for the reader, up to the timeout
    expect(c.walBytesAfter).toBe(c.walBytesBefore);
  });

  it('the CLI honours --checkpoint-timeout and reports the reader', async () => {
    const { db, reader } = await pinnedWal();
    const r = runCli(['audit', db, '--checkpoint', 'truncate', '--checkpoint-timeout', '300ms', '--json'], { timeoutMs: 20_000 });
    const report = JSON.parse(r.stdout);
    const c = report.databases[0].facts.checkpoint;
    expect(c).toMatchObject({ mode: 'truncate', timeoutMs: 300, busy: 1 });
    expect(c.blockers.map((h: { pid: number }) => h.pid)).toContain(reader.pid);
  });

  it('describes a completed TRUNCATE and PASSIVE truthfully', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 20);
    const t = runCheckpoint(gatherAuditFacts(db), 'truncate', 200);
    expect(t).toMatchObject({ busy: 0, log: 0, checkpointed: 0, walRemovedOnClose: true });
    expect(t.wrote).toMatch(/rebuilt the -shm index .*copied every remaining WAL frame into the database file and truncated -wal to 0 bytes/);

    buildAbandonedWal(join(dir, 'b.db'), 20);
    const p = runCheckpoint(gatherAuditFacts(join(dir, 'b.db')), 'passive', 200);
    expect(p.busy).toBe(0);
    expect(p.checkpointed).toBe(p.log);
    expect(p.wrote).toContain(`frames 1-${p.log} of the WAL's ${p.log} are in the database file`);
  });

  it('a cleanly closed WAL database: the WAL was empty; the connection created -wal/-shm and removed them', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    const c = runCheckpoint(gatherAuditFacts(db), 'truncate', 200);
    expect(c).toMatchObject({ busy: 0, log: 0, walBytesBefore: null, walBytesAfter: null });
    expect(c.wrote).toMatch(/the WAL was empty.*created -wal and -shm while open and removed them/);
    expect(Object.keys(snapshotDir(dir))).toEqual(['app.db']);
  });

  it('never opens a rollback-mode database with a stray -wal (opening would apply it): files unchanged', () => {
    dir = tempDir();
    const db = buildStaleWal(dir, 'own');
    const files = () => [db, `${db}-wal`, `${db}-shm`, `${db}-journal`].map(sha256);
    const before = files();
    const c = runCheckpoint(gatherAuditFacts(db), 'truncate', 200);
    expect(c.skipped).toMatch(/a -wal is present: lockscope does not open it/);
    expect(c.wrote).toBe('nothing (no connection was opened)');
    expect(files()).toEqual(before);
  });

  it.runIf(nobodyCanRunCli())('refuses, naming the -shm, when the -shm is not writable (run as nobody)', () => {
    dir = tempDir();
    chmodSync(dir, 0o755);
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 5);
    for (const p of [dir, db, `${db}-wal`]) chownSync(p, 65534, 65534);
    // -shm stays root's, mode 0644: nobody can read it but not write it.
    const r = runCli(['audit', db, '--checkpoint'], { prefix: AS_NOBODY });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot checkpoint: no write permission on .*app\.db-shm/);
  });
});
