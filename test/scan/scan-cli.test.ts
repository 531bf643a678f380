/** lockscope scan through the built CLI: fixture apps, the false-positive corpus, SARIF regions, GitHub annotations, the walker's safety. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { checksIn } from '../../checks/index.js';
import { runChecks } from '../../src/core/runner.js';
import { scanFixture } from './helpers.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures-schemas', 'sarif-schema-2.1.0.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const json = (dir: string) => {
  const r = runCli(['scan', dir, '--json']);
  return { ...r, report: JSON.parse(r.stdout) };
};
/** The same report in-process (the real parsers and checks; the CLI runs are the tests below that need it). */
const inProcess = async (name: string) => {
  const facts = await scanFixture(name);
  return { databases: [{ facts, findings: runChecks(checksIn('scan'), facts, { app: {} }) }] };
};
const problems = (report: { databases: { findings: { status: string; id: string; locations?: { file: string; line: number }[] }[] }[] }) =>
  report.databases[0]!.findings.filter((f) => f.status !== 'pass' && f.status !== 'skip').flatMap((f) => (f.locations ?? []).map((l) => `${f.id} ${l.file}:${l.line}`));

describe('lockscope scan', () => {
  it('the false-positive corpus (IMMEDIATE set, timeout through a variable, a read-only transaction, tests/ and migrations/) gives zero findings', () => {
    const { report, code } = json('fixtures/scan/false-positives');
    expect(problems(report)).toEqual([]);
    expect(code).toBe(0);
    const facts = report.databases[0].facts;
    expect(facts.skippedTestFiles).toBe(2);
    const django = facts.connections.find((c: { stack: string }) => c.stack === 'django');
    expect(django.busyTimeoutMs).toMatchObject({ state: 'set-here', value: 20000, line: 1 });
    expect(django.transactionMode).toMatchObject({ state: 'set-here', value: 'immediate', line: 9 });
  });

  it.each([
    ['django', ['scan-no-busy-timeout fixtures/scan/django/mysite/settings.py:22', 'scan-deferred-transactions fixtures/scan/django/shop/views.py:10', 'scan-inconsistent-settings fixtures/scan/django/mysite/settings.py:11', 'scan-inconsistent-settings fixtures/scan/django/mysite/settings.py:18', 'scan-inconsistent-settings fixtures/scan/django/mysite/settings.py:11', 'scan-inconsistent-settings fixtures/scan/django/mysite/settings.py:18', 'scan-connection-per-call fixtures/scan/django/shop/views.py:19', 'scan-journal-mode-per-connection fixtures/scan/django/mysite/settings.py:15']],
    ['flask-sqlalchemy', ['scan-no-busy-timeout fixtures/scan/flask-sqlalchemy/app.py:8', 'scan-deferred-transactions fixtures/scan/flask-sqlalchemy/app.py:25', 'scan-journal-mode-per-connection fixtures/scan/flask-sqlalchemy/app.py:14']],
    ['express-better-sqlite3', ['scan-no-busy-timeout fixtures/scan/express-better-sqlite3/src/db.js:3', 'scan-deferred-transactions fixtures/scan/express-better-sqlite3/src/server.js:7', 'scan-inconsistent-settings fixtures/scan/express-better-sqlite3/src/db.js:3', 'scan-inconsistent-settings fixtures/scan/express-better-sqlite3/src/server.js:18', 'scan-inconsistent-settings fixtures/scan/express-better-sqlite3/src/db.js:3', 'scan-inconsistent-settings fixtures/scan/express-better-sqlite3/src/server.js:18', 'scan-connection-per-call fixtures/scan/express-better-sqlite3/src/server.js:18']],
    ['knex', ['scan-deferred-transactions fixtures/scan/knex/db.js:15', 'scan-journal-mode-per-connection fixtures/scan/knex/db.js:9']],
    ['sequelize', ['scan-deferred-transactions fixtures/scan/sequelize/models.js:12']],
    ['drizzle', ['scan-deferred-transactions fixtures/scan/drizzle/db.ts:10']],
    ['go-service', ['scan-no-busy-timeout fixtures/scan/go-service/main.go:10', 'scan-deferred-transactions fixtures/scan/go-service/main.go:18', 'scan-journal-mode-per-connection fixtures/scan/go-service/main.go:10']],
    ['rails', ['scan-no-busy-timeout fixtures/scan/rails/config/database.yml:13']],
    ['laravel', ['scan-no-busy-timeout fixtures/scan/laravel/.env:6', 'scan-deferred-transactions fixtures/scan/laravel/app/Http/Controllers/StockController.php:12']],
    ['prisma', ['scan-no-busy-timeout fixtures/scan/prisma/prisma/schema.prisma:6']],
    ['peewee', ['scan-no-busy-timeout fixtures/scan/peewee/models.py:5', 'scan-deferred-transactions fixtures/scan/peewee/models.py:19', 'scan-connection-per-call fixtures/scan/peewee/models.py:27', 'scan-journal-mode-per-connection fixtures/scan/peewee/models.py:6']],
    ['node-drivers', ['scan-no-busy-timeout fixtures/scan/node-drivers/worker.js:7', 'scan-no-busy-timeout fixtures/scan/node-drivers/worker.js:5', 'scan-deferred-transactions fixtures/scan/node-drivers/worker.js:11']],
  ])('%s: every finding, line by line', async (name, expected) => {
    expect(problems(await inProcess(name))).toEqual(expected);
  });

  it('reports versions from lockfiles/requirements and literal paths', async () => {
    const c = async (name: string) => (await scanFixture(name)).connections[0];
    expect(await c('django')).toMatchObject({ stack: 'django', version: { value: '5.1.4', from: 'requirements.txt' } });
    expect(await c('go-service')).toMatchObject({ version: { value: 'v1.14.24', from: 'go.mod' }, database: { literal: 'ledger.db' } });
    expect(await c('knex')).toMatchObject({ version: { value: '3.1.0' }, database: { literal: './jobs.sqlite' }, busyTimeoutMs: { state: 'driver-default', value: 1000 } });
    expect(await c('laravel')).toMatchObject({ version: { value: 'v12.28.1', from: 'composer.lock' }, database: { literal: '/var/www/shop/database/database.sqlite' }, busyTimeoutMs: { state: 'set-here', value: 0, file: 'fixtures/scan/laravel/.env', line: 6 }, journalMode: { state: 'set-here', value: 'wal' } });
    expect(await c('prisma')).toMatchObject({ version: { value: '6.1.0' }, database: { literal: './dev.db' }, pragmas: [{ name: 'url:connection_limit', value: '1' }], busyTimeoutMs: { state: 'unknown' } });
    expect(await c('rails')).toMatchObject({ version: { value: '7.1.5', from: 'Gemfile.lock' }, database: { literal: 'storage/development.sqlite3' }, busyTimeoutMs: { state: 'set-here', value: 5000, line: 4 } });
  });

  it('SARIF validates against the OASIS schema and puts each result on its file and line', () => {
    const r = runCli(['scan', 'fixtures/scan/go-service', '--format', 'sarif']);
    const log = JSON.parse(r.stdout);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const regions = log.runs[0].results.map((x: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }) => `${x.ruleId} ${x.locations[0]!.physicalLocation.artifactLocation.uri}:${x.locations[0]!.physicalLocation.region.startLine}`);
    expect(regions).toEqual(['scan-no-busy-timeout fixtures/scan/go-service/main.go:10', 'scan-deferred-transactions fixtures/scan/go-service/main.go:18', 'scan-journal-mode-per-connection fixtures/scan/go-service/main.go:10']);
  });

  it('--format github annotates file= and line=', () => {
    const r = runCli(['scan', 'fixtures/scan/go-service', '--format', 'github']);
    expect(r.stdout).toMatch(/^::error title=[^\n]*\(scan-no-busy-timeout\),file=fixtures\/scan\/go-service\/main.go,line=10::/m);
    expect(r.code).toBe(1);
  });

  const tmp = mkdtempSync(join(tmpdir(), 'lockscope-scan-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('skips node_modules, .gitignored folders, huge and binary files, and follows no symlink out of the tree', () => {
    const app = join(tmp, 'app');
    const outside = join(tmp, 'outside');
    mkdirSync(join(app, 'node_modules', 'x'), { recursive: true });
    mkdirSync(join(app, 'generated'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    const bad = 'import sqlite3\nconn = sqlite3.connect("x.db", timeout=0)\n';
    writeFileSync(join(app, 'node_modules', 'x', 'a.py'), bad);
    writeFileSync(join(app, 'generated', 'b.py'), bad);
    writeFileSync(join(app, '.gitignore'), 'generated/\n');
    writeFileSync(join(outside, 'c.py'), bad);
    symlinkSync(outside, join(app, 'linked'));
    writeFileSync(join(app, 'big.py'), `${bad}#${'x'.repeat(1024 * 1024)}\n`);
    writeFileSync(join(app, 'bin.py'), Buffer.concat([Buffer.from(bad), Buffer.from([0, 1, 2])]));
    writeFileSync(join(app, 'ok.py'), 'import sqlite3\nconn = sqlite3.connect("ok.db", timeout=10)\n');
    const { report, code } = json(app);
    const facts = report.databases[0].facts;
    expect(facts.connections.map((c: { file: string }) => c.file)).toEqual([`${app}/ok.py`]);
    expect(facts.files).toMatchObject({ skippedLarge: 1, skippedBinary: 1, skippedSymlinks: 1 });
    expect(code).toBe(0);
  });

  it('a missing folder is a one-line error, exit 2', () => {
    const r = runCli(['scan', join(tmp, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no such directory/);
  });
});
