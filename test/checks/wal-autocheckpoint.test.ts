import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import check from '../../checks/wal-autocheckpoint.js';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AppSettings, AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: AuditFacts, app: AppSettings = {}, thresholds?: Record<string, number>) =>
  runCheck(check, facts, { app, thresholds: thresholds ? { 'wal-autocheckpoint': thresholds } : undefined })!;

const rollback = () => makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } });

describe('wal-autocheckpoint', () => {
  it('skips a rollback-journal database, saying why', () => {
    const f = run(rollback(), { walAutocheckpointPages: 0 });
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('not-wal');
    expect(f.message).toMatch(/rollback journal/);
    expect(f.message).toContain('1/1');
  });

  it('is info when undeclared, computing the default threshold from the page size', () => {
    const f = run(makeFacts({ header: { pageSizeBytes: 8192 } }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('undeclared');
    expect(f.evidence).toMatchObject({ declaredPages: null, defaultPages: 1000, pageSizeBytes: 8192, defaultThresholdBytes: 8_192_000 });
    expect(f.message).toContain('8,192,000 bytes');
  });

  it.each([0, -1])('warns when declared %i (automatic checkpoints off), with the consequence and both fixes', (pages) => {
    const f = run(makeFacts(), { walAutocheckpointPages: pages });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('disabled');
    expect(f.title).toBe(check.failureTitle);
    expect(f.message).toMatch(/grows without bound/);
    expect(f.message).toMatch(/slower/);
    const sql = f.fixes.map((x) => x.sql).filter(Boolean);
    expect(sql).toContain('PRAGMA wal_autocheckpoint = 1000;');
    expect(sql.some((s) => s!.includes('PRAGMA wal_checkpoint(TRUNCATE);'))).toBe(true);
    expect(f.fixes.some((x) => x.stack === 'better-sqlite3' && x.code?.includes("db.pragma('wal_autocheckpoint = 1000')"))).toBe(true);
  });

  it('warns above maxPages, with the bytes it lets the WAL reach', () => {
    const f = run(makeFacts(), { walAutocheckpointPages: 50_000 });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('large');
    expect(f.evidence).toMatchObject({ declaredPages: 50_000, maxPages: 10_000, thresholdBytes: 50_000 * 4096 });
    expect(f.message).toContain('204,800,000 bytes');
  });

  it('passes a declared value at or below maxPages; the threshold can be overridden', () => {
    const f = run(makeFacts(), { walAutocheckpointPages: 1000 });
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('ok');
    expect(f.title).toBe(check.title);
    expect(f.evidence.thresholdBytes).toBe(4_096_000);
    expect(run(makeFacts(), { walAutocheckpointPages: 10_000 }).status).toBe('pass');
    expect(run(makeFacts(), { walAutocheckpointPages: 2000 }, { maxPages: 1500 }).messageId).toBe('large');
  });

  describe('on real files', () => {
    const dir = makeTempDir();
    afterAll(() => removeDir(dir));

    it('reads the page size and the mode from a real WAL database, and skips a real rollback one', () => {
      const wal = join(dir, 'wal.db');
      buildDatabase(wal, { journalMode: 'wal', pageSize: 8192, rows: 10 });
      const f = run(gatherAuditFacts(wal), { walAutocheckpointPages: 0 });
      expect(f.messageId).toBe('disabled');
      expect(f.evidence.pageSizeBytes).toBe(8192);
      expect(run(gatherAuditFacts(wal)).evidence.defaultThresholdBytes).toBe(8_192_000);

      const rb = join(dir, 'rollback.db');
      buildDatabase(rb, { journalMode: 'delete', rows: 10 });
      expect(run(gatherAuditFacts(rb), { walAutocheckpointPages: 0 }).status).toBe('skip');
    });
  });
});
