/**
 * The package as users install it: `npm pack`, then `npm install` of the tarball into an empty project
 * without optional dependencies (better-sqlite3 left out, as when it cannot be built) and the commands run
 * from node_modules/.bin. Needs the build (`npm test` builds first) and npm's cache of ajv (filled by
 * `npm install` in the checkout; --prefer-offline uses it).
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY } from '../../checks/index.js';
import { buildDatabase, holdState, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { ROOT, cleanEnv } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

/** The test runner's environment without what `npm test` set for itself (npm_config_*, npm_lifecycle_*…). */
function npmEnv(): NodeJS.ProcessEnv {
  const env = cleanEnv();
  for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];
  return env;
}

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

interface PackedFile {
  path: string;
  size: number;
}

/** Every file under `dir`, relative to it. */
function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** One tarball for every test here: `npm pack --json` lists what it packed (as `--dry-run --json` would). */
let packDir: string;
let tarball: string;
let files: string[];
beforeAll(() => {
  packDir = makeTempDir('lockscope-pack-');
  // --ignore-scripts: prepack would build again; `npm test` has just built.
  const [pack] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], ROOT).stdout) as [{ filename: string; files: PackedFile[] }];
  tarball = join(packDir, pack.filename);
  files = pack.files.map((f) => f.path);
});
afterAll(() => {
  if (packDir) removeDir(packDir);
});

describe('npm pack: what the tarball holds', () => {

  it('the bin, the bundle with its chunks and entry scripts, every check doc, the README, the licences', () => {
    expect(files).toContain('bin/lockscope.js');
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files).toContain('CHANGELOG.md');
    expect(files).toContain('dist/lockscope.mjs');
    expect(files).toContain('dist/stress-worker.mjs');
    expect(files).toContain('dist/wal-sampler.mjs');
    expect(files).toContain('dist/demo/scenario-child.mjs');
    expect(files).toContain('dist/THIRD-PARTY-NOTICES.txt');
    // Every chunk the build wrote (a missing one fails the command that imports it).
    const chunks = readdirSync(join(ROOT, 'dist', 'chunks')).map((n) => `dist/chunks/${n}`);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(files).toContain(c);
    for (const check of REGISTRY) expect(files).toContain(`checks/${check.id}.md`);
  });

  it('no sources, tests, fixtures, databases, compiled tree or source maps', () => {
    const unwanted = files.filter(
      (f) =>
        /^(src|test|fixtures|bench|scripts|node_modules|dist\/(src|bench|fixtures|checks|scripts))\//.test(f) ||
        /\.(ts|map|db|sqlite3?|db-wal|db-shm|db-journal)$/.test(f),
    );
    expect(unwanted).toEqual([]);
  });
});

interface Installed {
  /** The temporary directory; the project is `app/` in it. */
  dir: string;
  /** The project's node_modules/.bin/lockscope. */
  bin: string;
  run(args: readonly string[]): { code: number | null; stdout: string; stderr: string };
}

/**
 * Before the describe's tests: installs the tarball with `flags` into a new project in a temporary directory
 * (removed after them).
 */
function installedCopy(flags: string[]): Installed {
  const copy: Installed = {
    dir: '',
    bin: '',
    run(args) {
      const r = spawnSync(copy.bin, args, { cwd: copy.dir, env: npmEnv(), encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
      return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
  };
  beforeAll(() => {
    copy.dir = makeTempDir('lockscope-pack-');
    const app = join(copy.dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "an-app", "private": true }\n');
    npm(['install', ...flags, '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
    copy.bin = join(app, 'node_modules', '.bin', 'lockscope');
  });
  afterAll(() => {
    if (copy.dir) removeDir(copy.dir);
  });
  return copy;
}

describe('npm install of the packed tarball without optional dependencies (no better-sqlite3, no compiler needed)', () => {
  const s = scratchPerTest();
  const copy = installedCopy(['--omit=optional']);
  const run = (args: string[]) => copy.run(args);

  it('installs no native module: better-sqlite3 is absent and no .node file was built', () => {
    const modules = join(copy.dir, 'app', 'node_modules');
    expect(existsSync(join(modules, 'better-sqlite3'))).toBe(false);
    const native = walk(modules).filter((f) => f.endsWith('.node') || f.endsWith('binding.gyp'));
    expect(native).toEqual([]);
    expect(statSync(copy.bin).isFile()).toBe(true);
  });

  it('audit, locks, checks and explain run from the installed package', async () => {
    const db = join(s.tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 50 });
    const holder = await holdState(db, 'wal-write');
    s.holders.push(holder);

    const audit = run(['audit', db, '--json']);
    expect(audit.stderr).toBe('');
    expect([0, 1]).toContain(audit.code);
    const report = JSON.parse(audit.stdout) as { command: string; databases: { path: string; facts: { journalMode?: string } }[] };
    expect(report.command).toBe('audit');
    expect(report.databases[0]!.path).toBe(db);

    // The holder's write lock, seen by the installed copy.
    const locks = run(['locks', db, '--json']);
    expect(locks.stderr).toBe('');
    expect(locks.stdout).toContain(`"pid": ${holder.pid}`);

    const checks = run(['checks']);
    expect(checks.code).toBe(0);
    expect(checks.stdout).toContain('busy-timeout');
    const explain = run(['explain', 'busy-timeout']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain('busy_timeout');
  });

  it('stress, audit --checkpoint, audit --stress and demo say in one line how to get better-sqlite3, and exit 2', () => {
    const db = join(s.tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    for (const [args, what] of [
      [['stress', db, '--duration', '1s'], 'stress'],
      [['audit', db, '--checkpoint'], 'audit --checkpoint'],
      [['audit', db, '--stress'], 'audit --stress'],
      [['demo'], 'demo'],
    ] as const) {
      const r = run([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`lockscope: ${what} needs better-sqlite3`);
      expect(lines[0]).toContain('npm install better-sqlite3@12');
    }
    // Nothing was created next to the database (no scratch copy, no checkpoint).
    expect(readdirSync(join(db, '..')).sort()).toEqual(['app.db']);
  });
});

describe('npm install of the packed tarball whose install scripts did not run (better-sqlite3 without its native binary)', () => {
  const s = scratchPerTest();
  // As when npm is told (or, with allowScripts, decides) not to run install scripts.
  const copy = installedCopy(['--ignore-scripts']);

  it('stress says better-sqlite3 is installed but does not load, and how to rebuild it; audit still runs', () => {
    expect(existsSync(join(copy.dir, 'app', 'node_modules', 'better-sqlite3', 'package.json'))).toBe(true);
    const db = join(s.tempDir(), 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const stress = copy.run(['stress', db]);
    expect(stress.code).toBe(2);
    expect(stress.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining('lockscope: stress needs better-sqlite3, which is installed but does not load (its native binary was never built')]);
    expect(stress.stderr).toContain('npm rebuild better-sqlite3');
    const audit = copy.run(['audit', db]);
    expect([0, 1]).toContain(audit.code);
    expect(audit.stderr).toBe('');
  });
});
