import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import check from '../../checks/checkpoint-lag.js';
import { buildAbandonedWal, holdState, python } from '../../fixtures/databases.js';
import { commitMore } from '../../fixtures/journals.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AppSettings, AuditFacts, LockHolder } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

const run = (facts: AuditFacts, app: AppSettings = {}, thresholds?: Record<string, number>) =>
  runCheck(check, facts, { app, thresholds: thresholds ? { 'checkpoint-lag': thresholds } : undefined })!;

const idle: LockHolder = { pid: 10, command: 'python3 web.py', locks: [{ name: 'shared', mode: 'shared', file: 'db' }, { name: 'wal-dms', mode: 'shared', file: 'shm' }] };
const reader = (pid: number, slot: number, pinsFrame?: number): LockHolder => ({
  pid,
  command: 'python3 report.py',
  locks: [
    { name: 'shared', mode: 'shared', file: 'db' },
    { name: `wal-read-${slot}` as 'wal-read-1', mode: 'shared', file: 'shm', ...(slot > 0 ? { pinsFrame: pinsFrame ?? null } : {}) },
    { name: 'wal-dms', mode: 'shared', file: 'shm' },
  ],
});

function lagFacts(mxFrame: number, nBackfill: number, holders: LockHolder[] = [idle], readMarks: (number | null)[] = [0, mxFrame, null, null, null]) {
  return makeFacts({ shm: { header: { mxFrame, nBackfill, readMarks } }, locks: { holders } });
}

const { holders, tempDir } = scratchPerTest();
let dir = '';

describe('checkpoint-lag (facts tables)', () => {
  it('skips a rollback-journal database', () => {
    expect(run(makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } }))).toMatchObject({ status: 'skip', messageId: 'not-wal' });
  });

  it('passes a WAL database with no -wal and no -shm', () => {
    const f = run(makeFacts({ shm: null, wal: null, files: { wal: { exists: false }, shm: { exists: false } } }));
    expect(f).toMatchObject({ status: 'pass', messageId: 'no-wal' });
  });

  it('passes a small lag', () => {
    const f = run(lagFacts(1200, 1000));
    expect(f).toMatchObject({ status: 'pass', messageId: 'ok', evidence: { mxFrame: 1200, nBackfill: 1000, framesNotCheckpointed: 200, warnFrames: 10_000 } });
  });

  it('warns when a READ1-4 reader holds its mark back, naming pid, command, mark, frame and frames held back', () => {
    const f = run(lagFacts(40_112, 12, [idle, reader(977, 1, 12)], [0, 12, 40_112, null, null]));
    expect(f).toMatchObject({ status: 'warn', messageId: 'pinned-by-reader', title: check.failureTitle });
    expect(f.evidence).toMatchObject({ framesNotCheckpointed: 40_100, pinningPids: [977], framesHeldBack: 40_100, readMarks: [0, 12, 40_112, 'unused', 'unused'] });
    expect(f.message).toContain('pid 977 (python3 report.py) holds read mark 1 at frame 12: the 40,100 frames after it cannot be copied back');
    expect(f.fixes[0]!.shell).toBe('ps -o pid,user,etime,args -p 977');
    expect(f.fixes.map((x) => x.stack)).toEqual(expect.arrayContaining(['python', 'better-sqlite3', 'go', 'sqlalchemy']));
  });

  it('uses the -shm read mark when the lock carries no pinsFrame, and ignores readers at the end of the WAL', () => {
    const atEnd = reader(30, 2, 20_000);
    const f = run(lagFacts(20_000, 0, [atEnd, { ...reader(31, 1), locks: [{ name: 'wal-read-1', mode: 'shared', file: 'shm' }] }], [0, 5000, 20_000, null, null]));
    expect(f).toMatchObject({ status: 'warn', messageId: 'pinned-by-reader', evidence: { pinningPids: [31], framesHeldBack: 15_000 } });
  });

  it('warns when a READ0 reader blocks all backfilling', () => {
    const f = run(lagFacts(12_000, 0, [reader(55, 0)]));
    expect(f).toMatchObject({ status: 'warn', messageId: 'blocked-by-read0', evidence: { pinningPids: [55], framesHeldBack: 12_000 } });
    expect(f.message).toMatch(/holds read mark 0: it reads only the database file, and while it does no checkpoint can copy any frame back/);
  });

  it('fails above failFrames with no reader to blame, and says checkpoints have not run', () => {
    const f = run(lagFacts(150_000, 1000));
    expect(f).toMatchObject({ status: 'fail', messageId: 'lag', evidence: { pinningPids: [] } });
    expect(f.message).toMatch(/No reader holds a read mark back right now/);
    expect(f.fixes[0]!.shell).toBe('lockscope audit --checkpoint passive /data/app.db');
  });

  it('blames wal_autocheckpoint=0 when the app declares it', () => {
    const f = run(lagFacts(20_000, 0), { walAutocheckpointPages: 0 });
    expect(f).toMatchObject({ status: 'warn', messageId: 'lag' });
    expect(f.message).toMatch(/wal_autocheckpoint=0/);
    expect(f.fixes.some((x) => x.sql === 'PRAGMA wal_autocheckpoint = 1000;')).toBe(true);
  });

  it('scales the warning with a larger declared autocheckpoint; thresholds can be overridden', () => {
    const facts = lagFacts(15_000, 0);
    expect(run(facts, { walAutocheckpointPages: 5000 })).toMatchObject({ status: 'pass', evidence: { warnFrames: 20_000 } });
    expect(run(facts, {}, { warnFrames: 20_000 }).status).toBe('pass');
    expect(run(facts, {}, { failFrames: 12_000 }).status).toBe('fail');
  });

  it('says so when the lock table could not be read', () => {
    const facts = makeFacts({ shm: { header: { mxFrame: 20_000, nBackfill: 0 } } });
    facts.locks = { error: { code: 'EACCES', message: 'denied' } };
    const f = run(facts);
    expect(f).toMatchObject({ status: 'warn', messageId: 'lag', evidence: { lockTableRead: false } });
    expect(f.message).toMatch(/lock table could not be read/);
  });

  it('is info when nobody is attached: the header may be stale, and what it says', () => {
    const f = run(makeFacts({ shm: { header: { mxFrame: 27, nBackfill: 0 }, attached: false, trusted: false }, wal: { framesWithCurrentSalt: 27, lastCommitFrame: 27 } }));
    expect(f).toMatchObject({ status: 'info', messageId: 'not-live', evidence: { mxFrame: 27, nBackfill: 0, committedFramesInWal: 27, shmAttached: false } });
    expect(f.message).toMatch(/may be stale/);
    expect(f.message).toMatch(/It says mxFrame=27, nBackfill=0/);
    expect(f.message).toMatch(/runs recovery/);
  });

  it('is info with no -shm but a -wal, and when an attached header fails validation', () => {
    const noShm = run(makeFacts({ shm: null, files: { shm: { exists: false } }, wal: { framesWithCurrentSalt: 8, lastCommitFrame: 7 } }));
    expect(noShm).toMatchObject({ status: 'info', messageId: 'not-live', evidence: { committedFramesInWal: 7, shmExists: false } });
    const torn = run(makeFacts({ shm: { valid: false, trusted: false, invalidReason: 'wal-index header checksum mismatch' } }));
    expect(torn).toMatchObject({ status: 'info', messageId: 'not-live' });
    expect(torn.message).toMatch(/checksum mismatch/);
  });
});

