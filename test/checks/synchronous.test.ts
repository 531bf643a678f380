import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import check from '../../checks/synchronous.js';
import { buildDatabase, makeTempDir, python, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AppSettings, AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { ROOT } from '../helpers/cli.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: AuditFacts, app: AppSettings = {}) => runCheck(check, facts, { app })!;
const rollback = () => makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } });

describe('synchronous', () => {
  it('is info when undeclared on a WAL database, listing each driver default', () => {
    const f = run(makeFacts());
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('undeclared');
    expect(f.message).toMatch(/better-sqlite3 uses NORMAL/);
    expect(f.message).toMatch(/DEFAULT_WAL_SYNCHRONOUS=1/);
    expect(f.evidence).toMatchObject({ declaredSynchronous: null, defaultCLibrary: 'full', defaultPython: 'full', defaultBetterSqlite3: 'normal' });
  });

  it('is info when undeclared on a rollback database: FULL everywhere', () => {
    const f = run(rollback());
    expect(f.messageId).toBe('undeclared');
    expect(f.evidence.defaultBetterSqlite3).toBe('full');
  });

  it.each([
    ['WAL', makeFacts(), 'synchronous = NORMAL'],
    ['rollback', rollback(), 'synchronous = FULL'],
  ] as const)('warns when declared OFF (%s), recommending the safe level for the mode', (_mode, facts, pragma) => {
    const f = run(facts, { synchronous: 'off' });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('off');
    expect(f.title).toBe(check.failureTitle);
    expect(f.message).toMatch(/power loss/);
    expect(f.message).toMatch(/corrupt/);
    expect(f.evidence.declaredLevel).toBe(0);
    expect(f.fixes[0]!.sql).toBe(`PRAGMA ${pragma};`);
  });

  it('warns on NORMAL with a rollback journal (power loss can corrupt)', () => {
    const f = run(rollback(), { synchronous: 'normal' });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('rollback-normal');
    expect(f.message).toMatch(/corrupt/);
    expect(f.fixes.map((x) => x.sql)).toEqual(expect.arrayContaining(['PRAGMA synchronous = FULL;', 'PRAGMA journal_mode = WAL;']));
  });

  it('is info on NORMAL in WAL mode: durable against app crashes, never corrupts', () => {
    const f = run(makeFacts(), { synchronous: 'normal' });
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('wal-normal');
    expect(f.message).toMatch(/app crash/);
    expect(f.message).toMatch(/never corrupts/);
  });

  it('is info on FULL, with the fsync-per-commit cost in WAL mode', () => {
    const wal = run(makeFacts(), { synchronous: 'full' });
    expect(wal.status).toBe('info');
    expect(wal.messageId).toBe('full');
    expect(wal.message).toMatch(/every commit fsyncs the -wal/);
    const rb = run(rollback(), { synchronous: 'full' });
    expect(rb.messageId).toBe('full');
    expect(rb.message).toMatch(/durable/);
  });

  it('is info on EXTRA', () => {
    const f = run(rollback(), { synchronous: 'extra' });
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('extra');
    expect(f.message).toMatch(/directory/);
    expect(f.evidence.declaredLevel).toBe(3);
  });

  describe('on real files and real drivers', () => {
    const dir = makeTempDir();
    afterAll(() => removeDir(dir));

    it('takes the journal mode from a real file', () => {
      const rb = join(dir, 'rollback.db');
      buildDatabase(rb, { journalMode: 'delete', rows: 5 });
      expect(run(gatherAuditFacts(rb), { synchronous: 'normal' }).messageId).toBe('rollback-normal');
      const wal = join(dir, 'wal.db');
      buildDatabase(wal, { journalMode: 'wal', rows: 5 });
      expect(run(gatherAuditFacts(wal), { synchronous: 'normal' }).messageId).toBe('wal-normal');
    });

    it('the defaults the message lists are the ones the installed drivers report on a WAL database', () => {
      const wal = join(dir, 'defaults.db');
      buildDatabase(wal, { journalMode: 'wal', rows: 1 });
      // Each driver in its own process: this test process never holds a connection to a file it reads raw.
      const py = python(wal, 'c = sqlite3.connect(db)\nprint(c.execute("PRAGMA synchronous").fetchone()[0])\nc.close()').trim();
      const node = execFileSync(
        process.execPath,
        ['-e', "const D=require('better-sqlite3');const d=new D(process.argv[1]);console.log(d.pragma('synchronous',{simple:true}));d.close()", wal],
        { encoding: 'utf8', cwd: ROOT },
      ).trim();
      const cli = execFileSync('sqlite3', [wal, 'PRAGMA synchronous;'], { encoding: 'utf8' }).trim();
      expect({ py, node, cli }).toEqual({ py: '2', node: '1', cli: '2' });
    });
  });
});
