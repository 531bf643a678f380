/** The WAL, -shm and header bytes 18/19 as SQLite reads them, on real files edited the way the fuzz finds matter. */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import checkpointLag from '../../checks/checkpoint-lag.js';
import fileFormat from '../../checks/file-format.js';
import journalMode from '../../checks/journal-mode.js';
import staleWal from '../../checks/stale-wal.js';
import walSize from '../../checks/wal-size.js';
import { buildAbandonedWal, buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { reframe } from '../../fixtures/format-fuzz.js';
import { writeFileSync } from 'node:fs';
import { AuditInputError, gatherAuditFacts, readWal, statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import { shmHeaderChecksum } from '../../src/sources/sqlite/shm-header.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { walChecksum } from '../../src/sources/sqlite/wal-header.js';
import { runCheck } from '../../src/core/runner.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir } = scratchPerTest();
const run = (check: Parameters<typeof runCheck>[0], facts: AuditFacts) => runCheck(check, facts, { app: {} })!;

function patch(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}
const u32be = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
/** What SQLite answers to `sql` on a COPY of the files (the copy is opened by python3, never the original). */
function rowsInCopy(db: string, sql = 'SELECT count(*) FROM t'): string {
  return python(
    db,
    `import shutil, tempfile, os
d = tempfile.mkdtemp()
for s in ("", "-wal"):
    if os.path.exists(db + s): shutil.copy(db + s, d + "/c.db" + s)
try:
    print(sqlite3.connect(d + "/c.db").execute(${JSON.stringify(sql)}).fetchone()[0])
except sqlite3.Error as e:
    print("error: " + str(e))
shutil.rmtree(d)`,
  ).trim();
}

describe('WAL header validated as recovery does', () => {
  it('one bit flipped in the header checksum: SQLite ignores the whole WAL, lockscope says so and counts no frame', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { rows: 3 });
    buildAbandonedWal(db, 20);
    expect(rowsInCopy(db)).toBe('23');
    const wal = readFileSync(`${db}-wal`);
    patch(`${db}-wal`, 31, Buffer.from([wal[31]! ^ 1]));
    expect(rowsInCopy(db)).toBe('3'); // SQLite: the 20 committed inserts are gone
    const facts = gatherAuditFacts(db);
    const f = run(walSize, facts);
    expect(f).toMatchObject({ status: 'warn', messageId: 'wal-ignored', evidence: { walHeaderProblem: 'checksum', committedFrames: 0 } });
    expect(f.message).toMatch(/SQLite will ignore this whole/);
    expect(f.evidence.framesIgnored).toBeGreaterThanOrEqual(20);
  });

  it('a version SQLite does not know, with a correct checksum: the database does not open at all', () => {
    const db = join(tempDir(), 'app.db');
    buildAbandonedWal(db, 5);
    const wal = readFileSync(`${db}-wal`);
    wal.writeUInt32BE(3007001, 4);
    const [a, b] = walChecksum(wal, 0, 24, (wal.readUInt32BE(0) & 1) === 1);
    patch(`${db}-wal`, 4, wal.subarray(4, 8));
    patch(`${db}-wal`, 24, Buffer.concat([u32be(a), u32be(b)]));
    expect(rowsInCopy(db)).toMatch(/^error: unable to open database file/);
    const f = run(walSize, gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'fail', messageId: 'wal-blocks-open', evidence: { walHeaderProblem: 'version' } });
  });

  it('beside a rollback-journal header, the same -wal is a failure of stale-wal', () => {
    const db = join(tempDir(), 'app.db');
    buildAbandonedWal(db, 5);
    const wal = readFileSync(`${db}-wal`);
    wal.writeUInt32BE(3007001, 4);
    const [a, b] = walChecksum(wal, 0, 24, (wal.readUInt32BE(0) & 1) === 1);
    patch(`${db}-wal`, 4, Buffer.concat([wal.subarray(4, 24), u32be(a), u32be(b)]));
    patch(db, 18, Buffer.from([1, 1]));
    expect(run(staleWal, gatherAuditFacts(db))).toMatchObject({ status: 'fail', messageId: 'wal-blocks-open' });
  });

  it('a frame whose checksum breaks: only the commits before it count, and the rest are named as ignored', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { rows: 1 });
    buildAbandonedWal(db, 10);
    const before = gatherAuditFacts(db).wal as { lastCommitFrame: number; pageSizeBytes: number };
    // Flip one byte in the page body of frame 5: its checksum, and so the chain, breaks there.
    patch(`${db}-wal`, 32 + 4 * (before.pageSizeBytes + 24) + 24 + 100, Buffer.from([0xff]));
    const facts = gatherAuditFacts(db);
    const wal = facts.wal as { lastCommitFrame: number; chainComplete: boolean };
    expect(wal.chainComplete).toBe(true);
    expect(wal.lastCommitFrame).toBeLessThan(5);
    // SQLite agrees: the inserts committed after frame 4 are lost.
    expect(Number(rowsInCopy(db))).toBeLessThan(11);
    const f = run(walSize, facts);
    expect(f.evidence).toMatchObject({ committedFrames: wal.lastCommitFrame, framesCertain: true });
    expect(f.message).toMatch(/SQLite will ignore the \d+ frame\(s\) after them/);
  });
});

