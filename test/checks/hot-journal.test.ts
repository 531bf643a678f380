import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import check from '../../checks/hot-journal.js';
import { holdState, python } from '../../fixtures/databases.js';
import { buildHotJournal, buildPersistJournal, buildRollbackDatabase, buildTruncateJournal, holdSpilledWriter } from '../../fixtures/journals.js';
import { gatherAuditFacts, readJournal, statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import type { AuditFacts, JournalFacts, LockFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

const run = (facts: AuditFacts) => runCheck(check, facts, { app: {} })!;
const journalFile = { exists: true, type: 'file' as const, sizeBytes: 448_016 };
const withJournal = (journal: JournalFacts, extra: Parameters<typeof makeFacts>[0] = {}) =>
  makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false }, files: { journal: journalFile }, journal, ...extra });

const { holders, tempDir } = scratchPerTest();
let dir = '';

describe('hot-journal (facts tables)', () => {
  it('passes when there is no -journal', () => {
    const f = run(makeFacts());
    expect(f).toMatchObject({ status: 'pass', messageId: 'no-journal' });
  });

  it('fails on a hot journal, with the rollback-by-opening fix and no advice to delete it', () => {
    const f = run(withJournal({ sizeBytes: 448_016, headerMagicValid: true, headerZeroed: false, hot: true }));
    expect(f).toMatchObject({ status: 'fail', messageId: 'hot', title: check.failureTitle });
    expect(f.evidence).toMatchObject({ journalBytes: 448_016, hot: true, dbOwner: 'app' });
    expect(f.message).toMatch(/SQLITE_READONLY_ROLLBACK/);
    expect(f.fixes[0]!.shell).toBe("sudo -u app sqlite3 /data/app.db 'PRAGMA integrity_check'");
    expect(f.fixes[0]!.caution).toMatch(/Do not delete/);
    expect(f.fixes.some((x) => /\brm\b/.test(x.shell ?? ''))).toBe(false);
  });

  it('says the journal cannot be deleted when the directory is not writable by the owner', () => {
    const f = run(withJournal({ sizeBytes: 4096, headerMagicValid: true, headerZeroed: false, hot: true }, { directory: { writableByDbOwner: false } }));
    expect(f.status).toBe('fail');
    expect(f.evidence.directoryWritableByDbOwner).toBe(false);
    expect(f.message).toMatch(/SQLITE_IOERR_DELETE/);
  });

  it('quotes a database path with spaces in the shell fix', () => {
    const f = run(withJournal({ sizeBytes: 4096, headerMagicValid: true, headerZeroed: false, hot: true }, { files: { db: { path: "/srv/my app/it's.db" } } }));
    expect(f.fixes[0]!.shell).toBe(`sudo -u app sqlite3 '/srv/my app/it'\\''s.db' 'PRAGMA integrity_check'`);
  });

  it('fails on a hot journal whose header is not a journal header: read-only connections fail until a read-write one deletes it', () => {
    const f = run(withJournal({ sizeBytes: 4008, headerMagicValid: false, headerZeroed: false, hot: true }));
    expect(f).toMatchObject({ status: 'fail', messageId: 'hot-unrecognised' });
    expect(f.message).toMatch(/SQLITE_READONLY_ROLLBACK/);
  });

  it('is info when the lock table was unavailable', () => {
    const f = run(withJournal({ sizeBytes: 4096, headerMagicValid: true, headerZeroed: false, hot: null }));
    expect(f).toMatchObject({ status: 'info', messageId: 'unknown' });
    expect(f.message).toMatch(/lock table is unavailable/);
  });

  it.each([
    ['empty', { sizeBytes: 0, headerMagicValid: false, headerZeroed: false, hot: false }],
    ['zeroed', { sizeBytes: 49_760, headerMagicValid: false, headerZeroed: true, hot: false }],
    ['not-hot', { sizeBytes: 4616, headerMagicValid: false, headerZeroed: false, hot: false }],
  ] as const)('passes a journal that is not hot: %s', (messageId, journal) => {
    const f = run(withJournal({ ...journal }, { locks: { holders: [] } }));
    expect(f).toMatchObject({ status: 'pass', messageId });
  });

  it('passes a journal whose writer is alive, naming it', () => {
    const locks: Partial<LockFacts> = {
      holders: [{ pid: 77, command: 'python3 worker.py', locks: [{ name: 'reserved', mode: 'exclusive', file: 'db' }, { name: 'shared', mode: 'shared', file: 'db' }] }],
    };
    const f = run(withJournal({ sizeBytes: 4616, headerMagicValid: true, headerZeroed: false, hot: false }, { locks }));
    expect(f).toMatchObject({ status: 'pass', messageId: 'writer-active' });
    expect(f.message).toContain('pid 77 (python3 worker.py)');
    expect(f.evidence.writerPids).toEqual([77]);
  });
});

