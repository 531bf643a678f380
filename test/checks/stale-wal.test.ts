import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import check from '../../checks/stale-wal.js';
import { makeTempDir, python, removeDir } from '../../fixtures/databases.js';
import { buildStaleWal } from '../../fixtures/journals.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: AuditFacts) => runCheck(check, facts, { app: {} })!;
const rollback = { writeVersion: 1, readVersion: 1, walEnabled: false };
/** A rollback-mode database with a -wal whose -shm is not live: the WAL file was scanned. */
const scanned = (wal: Partial<NonNullable<Exclude<AuditFacts['wal'], { error: unknown }>>>, extra: Parameters<typeof makeFacts>[0] = {}) =>
  makeFacts({ header: rollback, shm: null, files: { shm: { exists: false } }, locks: { holders: [] }, wal: { framesWithCurrentSalt: 10, lastCommitFrame: 10, framesVerified: 10, chainComplete: true, ...wal }, ...extra });

let dir = '';
afterEach(() => {
  if (dir) removeDir(dir);
  dir = '';
});

/** Opens a database the way an app would (read-write), in a child process; returns what it printed. */
function openLikeTheApp(db: string): string {
  return python(
    db,
    `c = sqlite3.connect(db)
try:
    print(c.execute("PRAGMA integrity_check").fetchone()[0]); print(c.execute("SELECT v FROM t WHERE id = 1000").fetchone()[0])
except sqlite3.DatabaseError as e:
    print("ERROR", e)
c.close()`,
  );
}

describe('stale-wal (facts tables)', () => {
  it('passes a WAL database: its -wal is its own', () => {
    expect(run(makeFacts())).toMatchObject({ status: 'pass', messageId: 'wal-database' });
  });

  it('passes a rollback database with no -wal', () => {
    expect(run(makeFacts({ header: rollback, wal: null, files: { wal: { exists: false } } }))).toMatchObject({ status: 'pass', messageId: 'no-wal' });
  });

  it('warns on committed frames found in the WAL file, with the evidence and a look-at-a-copy-first fix', () => {
    const f = run(scanned({}));
    expect(f).toMatchObject({ status: 'warn', messageId: 'stale-wal', title: check.failureTitle });
    expect(f.evidence).toMatchObject({ walBytes: 32 + 4120 * 10, committedFrames: 10, frameSource: 'wal-file', shmLive: false });
    expect(f.message).toMatch(/10 committed frame/);
    expect(f.fixes[0]!.shell).toBe(`d=$(mktemp -d) && cp /data/app.db "$d/app.db" && cp /data/app.db-wal "$d/app.db-wal" && sqlite3 "$d/app.db" 'PRAGMA integrity_check'`);
    expect(f.fixes[1]!.shell).toBe('mv /data/app.db-wal /data/app.db-wal.orphan');
    expect(f.fixes.some((x) => /\brm\b/.test(x.shell ?? ''))).toBe(false);
  });

  it('warns, saying it is in use now, when a process is attached (live -shm)', () => {
    const f = run(makeFacts({ header: rollback }));
    expect(f).toMatchObject({ status: 'warn', messageId: 'stale-wal' });
    expect(f.evidence).toMatchObject({ frameSource: 'shm', committedFrames: 10, shmLive: true, processesWithLocks: [4242] });
    expect(f.message).toMatch(/using this -wal at this moment/);
    expect(f.fixes[1]!.shell).toContain('app.db-shm.orphan');
  });

  it('counts as unknown when no commit was found within the checksummed part of a huge -wal', () => {
    const f = run(scanned({ framesInFile: 70_000, framesWithCurrentSalt: 70_000, lastCommitFrame: 0, framesVerified: 16_000, chainComplete: false, sizeBytes: 32 + 4120 * 70_000 }));
    expect(f).toMatchObject({ status: 'warn', messageId: 'stale-wal' });
    expect(f.evidence.committedFrames).toBeNull();
    expect(f.message).toMatch(/an unknown number of committed/);
  });

  it.each([
    ['no committed frame', { lastCommitFrame: 0 }],
    ['no valid header', { headerValid: false, sizeBytes: 0, framesInFile: 0, framesWithCurrentSalt: null, lastCommitFrame: null }],
  ] as const)('is info for a stray -wal with nothing to apply (%s)', (_name, wal) => {
    const f = run(scanned(wal));
    expect(f).toMatchObject({ status: 'info', messageId: 'stray-empty-wal' });
    expect(f.evidence.committedFrames).toBe(0);
  });
});

describe('stale-wal on real files: what SQLite really does with the stray -wal', () => {
  it('own -wal beside a restored rollback-mode copy: warned, and opening applies its change and deletes it', () => {
    dir = makeTempDir();
    const db = buildStaleWal(dir, 'own');
    const facts = gatherAuditFacts(db);
    expect(facts.header.walEnabled).toBe(false);
    const f = run(facts);
    expect(f).toMatchObject({ status: 'warn', messageId: 'stale-wal' });
    expect(f.evidence).toMatchObject({ committedFrames: 1, frameSource: 'wal-file' });
    expect(openLikeTheApp(db)).toBe('ok\nfrom-the-wal\n');
    // The last close copied the frame into the file and deleted the -wal; the header stays rollback.
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect([...readFileSync(db).subarray(18, 20)]).toEqual([1, 1]);
    expect(openLikeTheApp(db)).toBe('ok\nfrom-the-wal\n');
    expect(run(gatherAuditFacts(db))).toMatchObject({ status: 'pass', messageId: 'no-wal' });
  });

  it('a -wal from another database: warned, and opening corrupts the database for good', () => {
    dir = makeTempDir();
    const db = buildStaleWal(dir, 'foreign');
    expect(run(gatherAuditFacts(db))).toMatchObject({ status: 'warn', messageId: 'stale-wal' });
    expect(openLikeTheApp(db)).toMatch(/^ERROR database disk image is malformed/);
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(openLikeTheApp(db)).toMatch(/^ERROR database disk image is malformed/);
  });

  it.each(['uncommitted', 'empty'] as const)('a -wal with no committed frame (%s): info, and opening leaves the data unchanged', (kind) => {
    dir = makeTempDir();
    const db = buildStaleWal(dir, kind);
    const f = run(gatherAuditFacts(db));
    expect(f).toMatchObject({ status: 'info', messageId: 'stray-empty-wal', evidence: { committedFrames: 0 } });
    expect(openLikeTheApp(db)).toBe(`ok\n${'x'.repeat(200)}\n`);
  });
});

describe('stale-wal: -wal headers that stop the database from opening', () => {
  it('wal-blocks-open: a -wal whose header version SQLite rejects, beside a rollback database', () => {
    const f = run(scanned({ headerValid: false, headerProblem: 'version' }));
    expect(f).toMatchObject({ status: 'fail', messageId: 'wal-blocks-open', evidence: { walHeaderProblem: 'version' } });
    expect(f.fixes[0]!.shell).toMatch(/^mv /);
  });

  it('wal-page-size: committed frames of another page size, beside a rollback database', () => {
    const f = run(scanned({ pageSizeBytes: 1024, pageSizeMatchesDb: false }));
    expect(f).toMatchObject({ status: 'fail', messageId: 'wal-page-size', evidence: { walPageSizeBytes: 1024, pageSizeBytes: 4096 } });
  });
});