describe('a -wal of another page size', () => {
  it('with committed frames: SQLite cannot checkpoint it (malformed), wal-size fails; stale-wal too beside a rollback header', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { rows: 1 });
    buildAbandonedWal(db, 6); // small rows: page 1 stays in the file, the -wal holds only the table's pages
    expect((gatherAuditFacts(db).wal as { page1Head?: string }).page1Head).toBeUndefined();
    writeFileSync(`${db}-wal`, reframe(readFileSync(`${db}-wal`), 4096, 8192));
    expect(rowsInCopy(db, 'PRAGMA wal_checkpoint(PASSIVE)')).toBe('error: database disk image is malformed');
    const f = run(walSize, gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'fail', messageId: 'wal-page-size', evidence: { walPageSizeBytes: 8192, pageSizeBytes: 4096 } });
    expect(f.message).toMatch(/every checkpoint then fails with "database disk image is malformed"/);
    patch(db, 18, Buffer.from([1, 1]));
    expect(run(staleWal, gatherAuditFacts(db))).toMatchObject({ status: 'fail', messageId: 'wal-page-size' });
  });
});

describe('the in-header database size', () => {
  it('larger than the file: SQLite says malformed on open, file-format fails with malformed-size', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'delete', rows: 5 });
    patch(db, 28, u32be(999));
    expect(rowsInCopy(db)).toBe('error: database disk image is malformed');
    const f = run(fileFormat, gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'fail', messageId: 'malformed-size', evidence: { headerPages: 999, pagesFrom: 'file' } });
  });

  it('a schema format above 4: "unsupported file format", the audit stops with exit-2 input error', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'delete', rows: 1 });
    patch(db, 44, u32be(12));
    expect(rowsInCopy(db)).toBe('error: unsupported file format');
    expect(() => gatherAuditFacts(db)).toThrow(/unsupported file format/);
  });
});

describe('checksums verified up to a bound', () => {
  it('beyond the bound, committed frames are a lower bound (verified) and an upper bound (salts), never more', () => {
    const db = join(tempDir(), 'app.db');
    buildAbandonedWal(db, 12);
    const wal = statDatabaseFiles(db).wal;
    const full = readWal(wal, true)!;
    expect(full).toMatchObject({ chainComplete: true, framesVerified: full.framesWithCurrentSalt });
    // A bound of 3 frames: the chain is verified over frames 1-3 only.
    const bounded = readWal(wal, true, 3 * (full.pageSizeBytes! + 24))!;
    expect(bounded).toMatchObject({ chainComplete: false, framesVerified: 3, unverifiedCommitFrame: full.lastCommitFrame });
    expect(bounded.lastCommitFrame).toBeLessThanOrEqual(3);
    const f = run(walSize, { ...gatherAuditFacts(db), wal: bounded });
    expect(f.evidence).toMatchObject({ committedFrames: bounded.lastCommitFrame, framesCertain: false });
    expect(f.message).toMatch(new RegExp(`At least ${bounded.lastCommitFrame} committed frame\\(s\\).*at most ${full.lastCommitFrame}`));
  });
});

