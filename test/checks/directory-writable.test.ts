import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import check from '../../checks/directory-writable.js';
import { buildAbandonedWal, buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts, gatherDirectory, modeAllowsWrite, statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: AuditFacts) => runCheck(check, facts, { app: {} })!;
const ROLLBACK = { writeVersion: 1, readVersion: 1, walEnabled: false };
const READONLY_DIR = { mode: 0o555, uid: 0, gid: 0, writableByCurrentUser: true, writableByDbOwner: false };

describe('modeAllowsWrite (pure)', () => {
  it.each([
    [{ mode: 0o755, uid: 1000, gid: 1000 }, 1000, 1000, true],
    [{ mode: 0o555, uid: 1000, gid: 1000 }, 1000, 1000, false],
    [{ mode: 0o655, uid: 1000, gid: 1000 }, 1000, 1000, false], // write without search (x) is not enough
    [{ mode: 0o775, uid: 0, gid: 1000 }, 1000, 1000, true],
    [{ mode: 0o755, uid: 0, gid: 1000 }, 1000, 1000, false],
    [{ mode: 0o757, uid: 0, gid: 0 }, 1000, 1000, true],
    [{ mode: 0o1777, uid: 0, gid: 0 }, 1000, 1000, true],
    [{ mode: 0o500, uid: 1000, gid: 1000 }, 0, 0, true], // root
    [{ mode: 0o577, uid: 1000, gid: 1000 }, 1000, 1000, false], // owner bits decide for the owner
  ])('%o dir, uid %i gid %i → %s', (dir, uid, gid, expected) => {
    expect(modeAllowsWrite(dir, uid, gid)).toBe(expected);
  });
});

