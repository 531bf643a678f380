import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import check from '../../checks/file-format.js';
import { buildDatabase, python } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { tempDir } = scratchPerTest();

function setVersions(db: string, write: number, read: number): void {
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.from([write, read]), 0, 2, 18);
  closeSync(fd);
}

describe('file-format', () => {
  it('passes 2/2 and says WAL', () => {
    const f = runCheck(check, makeFacts({}), { app: {} })!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'read-write', evidence: { readOnly: false } });
    expect(f.message).toMatch(/read-write, in WAL mode/);
  });

  it('fails a write version above 2 on a real file, as SQLite does: reads work, writes fail', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'delete', rows: 3 });
    setVersions(db, 3, 1);
    const sqlite = python(db, `c = sqlite3.connect(db)\nprint(c.execute("SELECT count(*) FROM t").fetchone()[0])\ntry:\n    c.execute("INSERT INTO t(v) VALUES ('x')")\nexcept sqlite3.Error as e: print(e)`);
    expect(sqlite.trim().split('\n')).toEqual(['3', 'attempt to write a readonly database']);
    const f = runCheck(check, gatherAuditFacts(db), { app: {} })!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'read-only-format', title: check.failureTitle, evidence: { writeVersion: 3, readVersion: 1, readOnly: true } });
    expect(f.message).toMatch(/read-only/);
    expect(f.fixes[1]!.shell).toContain("printf '\\001' | dd of=");
  });

  it('the fix that writes byte 18 back makes the real file writable again', () => {
    const db = join(tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'delete', rows: 1 });
    setVersions(db, 255, 1);
    const f = runCheck(check, gatherAuditFacts(db), { app: {} })!;
    python(db, `import subprocess\nsubprocess.run(${JSON.stringify(f.fixes[1]!.shell)}, shell=True, check=True)`);
    expect(python(db, `c = sqlite3.connect(db); c.execute("INSERT INTO t(v) VALUES ('y')"); c.commit(); print(c.execute("SELECT count(*) FROM t").fetchone()[0])`).trim()).toBe('2');
    expect(runCheck(check, gatherAuditFacts(db), { app: {} })).toMatchObject({ status: 'pass' });
  });
});

describe('file-format: malformed-size', () => {
  it('fails when the valid in-header size is larger than the pages SQLite finds, with a .recover fix', () => {
    const f = runCheck(check, makeFacts({ header: { sizeBeyondFile: { headerPages: 300, pages: 256, from: 'file' } } }), { app: {} })!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'malformed-size', evidence: { headerPages: 300, pagesFound: 256, pagesFrom: 'file' } });
    expect(f.message).toMatch(/database disk image is malformed/);
    expect(f.fixes[0]!.shell).toContain('.recover');
  });
});
