import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import check from '../../checks/wal-size.js';
import { buildAbandonedWal, holdState } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AppSettings, AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

const MIB = 1024 * 1024;
const run = (facts: AuditFacts, app: AppSettings = {}, thresholds?: Record<string, number>) =>
  runCheck(check, facts, { app, thresholds: thresholds ? { 'wal-size': thresholds } : undefined })!;

/** A WAL of `frames` 4 KiB frames; the live -shm header says `mxFrame` committed, `nBackfill` copied back. */
function walFacts(frames: number, mxFrame: number, nBackfill: number, trusted = true) {
  const bytes = 32 + 4120 * frames;
  return makeFacts({
    files: { wal: { sizeBytes: bytes } },
    wal: { sizeBytes: bytes, framesInFile: frames, framesWithCurrentSalt: trusted ? null : mxFrame, lastCommitFrame: trusted ? null : mxFrame },
    shm: { header: { mxFrame, nBackfill, readMarks: [0, mxFrame, null, null, null] }, attached: trusted, trusted },
  });
}

const { holders, tempDir } = scratchPerTest();
let dir = '';

describe('wal-size (facts tables)', () => {
  it('skips a rollback-journal database', () => {
    const f = run(makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } }));
    expect(f).toMatchObject({ status: 'skip', messageId: 'not-wal' });
  });

  it('passes a WAL database with no -wal (clean close)', () => {
    const f = run(makeFacts({ wal: null, files: { wal: { exists: false } } }));
    expect(f).toMatchObject({ status: 'pass', messageId: 'no-wal', evidence: { walBytes: 0 } });
  });

  it('passes a small WAL, giving bytes, frames and frames not checkpointed from the live -shm', () => {
    const f = run(walFacts(10, 10, 4));
    expect(f).toMatchObject({ status: 'pass', messageId: 'ok' });
    expect(f.evidence).toMatchObject({ walBytes: 41_232, framesInFile: 10, committedFrames: 10, framesNotCheckpointed: 6, frameSource: 'shm', warnBytes: 64 * MIB });
    expect(f.message).toMatch(/6 not yet copied/);
  });

  it('warns above 64 MiB when the frames are live, pointing at checkpoints', () => {
    const f = run(walFacts(20_000, 20_000, 1000));
    expect(f).toMatchObject({ status: 'warn', messageId: 'large', title: check.failureTitle });
    expect(f.evidence).toMatchObject({ walBytes: 32 + 4120 * 20_000, framesNotCheckpointed: 19_000 });
    expect(f.message).toMatch(/checkpoints are not keeping up/);
    expect(f.fixes[0]!.shell).toBe('lockscope audit --checkpoint truncate --checkpoint-timeout 200ms /data/app.db');
    expect(f.fixes.some((x) => x.sql?.includes('journal_size_limit'))).toBe(true);
    expect(f.fixes.some((x) => x.sql?.includes('wal_checkpoint(TRUNCATE)'))).toBe(true);
  });

  it('says a large file with few live frames is its high-water mark', () => {
    const f = run(walFacts(20_000, 12, 12));
    expect(f).toMatchObject({ status: 'warn', messageId: 'large' });
    expect(f.message).toMatch(/room for 20,000 frames but only 12 are live/);
    expect(f.message).toMatch(/disk space, not speed/);
    expect(f.fixes.some((x) => x.sql?.includes('wal_checkpoint(TRUNCATE)'))).toBe(false);
  });

  it('fails above 1 GiB', () => {
    const f = run(walFacts(300_000, 300_000, 0));
    expect(f).toMatchObject({ status: 'fail', messageId: 'very-large' });
    expect(f.evidence.failBytes).toBe(1024 * MIB);
  });

  it('warns only above 4 × a larger declared autocheckpoint size, and thresholds can be overridden', () => {
    const facts = walFacts(25_000, 25_000, 0); // ~98 MiB
    expect(run(facts, { walAutocheckpointPages: 10_000 })).toMatchObject({ status: 'pass', evidence: { warnBytes: 4 * 10_000 * 4096, autocheckpointDeclared: true } });
    expect(run(facts, {}, { warnBytes: 256 * MIB }).status).toBe('pass');
    expect(run(facts, {}, { failBytes: 64 * MIB }).status).toBe('fail');
  });

  it('says when the numbers come from the -wal file because no process is attached', () => {
    const f = run(walFacts(20_000, 20_000, 0, false));
    expect(f).toMatchObject({ status: 'warn', evidence: { frameSource: 'wal-file', committedFrames: 20_000, framesNotCheckpointed: 20_000 } });
    expect(f.message).toMatch(/no process is attached/);
    expect(f.message).toMatch(/will run recovery/);
  });

  it('counts no frames in a -wal without a valid header', () => {
    const f = run(makeFacts({ wal: { sizeBytes: 0, headerValid: false, framesInFile: 0 } }));
    expect(f).toMatchObject({ status: 'pass', evidence: { committedFrames: 0, frameSource: 'none' } });
  });
});

describe('wal-size on real files', () => {
  it('an abandoned WAL (nobody attached): frames from the -wal itself', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 30);
    const facts = gatherAuditFacts(db);
    const f = run(facts);
    expect(f).toMatchObject({ status: 'pass', messageId: 'ok', evidence: { frameSource: 'wal-file' } });
    expect(f.evidence.committedFrames).toBeGreaterThanOrEqual(30);
    expect(f.evidence.walBytes).toBe(facts.files.wal.sizeBytes);
    // With automatic checkpoints declared off and a 1-byte threshold, the same WAL warns.
    expect(run(facts, { walAutocheckpointPages: 0 }, { warnBytes: 1 })).toMatchObject({ status: 'warn', messageId: 'large' });
  });

  it('a WAL with a process attached: frames from the live -shm header', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 30);
    holders.push(await holdState(db, 'wal-idle'));
    const f = run(gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'pass', evidence: { frameSource: 'shm' } });
    expect(f.evidence.committedFrames).toBeGreaterThanOrEqual(30);
  });
});

describe('wal-size: unreadable and mismatched -wal headers', () => {
  it('wal-blocks-open: a header version SQLite rejects makes the database unopenable', () => {
    const f = run(makeFacts({ wal: { headerValid: false, headerProblem: 'version' } }));
    expect(f).toMatchObject({ status: 'fail', messageId: 'wal-blocks-open', evidence: { walHeaderProblem: 'version' } });
    expect(f.message).toMatch(/SQLITE_CANTOPEN/);
  });

  it('wal-ignored: a bad magic makes SQLite ignore the whole -wal', () => {
    const f = run(makeFacts({ wal: { headerValid: false, headerProblem: 'magic' } }));
    expect(f).toMatchObject({ status: 'warn', messageId: 'wal-ignored', evidence: { walHeaderProblem: 'magic', committedFrames: 0 } });
    expect(f.fixes[0]!.shell).toMatch(/^cp /);
  });

  it('wal-page-size: committed frames of another page size', () => {
    const f = run(makeFacts({ wal: { pageSizeBytes: 1024, pageSizeMatchesDb: false } }));
    expect(f).toMatchObject({ status: 'fail', messageId: 'wal-page-size' });
  });
});
