/**
 * --output can never destroy data: onto a database being read, its -wal/-shm/-journal (by any name: ./,
 * symlink, hard link) or any file holding SQLite data, every command refuses with exit 2, one line, and
 * leaves every file byte for byte as it was. The WAL holds committed rows that are in no other file, so a
 * write onto it would lose them: sqlite3 reads them afterwards.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { python } from '../../fixtures/databases.js';
import { runCli, sha256, snapshotDir } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();
let dir: string;
let db: string;

/** A WAL database whose 50 committed rows live only in the -wal (no checkpoint ran: the process exits hard). */
function walWithCommittedRows(path: string): void {
  python(
    path,
    [
      'c = sqlite3.connect(db)',
      'c.execute("PRAGMA journal_mode=WAL")',
      'c.execute("PRAGMA wal_autocheckpoint=0")',
      'c.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")',
      'c.executemany("INSERT INTO t(v) VALUES (?)", [(f"row {i}",) for i in range(50)])',
      'c.commit()',
      'import os; os._exit(0)',
    ].join('\n'),
    { allowKill: true },
  );
}

const committedRows = (path: string) => execFileSync('sqlite3', [path, 'SELECT count(*) FROM t'], { encoding: 'utf8' }).trim();

beforeEach(() => {
  dir = scratch.tempDir('lockscope-output-');
  db = join(dir, 'app.db');
  walWithCommittedRows(db);
});