describe('directory-writable (table)', () => {
  it('passes when the owner and the current user can create files', () => {
    const f = run(makeFacts());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('writable');
    expect(f.message).toContain('-wal and -shm');
  });

  it.each([
    ['both missing', { wal: { exists: false }, shm: { exists: false } }, 'SQLITE_READONLY_DIRECTORY', ['-wal', '-shm']],
    ['-shm missing', { shm: { exists: false } }, 'SQLITE_CANTOPEN', ['-shm']],
    ['-wal missing', { wal: { exists: false } }, 'SQLITE_READONLY_DIRECTORY', ['-wal']],
  ] as const)('fails in WAL mode with %s: even readers fail', (_name, files, code, missing) => {
    const f = run(makeFacts({ directory: READONLY_DIR, files }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('wal-files-cannot-be-created');
    expect(f.title).toBe(check.failureTitle);
    expect(f.message).toContain(code);
    expect(f.message).toMatch(/readers included/);
    expect(f.evidence).toMatchObject({ directoryMode: '0555', missingWalFiles: missing, writableByDbOwner: false });
    expect(f.fixes.some((x) => x.shell === 'chown app /data && chmod u+wx /data')).toBe(true);
  });

  it('warns in WAL mode when -wal and -shm exist: it works until they are removed', () => {
    const f = run(makeFacts({ directory: READONLY_DIR }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('wal-files-not-recreatable');
  });

  it('fails in rollback mode: every write must create the -journal', () => {
    const f = run(makeFacts({ header: ROLLBACK, directory: READONLY_DIR }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('owner-cannot-create');
    expect(f.message).toMatch(/attempt to write a readonly database/);
    expect(f.message).toMatch(/reads still work/);
  });

  it('warns in rollback mode when a -journal exists (PERSIST/TRUNCATE reuse it)', () => {
    const f = run(makeFacts({ header: ROLLBACK, directory: READONLY_DIR, files: { journal: { exists: true, sizeBytes: 0, mode: 0o644, uid: 1000, gid: 1000 } } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('journal-not-recreatable');
  });

  it('suggests chmod u+wx when the directory belongs to the owner, g+wx when it shares the group', () => {
    const own = run(makeFacts({ header: ROLLBACK, directory: { ...READONLY_DIR, uid: 1000, gid: 1000 } }));
    expect(own.fixes[0]!.shell).toBe('chmod u+wx /data');
    const group = run(makeFacts({ header: ROLLBACK, directory: { ...READONLY_DIR, uid: 0, gid: 1000, mode: 0o755 } }));
    expect(group.fixes[0]!.shell).toBe('chmod g+wx /data');
  });

  it('is info when only the user running lockscope cannot create files', () => {
    const f = run(makeFacts({ directory: { writableByCurrentUser: false, writableByDbOwner: true } }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('current-user-cannot');
    expect(f.message).toMatch(/read-only mount/);
  });

  it("is info when the database file's owner is unknown", () => {
    const f = run(makeFacts({ directory: { writableByDbOwner: null } }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('owner-unknown');
  });

  it('skips when the directory could not be examined', () => {
    const f = run({ ...makeFacts(), directory: { error: { code: 'EACCES', message: 'permission denied' } } });
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('facts-unavailable');
  });
});

// The real consequences, checked as uid 65534 with the system python (SQLite 3.40.1 here): what the messages claim.
const SYSTEM_PYTHON = '/usr/bin/python3';
const canDropPrivileges = process.getuid?.() === 0 && existsSync(SYSTEM_PYTHON) && existsSync('/usr/bin/setpriv');
const PROBE = `import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
def attempt(sql):
    try:
        c.execute(sql).fetchall()
        return "ok"
    except sqlite3.Error as e:
        return getattr(e, "sqlite_errorname", type(e).__name__)
print(attempt("SELECT count(*) FROM t"), attempt("INSERT INTO t(v) VALUES ('x')"))`;
function asNobody(db: string): string {
  return execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', SYSTEM_PYTHON, '-c', PROBE, db], { encoding: 'utf8' }).trim();
}

describe.skipIf(process.getuid?.() !== 0)('directory-writable on real files (as root)', () => {
  const root = makeTempDir();
  chmodSync(root, 0o755);
  afterAll(() => removeDir(root));

  /** A directory of mode `mode` owned by root, holding `name` owned by 65534. */
  function setUp(name: string, mode: number, build: (db: string) => void): string {
    const dir = join(root, name);
    mkdirSync(dir);
    const db = join(dir, 'app.db');
    build(db);
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(db + suffix)) chownSync(db + suffix, 65534, 65534);
    chmodSync(dir, mode);
    return db;
  }

  it('a 0555 directory and a cleanly closed WAL database owned by 65534: fail, and nobody can even read', () => {
    const db = setUp('wal-clean', 0o555, (p) => buildDatabase(p, { journalMode: 'wal', rows: 3 }));
    const dir = gatherDirectory(db, statDatabaseFiles(db).db);
    expect(dir).toMatchObject({ mode: 0o555, uid: 0, writableByCurrentUser: true, writableByDbOwner: false });
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('wal-files-cannot-be-created');
    expect(f.evidence).toMatchObject({ dbUid: 65534, missingWalFiles: ['-wal', '-shm'] });
    expect(f.fixes.some((x) => x.shell?.startsWith('chown nobody '))).toBe(true);
    if (canDropPrivileges) expect(asNobody(db)).toBe('SQLITE_READONLY_DIRECTORY SQLITE_READONLY_DIRECTORY');
  });

  it('a 0555 directory with -wal and -shm present: warn, and nobody can read and write for now', () => {
    const db = setUp('wal-present', 0o555, (p) => buildAbandonedWal(p, 3));
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('wal-files-not-recreatable');
    if (canDropPrivileges) expect(asNobody(db)).toBe('ok ok');
  });

  it('a 0555 directory and a rollback database: fail, nobody reads but cannot write', () => {
    const db = setUp('rollback', 0o555, (p) => buildDatabase(p, { journalMode: 'delete', rows: 3 }));
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('owner-cannot-create');
    if (canDropPrivileges) expect(asNobody(db)).toBe('ok SQLITE_READONLY_DIRECTORY');
  });

  it("a directory owned by the database's owner: pass", () => {
    const db = setUp('owned', 0o755, (p) => buildDatabase(p, { journalMode: 'wal', rows: 3 }));
    chownSync(join(root, 'owned'), 65534, 65534);
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('writable');
    if (canDropPrivileges) expect(asNobody(db)).toBe('ok ok');
  });
});
