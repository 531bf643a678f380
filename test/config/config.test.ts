/** lockscope.config.json: discovery, validation naming the key, precedence, globs, init. Real files, built CLI. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REGISTRY } from '../../checks/index.js';
import { buildConfigSchema, CONFIG_KEYS } from '../../src/config-schema.js';
import { STRESS_CONFIG_KEYS, loadConfig, parseConfig } from '../../src/config.js';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { ROOT, runCli } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
  mkdirSync(join(dir, 'data'));
  mkdirSync(join(dir, 'app', 'deep'), { recursive: true });
  buildDatabase(join(dir, 'data', 'a.db'), { journalMode: 'delete' });
  buildDatabase(join(dir, 'data', 'b.db'), { journalMode: 'wal' });
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
    expect(config.stack).toBe('django');
    const audit = runCli(['audit', '--json'], { cwd: dir });
    expect(JSON.parse(audit.stdout).databases).toHaveLength(2);
    expect(runCli(['init'], { cwd: dir }).code).toBe(2); // never overwrites without --force
    expect(runCli(['init', '--force'], { cwd: dir }).code).toBe(0);
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
    const thresholds = Object.fromEntries(REGISTRY.filter((c) => c.thresholds).map((c) => [c.id, Object.fromEntries(Object.entries(c.thresholds!).map(([n, s]) => [n, s.default]))]));
    const checks = Object.fromEntries(REGISTRY.map((c) => [c.id, 'warn']));
    expect(() => parseConfig(JSON.stringify({ thresholds, checks }), 'x.json')).not.toThrow();
    expect(() => parseConfig(JSON.stringify({ checks: { 'no-such-check': 'off' } }), 'x.json')).toThrow(/no-such-check: unknown key/);
  });
});
