import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import check, { modeAllowsFileWrite } from '../../checks/file-ownership.js';
import { buildAbandonedWal, buildDatabase, makeTempDir, python, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AuditFacts, FileInfo } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: AuditFacts) => runCheck(check, facts, { app: {} })!;
const ROOT_OWNED = { uid: 0, gid: 0, owner: 'root', mode: 0o644 };

describe('modeAllowsFileWrite (pure)', () => {
  const file = (mode: number, uid: number, gid: number): FileInfo => ({ path: '/x', exists: true, mode, uid, gid });
  it.each([
    [file(0o644, 1000, 1000), 1000, 1000, true],
    [file(0o444, 1000, 1000), 1000, 1000, false],
    [file(0o644, 0, 0), 1000, 1000, false],
    [file(0o664, 0, 1000), 1000, 1000, true],
    [file(0o646, 0, 0), 1000, 1000, true],
    [file(0o400, 1000, 1000), 0, 0, true],
  ])('%o → %s', (f, uid, gid, expected) => {
    expect(modeAllowsFileWrite(f, uid, gid)).toBe(expected);
  });
});

describe('file-ownership (table)', () => {
  it('passes when every file has the database owner', () => {
    const f = run(makeFacts());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('consistent');
    expect(f.message).toContain('-wal, -shm');
  });

  it('passes with no -wal/-shm/-journal at all', () => {
    const f = run(makeFacts({ files: { wal: { exists: false }, shm: { exists: false } } }));
    expect(f.messageId).toBe('consistent');
    expect(f.message).toMatch(/no -wal, -shm or -journal file exists/);
  });

  it('fails when -wal/-shm belong to root with 0644: the owner cannot write them (attempt to write a readonly database)', () => {
    const f = run(makeFacts({ files: { wal: ROOT_OWNED, shm: ROOT_OWNED } }));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('not-writable-by-owner');
    expect(f.title).toBe(check.failureTitle);
    expect(f.message).toMatch(/attempt to write a readonly database/);
    expect(f.message).toContain('-wal is owned by root (uid 0), gid 0, mode 0644');
    expect(f.evidence.files).toMatchObject({ '-wal': { uid: 0, writableByDbOwner: false }, '-shm': { uid: 0, writableByDbOwner: false } });
    expect(f.fixes[0]!.shell).toBe('chown app:1000 /data/app.db-wal /data/app.db-shm');
    expect(f.fixes[1]!.shell).toBe("sudo -u app sqlite3 /data/app.db 'PRAGMA quick_check;'");
  });

  it('fails for a -journal the owner cannot write', () => {
    const f = run(makeFacts({ files: { journal: { exists: true, path: '/data/app.db-journal', sizeBytes: 512, ...ROOT_OWNED } } }));
    expect(f.messageId).toBe('not-writable-by-owner');
    expect(f.message).toMatch(/the -journal/);
  });

  it('warns for mixed owners that still work (group-writable)', () => {
    const f = run(makeFacts({ files: { shm: { uid: 1001, owner: 'backup', gid: 1000, mode: 0o664 } } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('mixed-owners');
    expect(f.message).toContain('-shm is owned by backup (uid 1001)');
    expect(f.fixes[0]!.shell).toBe('chown app:1000 /data/app.db-shm');
  });

  it('warns when the database file itself is not writable by its owner', () => {
    const f = run(makeFacts({ files: { db: { mode: 0o444 } } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('db-read-only');
    expect(f.fixes[0]!.shell).toBe('chmod u+w /data/app.db');
  });

  it('skips when the database owner is unknown', () => {
    const facts = makeFacts();
    delete facts.files.db.uid;
    const f = run(facts);
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('owner-unknown');
  });
});

const SYSTEM_PYTHON = '/usr/bin/python3';
const canSwitchUser = process.getuid?.() === 0 && existsSync(SYSTEM_PYTHON) && existsSync('/usr/bin/setpriv');

/** Runs Python as `uid`; a snippet that SIGKILLs itself (to skip SQLite's clean close) returns ''. */
function asUser(uid: number, db: string, code: string): string {
  try {
    return execFileSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', SYSTEM_PYTHON, '-c', `import sqlite3, sys\ndb = sys.argv[1]\n${code}`, db], {
      encoding: 'utf8',
    }).trim();
  } catch (err) {
    if ((err as { signal?: string }).signal === 'SIGKILL') return '';
    throw err;
  }
}
const READ_AND_CLOSE = 'c = sqlite3.connect(db)\nc.execute("SELECT count(*) FROM t").fetchall()\nc.close()';
const TRY_WRITE = `c = sqlite3.connect(db, isolation_level=None, timeout=0)
try:
    c.execute("INSERT INTO t(v) VALUES ('x')")
    print("ok")
except sqlite3.Error as e:
    print(getattr(e, "sqlite_errorname", type(e).__name__))`;

describe.skipIf(process.getuid?.() !== 0)('file-ownership on real files (as root)', () => {
  const root = makeTempDir();
  chmodSync(root, 0o755);
  afterAll(() => removeDir(root));

  function shared(name: string): string {
    const dir = join(root, name);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    return join(dir, 'app.db');
  }

  it('fails on -wal/-shm chowned to another user, and passes after the chown fix', () => {
    const db = shared('chowned');
    buildAbandonedWal(db, 3);
    chownSync(db, 65534, 65534);
    chownSync(`${db}-wal`, 1000, 1000);
    chownSync(`${db}-shm`, 1000, 1000);
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('not-writable-by-owner');
    expect(f.evidence).toMatchObject({ dbUid: 65534 });
    expect(f.fixes[0]!.shell).toMatch(/^chown nobody:65534 \S+-wal \S+-shm$/);

    chownSync(`${db}-wal`, 65534, 65534);
    chownSync(`${db}-shm`, 65534, 65534);
    expect(run(gatherAuditFacts(db)).messageId).toBe('consistent');
  });

  it.skipIf(!canSwitchUser)('the classic: a read-only visit by another user leaves -wal/-shm the app cannot write (fail), for real', () => {
    const db = shared('classic');
    buildDatabase(db, { journalMode: 'wal', rows: 3 });
    chownSync(db, 65534, 65534);
    chmodSync(db, 0o644);
    asUser(1000, db, READ_AND_CLOSE);
    expect(statSync(`${db}-wal`).uid).toBe(1000);
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('not-writable-by-owner');
    expect(f.message).toMatch(/attempt to write a readonly database/);
    // What the finding says happens to the app (running as the database's owner):
    expect(asUser(65534, db, TRY_WRITE)).toBe('SQLITE_READONLY');
  });

  it.skipIf(!canSwitchUser)('mixed owners that still work: a 0666 database gives -wal/-shm 0666 to the visitor (warn)', () => {
    const db = shared('mixed');
    buildDatabase(db, { journalMode: 'wal', rows: 3 });
    chownSync(db, 65534, 65534);
    chmodSync(db, 0o666);
    // It can open the 0666 database read-write, so a clean close would checkpoint and delete -wal/-shm: it crashes instead.
    asUser(1000, db, READ_AND_CLOSE.replace('c.close()', 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)'));
    expect(statSync(`${db}-wal`)).toMatchObject({ uid: 1000, mode: 0o100666 });
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('mixed-owners');
    expect(asUser(65534, db, TRY_WRITE)).toBe('ok');
  });

  it('root opening the database gives new -wal/-shm the database owner (pass)', () => {
    const db = shared('root-visit');
    buildDatabase(db, { journalMode: 'wal', rows: 3 });
    chownSync(db, 65534, 65534);
    python(db, 'import os, signal\nc = sqlite3.connect(db)\nc.execute("SELECT count(*) FROM t").fetchall()\nos.kill(os.getpid(), signal.SIGKILL)', { allowKill: true });
    expect(statSync(`${db}-shm`).uid).toBe(65534);
    const f = run(gatherAuditFacts(db));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('consistent');
  });
});
