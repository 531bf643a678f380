/**
 * Which files an audit reads: globs never enter /proc, /sys or /dev, stop at their bounds with one line that
 * says how to narrow them, end on symlink loops; every file is audited once whatever it is called.
 */
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { expandDatabases, GlobLimitError } from '../../src/sources/sqlite/targets.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();
let dir: string;
beforeEach(() => {
  dir = scratch.tempDir('lockscope-targets-');
  buildDatabase(join(dir, 'a.db'), { journalMode: 'wal' });
});

const paths = (stdout: string) => (JSON.parse(stdout) as { databases: { path: string }[] }).databases.map((d) => d.path);

describe('globs', () => {
  it('never descend into /proc, /sys or /dev, even through a symlink', () => {
    symlinkSync('/proc', join(dir, 'proc-link'));
    symlinkSync('/sys', join(dir, 'sys-link'));
    symlinkSync('/dev', join(dir, 'dev-link'));
    // /proc/<pid>/cmdline and /sys/…/uevent would match without the fence (measured with tinyglobby alone:
    // '*-link/**/cmdline' at depth 3 finds 89 files here), and the walk of /proc would hit the entry bound.
    for (const pattern of ['*-link/**/cmdline', '*-link/**/uevent', '*-link/**/*']) {
      const list = expandDatabases([pattern], dir, 'relative-to-cwd', dir);
      expect(list.paths, pattern).toEqual([]);
      expect(list.unmatched.map((u) => u.error?.code)).toEqual(['NO_MATCH']);
    }
  });

  it('a pattern that starts inside /proc is walked there (it was asked for)', () => {
    const list = expandDatabases([`/proc/${process.pid}/cmdli?e`], dir, 'as-given', dir);
    expect(list.paths).toEqual([`/proc/${process.pid}/cmdline`]);
  });

  it('a symlink loop is followed once: each file found once, under its shortest name', () => {
    mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
    buildDatabase(join(dir, 'data', 'sub', 'x.sqlite'), { journalMode: 'wal' });
    symlinkSync('..', join(dir, 'data', 'sub', 'up'));
    symlinkSync('.', join(dir, 'data', 'self'));
    const r = runCli(['audit', 'data/**/*.sqlite', '--json'], { cwd: dir });
    expect(r.signal).toBeNull();
    expect(paths(r.stdout)).toEqual(['data/sub/x.sqlite']);
  });

  it('past its entry bound: exit 2, one line naming the pattern and how to narrow it', () => {
    for (let i = 0; i < 30; i += 1) writeFileSync(join(dir, `f${i}.txt`), '');
    const r = runCli(['audit', '**/*.sqlite'], { cwd: dir, env: { LOCKSCOPE_GLOB_MAX_ENTRIES: '10' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `lockscope: **/*.sqlite: the pattern visited more than 10 entries under ${dir} without finishing; start it from the directory the databases are in (e.g. /srv/app/data/*.db) or name the files`,
    ]);
    expect(r.stdout).toBe('');
  });

  it('past its time bound: the same one line, naming the time', () => {
    const r = runCli(['audit', '/**/*.sqlite'], { cwd: dir, env: { LOCKSCOPE_GLOB_MAX_MS: '1' }, timeoutMs: 60_000 });
    expect(r.signal, 'must not hang').toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'lockscope: /**/*.sqlite: the pattern ran for more than 0.001 s under / without finishing; start it from the directory the databases are in (e.g. /srv/app/data/*.db) or name the files',
    ]);
  });

  it('the same in-process: GlobLimitError, not a partial list', () => {
    for (let i = 0; i < 30; i += 1) writeFileSync(join(dir, `g${i}.txt`), '');
    expect(() => expandDatabases(['**/*.db'], dir, 'as-given', dir, { LOCKSCOPE_GLOB_MAX_ENTRIES: '10' })).toThrow(GlobLimitError);
  });

  it("'/**/*.sqlite' on the command line and a config glob starting at / return with one line (small bound)", () => {
    const env = { LOCKSCOPE_GLOB_MAX_ENTRIES: '500' };
    const cli = runCli(['audit', '/**/*.sqlite'], { cwd: dir, env, timeoutMs: 60_000 });
    expect(cli.signal, 'must not hang').toBeNull();
    expect(cli.code).toBe(2);
    expect(cli.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/^lockscope: \/\*\*\/\*\.sqlite: the pattern visited more than 500 entries under \/ without finishing; start it from/);
    writeFileSync(join(dir, 'lockscope.config.json'), JSON.stringify({ databases: ['/**/*.sqlite'] }));
    const config = runCli(['audit'], { cwd: dir, env, timeoutMs: 60_000 });
    expect(config.signal, 'must not hang').toBeNull();
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/^lockscope: \/\*\*\/\*\.sqlite: the pattern visited more than 500 entries/);
  });

  it("'/**/*.sqlite' with the default bounds returns (a finding, no match, or the bound: never a hang)", () => {
    // The hang guard is generous; here it returns in about 2.5 s. What it prints depends on the machine.
    const r = runCli(['audit', '/**/*.sqlite', '--json'], { cwd: dir, timeoutMs: 90_000 });
    expect(r.signal, 'must not hang').toBeNull();
    expect([0, 1, 2]).toContain(r.code);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Nothing under /proc, /sys or /dev is ever audited.
    if (r.stdout) expect(paths(r.stdout).filter((p) => /^\/(proc|sys|dev)\//.test(p))).toEqual([]);
  });
});

describe('each file once', () => {
  it('the same path 1,000 times is audited once', () => {
    const r = runCli(['audit', ...Array.from({ length: 1000 }, () => 'a.db'), '--json'], { cwd: dir });
    expect(r.signal).toBeNull();
    expect(paths(r.stdout)).toEqual(['a.db']);
  });

  it('./a.db, a.db, the absolute path, a symlink and a hard link: once, under the first spelling', () => {
    symlinkSync('a.db', join(dir, 'link.db'));
    linkSync(join(dir, 'a.db'), join(dir, 'hard.db'));
    buildDatabase(join(dir, 'b.db'), { journalMode: 'wal' });
    const r = runCli(['audit', './a.db', 'a.db', join(dir, 'a.db'), 'link.db', 'hard.db', 'b.db', '--json'], { cwd: dir });
    expect(paths(r.stdout)).toEqual(['./a.db', 'b.db']);
    const g = runCli(['audit', 'link.db', '*.db', '--json'], { cwd: dir });
    expect(paths(g.stdout)).toEqual(['link.db', 'b.db']);
  });

  it('a missing path given twice is reported once', () => {
    const r = runCli(['audit', 'missing.db', './missing.db', 'a.db', '--json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(paths(r.stdout)).toEqual(['missing.db', 'a.db']);
  });
});
