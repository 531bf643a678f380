import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import check from '../../checks/journal-size-limit.js';
import { buildAbandonedWal, buildDatabase, holdState, makeTempDir, python, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AppSettings, AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const MiB = 1024 * 1024;
const FRAME = 4096 + 24;
const run = (facts: AuditFacts, app: AppSettings = {}, thresholds?: Record<string, number>) =>
  runCheck(check, facts, { app, thresholds: thresholds ? { 'journal-size-limit': thresholds } : undefined })!;

/** A 100 MiB -wal file (25,450 frames of room) with the given -shm counters, trusted. */
function bigWal(mxFrame: number, nBackfill: number, shm: Record<string, unknown> = {}) {
  const sizeBytes = 32 + 25_450 * FRAME;
  return makeFacts({
    files: { wal: { sizeBytes } },
    wal: { sizeBytes, framesInFile: 25_450 },
    shm: { header: { mxFrame, nBackfill, readMarks: [0, mxFrame, null, null, null] }, ...shm },
  });
}

describe('journal-size-limit (table)', () => {
  it('skips a rollback database without a -wal', () => {
    const f = run(makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false }, wal: null, shm: null }));
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('not-wal');
    expect(f.message).toMatch(/no -wal file/);
  });

  it('passes a WAL database whose -wal was deleted by a clean close', () => {
    const f = run(makeFacts({ wal: null, shm: null }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-wal-file');
  });

  it('passes a small -wal, whatever the limit', () => {
    const f = run(makeFacts());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('small');
    expect(f.evidence).toMatchObject({ walBytes: 41_232, warnBytes: 64 * MiB });
  });

  it('warns when no limit is declared and the WAL restarted inside a large file (high-water mark)', () => {
    const f = run(bigWal(12, 3));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('no-limit');
    expect(f.title).toBe(check.failureTitle);
    expect(f.evidence).toMatchObject({ mxFrame: 12, nBackfill: 3, liveWalBytes: 32 + 12 * FRAME, declaredLimitBytes: null });
    expect(f.message).toContain('104,854,032 bytes');
    expect(f.message).toMatch(/restarted from the beginning/);
    const sql = f.fixes.map((x) => x.sql);
    expect(sql).toContain(`PRAGMA journal_size_limit = ${64 * MiB};`);
    expect(sql).toContain('PRAGMA wal_checkpoint(TRUNCATE);');
  });

  it('warns when no limit is declared and a fully checkpointed WAL fills the file (the next write keeps the size)', () => {
    const f = run(bigWal(25_000, 25_000));
    expect(f.messageId).toBe('no-limit');
    expect(f.message).toMatch(/already checkpointed/);
  });

  it('warns for a declared -1 the same way', () => {
    const f = run(bigWal(12, 12), { journalSizeLimitBytes: -1 });
    expect(f.messageId).toBe('no-limit');
    expect(f.message).toContain('journal_size_limit=-1');
  });

  it('passes a large file within a declared limit', () => {
    const f = run(bigWal(12, 12), { journalSizeLimitBytes: 256 * MiB });
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('within-limit');
  });

  it('warns when a declared limit smaller than the file was not applied after the restart', () => {
    const f = run(bigWal(12, 12), { journalSizeLimitBytes: 16 * MiB });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('limit-not-applied');
    expect(f.message).toMatch(/per connection/);
  });

  it('is info when a limit is declared and the fully checkpointed WAL awaits its restart', () => {
    const f = run(bigWal(25_000, 25_000), { journalSizeLimitBytes: 16 * MiB });
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('awaiting-restart');
  });

  it('is info when the file is large because of live, uncheckpointed frames', () => {
    const f = run(bigWal(25_000, 100));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('large-live');
    expect(f.message).toContain('24,900 frame(s)');
    expect(f.fixes.length).toBeGreaterThan(0);
    expect(run(bigWal(25_000, 100), { journalSizeLimitBytes: 16 * MiB }).fixes).toEqual([]);
  });

  it.each([
    ['not attached', { attached: false, trusted: false }, /nobody holds the -shm DMS lock/],
    ['invalid', { valid: false, trusted: false, invalidReason: 'checksum mismatch' }, /not valid \(checksum mismatch\)/],
  ] as const)('is info when the -shm is %s: live content cannot be told from the high-water mark', (_name, shm, why) => {
    const f = run(bigWal(12, 3, shm));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('live-unknown');
    expect(f.message).toMatch(why);
    expect(f.message).toMatch(/cannot tell live WAL content/);
  });

  it('is info when there is no -shm at all, and uses the threshold overrides', () => {
    const f = run(makeFacts({ shm: null }), {}, { warnBytes: 1024 });
    expect(f.messageId).toBe('live-unknown');
    expect(f.message).toMatch(/there is no -shm file/);
    expect(run(bigWal(5000, 5000), {}, { maxLivePercent: 50 }).messageId).toBe('no-limit');
  });
});