describe('-shm checked against the -wal', () => {
  it('a live -shm whose mxFrame is beyond the -wal is corrupt: no billion frames waiting, the -wal is scanned instead', async () => {
    const db = join(tempDir(), 'app.db');
    buildAbandonedWal(db, 8);
    holders.push(await holdState(db, 'wal-idle'));
    const shm = readFileSync(`${db}-shm`).subarray(0, 136);
    shm.writeUInt32LE(1_694_466_318, 16);
    const [a, b] = shmHeaderChecksum(shm);
    shm.writeUInt32LE(a, 40);
    shm.writeUInt32LE(b, 44);
    shm.copy(shm, 48, 0, 48);
    patch(`${db}-shm`, 0, shm.subarray(0, 96));
    const facts = gatherAuditFacts(db);
    const lag = run(checkpointLag, facts);
    expect(lag).toMatchObject({ status: 'warn', messageId: 'shm-inconsistent', evidence: { shmProblem: 'corrupt', mxFrame: 1_694_466_318 } });
    expect(lag.message).toMatch(/mxFrame is 1694466318 but the -wal/);
    const size = run(walSize, facts);
    expect(size).toMatchObject({ status: 'pass', evidence: { frameSource: 'wal-file' } });
    expect(size.evidence.committedFrames).toBeGreaterThanOrEqual(8);
    expect(size.evidence.committedFrames).toBeLessThan(100);
  });

  it('a -shm left from another WAL generation (salts differ) with nobody attached is stale', () => {
    const db = join(tempDir(), 'app.db');
    buildAbandonedWal(db, 4);
    const wal = readFileSync(`${db}-wal`);
    wal.writeUInt32BE((wal.readUInt32BE(16) + 1) >>> 0, 16);
    const [a, b] = walChecksum(wal, 0, 24, (wal.readUInt32BE(0) & 1) === 1);
    patch(`${db}-wal`, 16, Buffer.concat([wal.subarray(16, 24), u32be(a), u32be(b)]));
    const facts = gatherAuditFacts(db);
    const lag = run(checkpointLag, facts);
    expect(lag).toMatchObject({ status: 'info', messageId: 'shm-inconsistent', evidence: { shmProblem: 'stale' } });
    expect(lag.message).toMatch(/salts .* are not the -wal header's/);
  });
});

describe('header bytes 18/19 as btree.c lockBtree reads them', () => {
  it('1/2 opens in WAL mode (SQLite says wal): journal-mode passes', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'delete' });
    patch(db, 18, Buffer.from([1, 2]));
    expect(python(db, 'print(sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0])').trim()).toBe('wal');
    const f = run(journalMode, gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'pass', messageId: 'wal', evidence: { writeVersion: 1, readVersion: 2, walEnabled: true } });
  });

  it('write version 3: opened read-only (writes fail), reported as such, not as a corrupt file', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'delete' });
    patch(db, 18, Buffer.from([3]));
    expect(python(db, `c = sqlite3.connect(db)\ntry:\n    c.execute("INSERT INTO t(v) VALUES ('x')")\nexcept sqlite3.Error as e: print(e)`).trim()).toBe('attempt to write a readonly database');
    const f = run(fileFormat, gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'fail', messageId: 'read-only-format', evidence: { readOnly: true } });
    expect(f.message).toMatch(/read-only/);
  });

  it('read version 3: SQLite says "file is not a database"; lockscope stops with that, code UNREADABLE_FORMAT', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'delete' });
    patch(db, 19, Buffer.from([3]));
    expect(python(db, `try:\n    sqlite3.connect(db).execute("SELECT 1 FROM t")\nexcept sqlite3.Error as e: print(e)`).trim()).toBe('file is not a database');
    expect(() => gatherAuditFacts(db)).toThrow(AuditInputError);
    expect(() => gatherAuditFacts(db)).toThrow(/file is not a database/);
  });
});
