import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import check, { KNOWN_BUGS, affects } from '../../checks/sqlite-version.js';
import { buildDatabase, makeTempDir, python, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { ROOT } from '../helpers/cli.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: AuditFacts) => runCheck(check, facts, { app: {} })!;
const withVersion = (n: number, wal = true) =>
  makeFacts({ header: { sqliteVersionNumber: n, sqliteVersion: 'x', walEnabled: wal, writeVersion: wal ? 2 : 1, readVersion: wal ? 2 : 1 } });

describe('sqlite-version: the table', () => {
  it('every entry cites SQLite pages and has a plausible fixed version', () => {
    for (const bug of KNOWN_BUGS) {
      expect(bug.links.length).toBeGreaterThan(0);
      for (const link of bug.links) expect(link).toMatch(/^https:\/\/(www\.)?sqlite\.org\//);
      expect(bug.fixedIn).toBeGreaterThan(3_007_000);
      expect(bug.affected.length).toBeGreaterThan(0);
    }
    expect(KNOWN_BUGS.map((b) => b.fixedIn)).toEqual([...KNOWN_BUGS.map((b) => b.fixedIn)].sort((a, b) => a - b));
  });

  it('the WAL-reset bug: 3.51.2 affected, 3.51.3 and the 3.44.6 / 3.50.7 backports fixed', () => {
    const walReset = KNOWN_BUGS.find((b) => b.id === 'wal-reset')!;
    expect(affects(walReset, 3_051_002)).toBe(true);
    expect(affects(walReset, 3_051_003)).toBe(false);
    expect(affects(walReset, 3_053_002)).toBe(false);
    expect(affects(walReset, 3_044_005)).toBe(true);
    expect(affects(walReset, 3_044_006)).toBe(false);
    expect(affects(walReset, 3_045_000)).toBe(true);
    expect(affects(walReset, 3_050_006)).toBe(true);
    expect(affects(walReset, 3_050_007)).toBe(false);
    expect(affects(walReset, 3_040_001)).toBe(true);
  });
});

describe('sqlite-version', () => {
  it('warns for 3.40.1 in WAL mode, naming the WAL-reset bug, the versions and the link', () => {
    const f = run(withVersion(3_040_001));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('known-bugs');
    expect(f.title).toBe(check.failureTitle);
    expect(f.message).toContain('SQLite 3.40.1');
    expect(f.message).toMatch(/WAL-reset bug/);
    expect(f.message).toContain('3.7.0 to 3.51.2');
    expect(f.message).toContain('https://sqlite.org/wal.html#walresetbug');
    expect(f.evidence).toMatchObject({ sqliteVersion: '3.40.1', knownBugs: ['wal-reset'], upgradeTo: '3.51.3' });
    expect(f.fixes.some((x) => x.sql === 'SELECT sqlite_version();')).toBe(true);
  });

  it('lists every older fix for a very old version', () => {
    const f = run(withVersion(3_008_000));
    expect(f.evidence.knownBugs).toEqual(['wal-large-transactions', 'readonly-wal', 'shm-recovery-with-readers', 'wal-reset']);
    expect(f.message).toContain('(4)');
    const older = run(withVersion(3_007_009));
    expect(older.evidence.knownBugs).toContain('wal-restart-power-loss');
  });

  it('is info when the only bugs are WAL-only and the database uses a rollback journal', () => {
    const f = run(withVersion(3_040_001, false));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('wal-bugs-not-wal');
    expect(f.message).toMatch(/rollback journal/);
  });

  it.each([3_051_003, 3_053_002, 3_050_007, 3_044_006])('passes %i, printing the version', (n) => {
    const f = run(withVersion(n));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('current');
    expect(f.message).toMatch(/SQLite 3\.\d+\.\d+ last wrote/);
    expect(f.evidence.knownBugs).toEqual([]);
  });

  it.each([0, 1_000, 2_008_017, 4_000_000])('is info "unknown" for an implausible version number %i', (n) => {
    const f = run(withVersion(n));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('unknown');
    expect(f.evidence.sqliteVersion).toBeNull();
  });

  describe('on real files', () => {
    const dir = makeTempDir();
    afterAll(() => removeDir(dir));

    it("reads the version of the library that wrote the file: python3's libsqlite3 and better-sqlite3's bundled one", () => {
      const pyDb = join(dir, 'py.db');
      buildDatabase(pyDb, { journalMode: 'wal', rows: 5 });
      const pyVersion = python(pyDb, 'print(sqlite3.sqlite_version)').trim();
      const pyFinding = run(gatherAuditFacts(pyDb));
      expect(pyFinding.evidence.sqliteVersion).toBe(pyVersion);
      const pyNumber = pyVersion.split('.').map(Number).reduce((acc, part, i) => acc + part * [1_000_000, 1000, 1][i]!, 0);
      expect(pyFinding.status).toBe(KNOWN_BUGS.some((b) => affects(b, pyNumber)) ? 'warn' : 'pass');

      const nodeDb = join(dir, 'node.db');
      const nodeVersion = execFileSync(
        process.execPath,
        [
          '-e',
          "const D=require('better-sqlite3');const d=new D(process.argv[1]);d.pragma('journal_mode=wal');d.exec('create table t(x)');console.log(d.prepare('select sqlite_version()').pluck().get());d.close()",
          nodeDb,
        ],
        { encoding: 'utf8', cwd: ROOT },
      ).trim();
      const nodeFinding = run(gatherAuditFacts(nodeDb));
      expect(nodeFinding.evidence.sqliteVersion).toBe(nodeVersion);
      const nodeNumber = nodeVersion.split('.').map(Number).reduce((acc, part, i) => acc + part * [1_000_000, 1000, 1][i]!, 0);
      expect(nodeFinding.status).toBe(KNOWN_BUGS.some((b) => affects(b, nodeNumber)) ? 'warn' : 'pass');
    });
  });
});