describe('checkpoint-lag on real files', () => {
  it('a reader pinning a snapshot while another process commits: named with its read mark', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 20);
    const pinned = await holdState(db, 'wal-read');
    holders.push(pinned);
    commitMore(db, 5);
    const facts = gatherAuditFacts(db);
    const f = run(facts, {}, { warnFrames: 1 });
    expect(f).toMatchObject({ status: 'warn', messageId: 'pinned-by-reader' });
    expect(f.evidence.pinningPids).toEqual([pinned.pid]);
    expect(f.evidence.framesHeldBack).toBe(5);
    expect(f.message).toMatch(new RegExp(`pid ${pinned.pid} \\(.*hold\\.py.*\\) holds read mark [1-4] at frame \\d+: the 5 frames after it`));
  });

  it('a reader that started on a fully checkpointed WAL holds READ0 and blocks all backfilling', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 20);
    holders.push(await holdState(db, 'wal-idle')); // keeps the WAL open so the checkpointer's close does not delete it
    python(db, `c = sqlite3.connect(db, isolation_level=None); print(c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()); c.close()`);
    const r0 = await holdState(db, 'wal-read');
    holders.push(r0);
    commitMore(db, 3);
    const f = run(gatherAuditFacts(db), {}, { warnFrames: 1 });
    expect(f).toMatchObject({ status: 'warn', messageId: 'blocked-by-read0' });
    expect(f.evidence.pinningPids).toEqual([r0.pid]);
    expect(f.evidence.framesNotCheckpointed).toBeGreaterThanOrEqual(3);
  });

  it('an abandoned WAL with nobody attached: info, from the -wal file', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 20);
    const f = run(gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'info', messageId: 'not-live' });
    expect(f.evidence.committedFramesInWal).toBeGreaterThanOrEqual(20);
  });
});

describe('checkpoint-lag: shm-inconsistent', () => {
  it('does not report a stale -shm header as lag: warn while processes are attached, info when none is', () => {
    const attached = run(makeFacts({ shm: { problem: 'stale', problemDetail: 'salts of another WAL', attached: true, trusted: false, header: { mxFrame: 50_000, nBackfill: 0 } } }));
    expect(attached).toMatchObject({ status: 'warn', messageId: 'shm-inconsistent', evidence: { shmProblem: 'stale', shmAttached: true, mxFrame: 50_000 } });
    const detached = run(makeFacts({ shm: { problem: 'stale', attached: false, trusted: false, header: { mxFrame: 50_000, nBackfill: 0 } } }));
    expect(detached).toMatchObject({ status: 'info', messageId: 'shm-inconsistent' });
  });
});
