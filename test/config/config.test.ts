/** lockscope.config.json: discovery, validation naming the key, precedence, globs, init. Real files, built CLI. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REGISTRY } from '../../checks/index.js';
import { buildConfigSchema, CONFIG_KEYS } from '../../src/cli/config-schema.js';
import { STRESS_CONFIG_KEYS, loadConfig, parseConfig } from '../../src/cli/config.js';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { ROOT, runCli } from '../helpers/cli.js';

let dir: string;
// The two databases are built once (cleanly closed: one file each) and copied into each test's fresh project.
let built: string;
beforeAll(() => {
  built = makeTempDir();
  buildDatabase(join(built, 'a.db'), { journalMode: 'delete' });
  buildDatabase(join(built, 'b.db'), { journalMode: 'wal' });
});
afterAll(() => removeDir(built));
beforeEach(() => {
  dir = makeTempDir();
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'app', 'deep'), { recursive: true });
  copyFileSync(join(built, 'a.db'), join(dir, 'data', 'a.db'));
  copyFileSync(join(built, 'b.db'), join(dir, 'data', 'b.db'));
});
afterEach(() => removeDir(dir));

const write = (name: string, value: unknown) => writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
const findings = (stdout: string, db = 0) => JSON.parse(stdout).databases[db].findings as { id: string; status: string }[];

describe('config file', () => {
  it('is found from a subdirectory upwards; databases are globs relative to the config file', () => {
    write('lockscope.config.json', '{\n  // the app\n  "databases": ["data/*.db"],\n  "app": { "busyTimeoutMs": 5000 },\n}\n');
    const r = runCli(['audit', '--json'], { cwd: join(dir, 'app', 'deep') });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.databases.map((d: { path: string }) => d.path)).toEqual([join('..', '..', 'data', 'a.db'), join('..', '..', 'data', 'b.db')]);
    expect(findings(r.stdout).find((f) => f.id === 'busy-timeout')!.status).toBe('pass');
  });

  it('a "lockscope" key in package.json works too', () => {
    write('package.json', { name: 'app', lockscope: { databases: ['data/b.db'], app: { busyTimeoutMs: 0 } } });
    const r = runCli(['audit', '--json'], { cwd: dir });
    expect(findings(r.stdout).find((f) => f.id === 'busy-timeout')!.status).toBe('fail');
  });

  it('--config names the file; command-line flags override it', () => {
    write('ci.json', { app: { busyTimeoutMs: 0 } });
    const fromFile = runCli(['audit', 'data/b.db', '--config', 'ci.json', '--json'], { cwd: dir });
    expect(findings(fromFile.stdout).find((f) => f.id === 'busy-timeout')!.status).toBe('fail');
    const overridden = runCli(['audit', 'data/b.db', '--config', 'ci.json', '--busy-timeout', '5000', '--json'], { cwd: dir });
    expect(findings(overridden.stdout).find((f) => f.id === 'busy-timeout')!.status).toBe('pass');
  });

  it('per-check severity and thresholds from the config change the result', () => {
    write('lockscope.config.json', { databases: ['data/a.db'], app: { busyTimeoutMs: 2000 }, checks: { 'journal-mode': 'fail' }, thresholds: { 'busy-timeout': { minMs: '3s' } } });
    const r = runCli(['audit', '--json'], { cwd: dir });
    const f = findings(r.stdout);
    expect(f.find((x) => x.id === 'journal-mode')!.status).toBe('fail');
    expect(f.find((x) => x.id === 'busy-timeout')!.status).toBe('warn');
    expect(r.code).toBe(1);
    write('lockscope.config.json', { databases: ['data/a.db'], checks: { 'journal-mode': 'off' } });
    expect(findings(runCli(['audit', '--json'], { cwd: dir }).stdout).map((x) => x.id)).not.toContain('journal-mode');
  });

  it.each([
    [{ databses: ['x.db'] }, /lockscope\.config\.json: databses: unknown key \(did you mean "databases"\?\)/],
    [{ app: { busyTimeoutMs: '5s' } }, /lockscope\.config\.json: app\.busyTimeoutMs: expected integer \(got "5s"\)/],
    [{ app: { transactionMode: 'lazy' } }, /app\.transactionMode: expected one of "deferred", "immediate", "exclusive" \(got "lazy"\)/],
    [{ checks: { 'busy-timeot': 'off' } }, /checks\.busy-timeot: unknown key \(did you mean "busy-timeout"\?\)/],
    [{ thresholds: { 'busy-timeout': { minms: 5 } } }, /thresholds\.busy-timeout\.minms: unknown key \(did you mean "minMs"\?\)/],
    ['{ "databases": [', /lockscope\.config\.json: not valid JSON/],
  ])('a broken config (%j) exits 2 naming the file and the key', (config, message) => {
    write('lockscope.config.json', config);
    buildDatabase(join(dir, 'x.db'));
    const r = runCli(['audit', 'x.db'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(join(dir, 'lockscope.config.json'));
  });

  it('a glob that matches nothing is reported; the other databases still run', () => {
    write('lockscope.config.json', { databases: ['data/*.db', 'missing/*.db'] });
    const r = runCli(['audit', '--json'], { cwd: dir });
    const report = JSON.parse(r.stdout);
    expect(report.databases).toHaveLength(3);
    expect(report.databases[2]).toMatchObject({ path: 'missing/*.db', error: { code: 'NO_MATCH' } });
    expect(r.code).toBe(2);
  });

  it('no database anywhere: exit 2 with a hint', () => {
    const r = runCli(['audit'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no database given/);
  });
});

describe('lockscope init', () => {
  it('writes a commented config listing the databases and the detected stack; audit then uses it', () => {
    write('requirements.txt', 'Django==5.1\n');
    const r = runCli(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    const text = readFileSync(join(dir, 'lockscope.config.json'), 'utf8');
    expect(text).toMatch(/^\s*\/\/ /m);
    const config = loadConfig(dir)!;
    expect(config.databases).toEqual(['data/a.db', 'data/b.db']);
    // Only what init found is set: the detected stack is written commented out (declared, its defaults
    // would decide verdicts on a guess), and no app setting is invented.
    expect(config.stack).toBeUndefined();
    expect(config.app).toEqual({});
    expect(text).toContain('// "stack": "django"');
    expect(r.stdout).toContain('stack: django, detected (requirements.txt lists django)');
    const audit = JSON.parse(runCli(['audit', '--json'], { cwd: dir }).stdout);
    expect(audit.databases).toHaveLength(2);
    // audit detects the same stack for its fixes, from the same detector.
    expect(audit.stack).toEqual({ name: 'django', from: 'detected', defaultsInVerdicts: false, reason: 'requirements.txt lists django' });
    expect(runCli(['init'], { cwd: dir }).code).toBe(2); // never overwrites without --force
    expect(runCli(['init', '--force'], { cwd: dir }).code).toBe(0);
  });

  it('takes what the code sets from the code (app.discover) instead of a placeholder, and audit shows where', () => {
    write('requirements.txt', 'Django==5.1\n');
    write('app/store.py', 'import sqlite3\n\nconn = sqlite3.connect("data/a.db", timeout=0)\n');
    expect(runCli(['init', '--force'], { cwd: dir }).code).toBe(0);
    const text = readFileSync(join(dir, 'lockscope.config.json'), 'utf8');
    expect(text).toContain('//   busyTimeoutMs: 0 ms, found at app/store.py:3 (sqlite3.connect)');
    expect(text).not.toMatch(/"busyTimeoutMs":/);
    expect(loadConfig(dir)!.discover).toBe(dir);
    const audit = JSON.parse(runCli(['audit', '--json'], { cwd: dir }).stdout);
    const row = audit.databases[0].app.find((a: { setting: string }) => a.setting === 'busy_timeout');
    expect(row).toMatchObject({ value: 0, from: 'code', origin: 'found at app/store.py:3 (sqlite3.connect)' });
  });
});

describe('the schema and the README stay in step', () => {
  const schema = buildConfigSchema(REGISTRY, STRESS_CONFIG_KEYS) as { properties: Record<string, { properties?: Record<string, unknown> }> };
  const schemaKeys = Object.entries(schema.properties)
    .filter(([k]) => k !== '$schema')
    .flatMap(([k, v]) => (k === 'app' ? Object.keys(v.properties ?? {}).map((n) => `app.${n}`) : [k]));

  it('CONFIG_KEYS documents exactly the schema keys', () => {
    expect(CONFIG_KEYS.map(([k]) => k).sort()).toEqual(schemaKeys.sort());
  });

  it('README.md has a row for every config key', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [key] of CONFIG_KEYS) expect(readme, key).toContain(`| \`${key}\` |`);
  });

  it('every check id and threshold is accepted; unknown ones are not', () => {
    const thresholds = Object.fromEntries(REGISTRY.filter((c) => Object.keys(c.thresholds).length > 0).map((c) => [c.id, Object.fromEntries(Object.entries(c.thresholds).map(([n, s]) => [n, s.default]))]));
    const checks = Object.fromEntries(REGISTRY.map((c) => [c.id, 'warn']));
    expect(() => parseConfig(JSON.stringify({ thresholds, checks }), 'x.json')).not.toThrow();
    expect(() => parseConfig(JSON.stringify({ checks: { 'no-such-check': 'off' } }), 'x.json')).toThrow(/no-such-check: unknown key/);
  });
});

describe('hostile config files: one line naming the file, exit 2, never a hang or a stack overflow', () => {
  const cases: [string, (file: string) => void, RegExp][] = [
    ['nested 100,000 levels deep', (f) => writeFileSync(f, `{"app": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`), /: nested more than 64 levels deep \(a config needs 3\)$/],
    ['larger than 1 MiB', (f) => writeFileSync(f, JSON.stringify({ databases: Array.from({ length: 150_000 }, () => 'app.db') })), /: too large \([\d,]+ bytes; a config may be at most 1,048,576 bytes\)$/],
    ['a FIFO (must not block)', (f) => execFileSync('mkfifo', [f]), /: cannot read: not a regular file \(a FIFO\)$/],
    ['a directory', (f) => mkdirSync(f), /: cannot read: it is a directory$/],
  ];

  it.each(cases)('%s, given with --config', (_name, make, message) => {
    const file = join(dir, 'hostile.json');
    make(file);
    const r = runCli(['audit', join(dir, 'data', 'a.db'), '--config', file], { timeoutMs: 20_000 });
    expect(r.signal, 'must not hang').toBeNull();
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`lockscope: ${file}: `)).toBe(true);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toContain('Maximum call stack');
  });

  it.each(cases)('%s, found as lockscope.config.json', (_name, make, message) => {
    const file = join(dir, 'lockscope.config.json');
    make(file);
    const r = runCli(['audit', join(dir, 'data', 'a.db')], { cwd: dir, timeoutMs: 20_000 });
    expect(r.signal, 'must not hang').toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stderr).toContain(file);
  });

  it('deep nesting inside a string is only text: no error', () => {
    const file = join(dir, 'strings.json');
    writeFileSync(file, JSON.stringify({ databases: [`${'['.repeat(1000)}.db`] }));
    expect(() => loadConfig(dir, file)).not.toThrow();
  });
});

describe('lockscope init writes only what it found', () => {
  it('no databases and no manifest: nothing set, every key a commented example; no invented path or setting', () => {
    const empty = makeTempDir();
    try {
      const r = runCli(['init'], { cwd: empty });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('databases: none found');
      expect(r.stdout).toContain('stack: none detected');
      const text = readFileSync(join(empty, 'lockscope.config.json'), 'utf8');
      // Every line that is not a comment is structure: no key is set.
      const uncommented = text.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim()).filter(Boolean);
      expect(uncommented).toEqual(['{', '}']);
      expect(text).toContain('// "databases": ["data/app.db"]');
      expect(text).toContain('//   "busyTimeoutMs": 5000');
      const config = loadConfig(empty)!;
      expect(config.databases).toEqual([]);
      expect(config.app).toEqual({});
      expect(config.stack).toBeUndefined();
      expect(config.thresholds).toEqual({});
      expect(config.severity).toEqual({});
      // The first audit judges nothing invented: with no database it is a usage error naming the config.
      const audit = runCli(['audit'], { cwd: empty });
      expect(audit.code).toBe(2);
      expect(audit.stderr).toContain('"databases" is empty');
    } finally {
      removeDir(empty);
    }
  });

  it('a database found: listed as it is on disk; the busy timeout stays undeclared, so audit says "not declared"', () => {
    const project = makeTempDir();
    try {
      buildDatabase(join(project, 'app.db'), { journalMode: 'wal' });
      expect(runCli(['init'], { cwd: project }).code).toBe(0);
      expect(loadConfig(project)!.databases).toEqual(['app.db']);
      const audit = JSON.parse(runCli(['audit', '--json'], { cwd: project }).stdout);
      const busy = audit.databases[0].findings.find((f: { id: string }) => f.id === 'busy-timeout');
      expect(busy.messageId).toBe('undeclared');
    } finally {
      removeDir(project);
    }
  });
});