describe('hot-journal on real files', () => {
  it('a writer SIGKILLed mid-transaction leaves a hot journal; the file alone holds part of the update', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildHotJournal(db);
    const facts = gatherAuditFacts(db);
    expect(facts.journal).toMatchObject({ hot: true, headerMagicValid: true, headerZeroed: false });
    const f = run(facts);
    expect(f).toMatchObject({ status: 'fail', messageId: 'hot' });

    // The claims in the message, checked on copies: the database file without its journal is half-updated,
    mkdirSync(join(dir, 'alone'));
    copyFileSync(db, join(dir, 'alone', 'app.db'));
    const partial = python(join(dir, 'alone', 'app.db'), `c = sqlite3.connect(db); print(c.execute("SELECT count(*), sum(v LIKE 'y%') FROM t").fetchone())`);
    const [, updated] = /\((\d+), (\d+)\)/.exec(partial)!.slice(1).map(Number) as [number, number];
    expect(updated).toBeGreaterThan(0);
    // a read-only connection cannot roll it back,
    const ro = python(db, `c = sqlite3.connect("file:" + db + "?mode=ro", uri=True)
try:
    c.execute("SELECT count(*) FROM t").fetchall(); print("opened")
except sqlite3.OperationalError as e:
    print(e.sqlite_errorname)`);
    expect(ro.trim()).toBe('SQLITE_READONLY_ROLLBACK');
    // and a read-write open rolls it back and removes the journal.
    const rw = python(db, `c = sqlite3.connect(db); print(c.execute("SELECT sum(v LIKE 'y%') FROM t").fetchone()[0]); c.close()`);
    expect(rw.trim()).toBe('0');
    expect(existsSync(`${db}-journal`)).toBe(false);
    expect(run(gatherAuditFacts(db))).toMatchObject({ status: 'pass', messageId: 'no-journal' });
  });

  it('a journal with a wrong header: fails, because a read-only connection really fails until a read-write one deletes it', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildRollbackDatabase(db, 100);
    writeFileSync(`${db}-journal`, Buffer.alloc(4008, 0x5a));
    const f = run(gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'fail', messageId: 'hot-unrecognised' });
    const ro = python(db, `c = sqlite3.connect("file:" + db + "?mode=ro", uri=True)
try:
    c.execute("SELECT count(*) FROM t").fetchall(); print("opened")
except sqlite3.OperationalError as e:
    print(e.sqlite_errorname)`);
    expect(ro.trim()).toBe('SQLITE_READONLY_ROLLBACK');
    python(db, 'c = sqlite3.connect(db); c.execute("SELECT count(*) FROM t").fetchall(); c.close()');
    expect(existsSync(`${db}-journal`)).toBe(false);
  });

  it('journal_mode=PERSIST leaves a zeroed journal: not hot', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildPersistJournal(db);
    const facts = gatherAuditFacts(db);
    expect(facts.journal).toMatchObject({ hot: false, headerZeroed: true, headerMagicValid: false });
    expect((facts.journal as JournalFacts).sizeBytes).toBeGreaterThan(0);
    expect(run(facts)).toMatchObject({ status: 'pass', messageId: 'zeroed' });
  });

  it('journal_mode=TRUNCATE leaves a 0-byte journal: not hot', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildTruncateJournal(db);
    const facts = gatherAuditFacts(db);
    expect(facts.journal).toMatchObject({ hot: false, sizeBytes: 0 });
    expect(run(facts)).toMatchObject({ status: 'pass', messageId: 'empty' });
  });

  it('a live writer holding RESERVED (journal not yet synced): not hot, the writer is named', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildRollbackDatabase(db, 100);
    const holder = await holdState(db, 'rb-reserved');
    holders.push(holder);
    const facts = gatherAuditFacts(db);
    expect(facts.files.journal.exists).toBe(true);
    // Before its first sync the header's magic is still zero, and its nonce is not: not the PERSIST state.
    expect(facts.journal).toMatchObject({ hot: false, headerZeroed: false });
    const f = run(facts);
    expect(f).toMatchObject({ status: 'pass', messageId: 'writer-active' });
    expect(f.evidence.writerPids).toEqual([holder.pid]);
  });

  it('a live writer whose journal is synced (magic written, pages spilled): not hot', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildRollbackDatabase(db);
    holders.push(await holdSpilledWriter(db));
    const facts = gatherAuditFacts(db);
    expect(facts.journal).toMatchObject({ hot: false, headerMagicValid: true });
    expect(run(facts)).toMatchObject({ status: 'pass', messageId: 'writer-active' });
  });

  it('a writer that started after the lock table was read is caught by the second look', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildRollbackDatabase(db);
    holders.push(await holdSpilledWriter(db));
    const files = statDatabaseFiles(db);
    // The lock table as it was before the writer began: nobody held anything.
    const before: LockFacts = { ...(gatherAuditFacts(db).locks as LockFacts), raw: [], holders: [] };
    expect(readJournal(files.journal, before)!.hot).toBe(true);
    expect(readJournal(files.journal, before, files.db)!.hot).toBe(false);
  });
});