describe('journal-size-limit on real files', () => {
  const dir = makeTempDir();
  afterAll(() => removeDir(dir));
  const limits = { warnBytes: MiB };

  /** ~3 MiB committed in one transaction, checkpointed, then one small commit that restarts the WAL. */
  const bigThenRestart = (limitBytes?: number) =>
    `c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA wal_autocheckpoint=0")
${limitBytes !== undefined ? `c.execute("PRAGMA journal_size_limit=${limitBytes}")` : ''}
c.execute("BEGIN")
for i in range(700):
    c.execute("INSERT INTO t(v) VALUES (?)", ("y" * 4000,))
c.execute("COMMIT")
print(c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
c.execute("INSERT INTO t(v) VALUES ('after restart')")
c.close()`;

  it('warns on a real WAL kept at its high-water size, passes once the writer sets journal_size_limit', async () => {
    const db = join(dir, 'highwater.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const holder = await holdState(db, 'wal-idle');
    try {
      expect(python(db, bigThenRestart()).trim()).toMatch(/^\(0, (\d+), \1\)$/);
      const facts = gatherAuditFacts(db);
      const f = run(facts, {}, limits);
      expect(f.status).toBe('warn');
      expect(f.messageId).toBe('no-limit');
      expect(f.evidence.walBytes as number).toBeGreaterThan(2 * MiB);
      expect(f.evidence.mxFrame as number).toBeLessThan(5);

      expect(run(facts, { journalSizeLimitBytes: 64 * MiB }, limits).messageId).toBe('within-limit');
      expect(run(facts, { journalSizeLimitBytes: 65_536 }, limits).messageId).toBe('limit-not-applied');

      // The fix, for real: the same workload with the pragma leaves a small file.
      python(db, bigThenRestart(65_536));
      const after = run(gatherAuditFacts(db), { journalSizeLimitBytes: 65_536 }, limits);
      expect(after.status).toBe('pass');
      expect(after.messageId).toBe('small');
      expect(after.evidence.walBytes as number).toBeLessThanOrEqual(65_536);
    } finally {
      await holder.stop();
    }
  });

  it('is info on a real WAL with live frames not yet checkpointed', async () => {
    const db = join(dir, 'live.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const holder = await holdState(db, 'wal-idle');
    try {
      python(
        db,
        `c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("BEGIN")
for i in range(700):
    c.execute("INSERT INTO t(v) VALUES (?)", ("y" * 4000,))
c.execute("COMMIT")
c.close()`,
      );
      const f = run(gatherAuditFacts(db), {}, limits);
      expect(f.status).toBe('info');
      expect(f.messageId).toBe('large-live');
    } finally {
      await holder.stop();
    }
  });

  it('is info on a real abandoned WAL (no process attached: the -shm is not trusted)', () => {
    const db = join(dir, 'abandoned.db');
    buildAbandonedWal(db, 300, 3);
    const f = run(gatherAuditFacts(db), {}, { warnBytes: 64 * 1024 });
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('live-unknown');
    expect(f.message).toMatch(/last commit at frame \d+/);
  });

  it('skips a real rollback database and passes a cleanly closed WAL one', () => {
    const rb = join(dir, 'rollback.db');
    buildDatabase(rb, { journalMode: 'delete', rows: 5 });
    expect(run(gatherAuditFacts(rb)).messageId).toBe('not-wal');
    const wal = join(dir, 'clean.db');
    buildDatabase(wal, { journalMode: 'wal', rows: 5 });
    expect(run(gatherAuditFacts(wal)).messageId).toBe('no-wal-file');
  });
});