function expectRefused(r: ReturnType<typeof runCli>, output: string): void {
  expect(r.signal, 'must not hang').toBeNull();
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^lockscope: refusing --output ${output.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*; nothing was written$`));
  expect(r.stdout).toBe('');
}

describe('--output refuses the audited database and its side files', () => {
  it('the WAL with committed content: exit 2, the WAL unchanged, sqlite3 still reads the rows', () => {
    expect(existsSync(`${db}-wal`)).toBe(true);
    const walBefore = sha256(`${db}-wal`);
    const before = snapshotDir(dir);
    const r = runCli(['audit', 'app.db', '--json', '--output', 'app.db-wal'], { cwd: dir });
    expectRefused(r, 'app.db-wal');
    expect(r.stderr).toContain('the WAL file of app.db');
    expect(sha256(`${db}-wal`)).toBe(walBefore);
    expect(snapshotDir(dir)).toEqual(before);
    expect(committedRows(db)).toBe('50');
  });

  it.each([
    ['the database', 'app.db', 'it is app.db'],
    ['the -shm', 'app.db-shm', 'shared-memory'],
    ['the WAL spelled ./', './app.db-wal', 'the WAL file'],
    ['the WAL by absolute path', '<dir>/app.db-wal', 'the WAL file'],
    ['a -journal that does not exist yet (not created)', 'app.db-journal', 'the rollback journal'],
  ])('%s', (_name, target, reason) => {
    const output = target.replace('<dir>', dir);
    const before = snapshotDir(dir);
    const r = runCli(['audit', 'app.db', '--json', '--output', output], { cwd: dir });
    expectRefused(r, output);
    expect(r.stderr).toContain(reason);
    expect(snapshotDir(dir)).toEqual(before);
  });

  it('through a symlink and a hard link to the WAL, and with the database named through a symlink', () => {
    symlinkSync('app.db-wal', join(dir, 'link-to-wal'));
    linkSync(`${db}-wal`, join(dir, 'hard-wal'));
    symlinkSync('app.db', join(dir, 'alias.db'));
    const walBefore = sha256(`${db}-wal`);
    for (const [args, output] of [
      [['audit', 'app.db'], 'link-to-wal'],
      [['audit', 'app.db'], 'hard-wal'],
      [['audit', 'alias.db'], 'app.db-wal'],
    ] as const) {
      const r = runCli([...args, '--json', '--output', output], { cwd: dir });
      expectRefused(r, output);
      expect(r.stderr).toContain('the WAL file of');
    }
    expect(sha256(`${db}-wal`)).toBe(walBefore);
    expect(committedRows(db)).toBe('50');
  });

  it('any existing file with SQLite content, even of a database not being audited', () => {
    const other = join(dir, 'other.db');
    walWithCommittedRows(other);
    copyFileSync(db, join(dir, 'copy.sqlite'));
    const before = snapshotDir(dir);
    for (const [output, reason] of [
      ['other.db', 'SQLite database header'],
      ['other.db-wal', 'SQLite WAL header'],
      ['copy.sqlite', 'SQLite database header'],
    ] as const) {
      const r = runCli(['audit', 'app.db', '--output', output], { cwd: dir });
      expectRefused(r, output);
      expect(r.stderr).toContain(reason);
    }
    expect(snapshotDir(dir)).toEqual(before);
    expect(committedRows(other)).toBe('50');
  });

  it('a FIFO is refused at once instead of blocking for a reader', () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const r = runCli(['audit', 'app.db', '--output', 'pipe'], { cwd: dir, timeoutMs: 20_000 });
    expectRefused(r, 'pipe');
    expect(r.stderr).toContain('FIFO');
  });

  it('locks and stress refuse the same way (stress before it starts: no scratch file appears)', () => {
    const before = snapshotDir(dir);
    const locks = runCli(['locks', 'app.db', '--output', 'app.db-wal'], { cwd: dir });
    expectRefused(locks, 'app.db-wal');
    const stress = runCli(['stress', 'app.db', '--duration', '300ms', '--output', 'app.db-wal'], { cwd: dir });
    expectRefused(stress, 'app.db-wal');
    expect(snapshotDir(dir)).toEqual(before);
    expect(committedRows(db)).toBe('50');
  });

  it('$GITHUB_STEP_SUMMARY pointing at the WAL is refused too (appended bytes would corrupt it)', () => {
    const walBefore = sha256(`${db}-wal`);
    const r = runCli(['audit', 'app.db', '--format', 'github'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: join(dir, 'app.db-wal') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing \$GITHUB_STEP_SUMMARY .*app\.db-wal: it is the WAL file of app\.db/);
    expect(sha256(`${db}-wal`)).toBe(walBefore);
    expect(committedRows(db)).toBe('50');
  });

  it('a config-listed database is protected too', () => {
    writeFileSync(join(dir, 'lockscope.config.json'), JSON.stringify({ databases: ['*.db'] }));
    const walBefore = sha256(`${db}-wal`);
    const r = runCli(['audit', '--json', '--output', 'app.db-wal'], { cwd: dir });
    expectRefused(r, 'app.db-wal');
    expect(sha256(`${db}-wal`)).toBe(walBefore);
  });
});

describe('--output still writes ordinary files', () => {
  it('a new file, an existing report (replaced whole), a file in a subdirectory, /dev/null', () => {
    mkdirSync(join(dir, 'reports'));
    writeFileSync(join(dir, 'old.json'), 'x'.repeat(100_000));
    for (const output of ['new.json', 'old.json', 'reports/r.json']) {
      const r = runCli(['audit', 'app.db', '--json', '--output', output], { cwd: dir });
      expect(r.code).not.toBe(2);
      expect(r.stderr).toContain(`wrote the json report to ${output}`);
      expect(JSON.parse(readFileSync(join(dir, output), 'utf8')).databases[0].path).toBe('app.db');
    }
    expect(runCli(['audit', 'app.db', '--output', '/dev/null'], { cwd: dir }).code).not.toBe(2);
  });

  it('/dev/stdout on a pipe (the test runner reads a pipe) is written, not refused as a FIFO', () => {
    const r = runCli(['audit', 'app.db', '--json', '--output', '/dev/stdout'], { cwd: dir });
    expect(r.code).not.toBe(2);
    expect(JSON.parse(r.stdout).databases[0].path).toBe('app.db');
  });

  it('a symlink to an ordinary file is written through', () => {
    writeFileSync(join(dir, 'target.txt'), 'old');
    symlinkSync('target.txt', join(dir, 'report-link'));
    const r = runCli(['audit', 'app.db', '--output', 'report-link'], { cwd: dir });
    expect(r.code).not.toBe(2);
    expect(readFileSync(join(dir, 'target.txt'), 'utf8')).toMatch(/^stack: [^]*?\n\napp\.db\n/);
  });
});
