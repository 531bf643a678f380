/**
 * One stack by default, through the built CLI on real project trees: the stack detected from the project's
 * manifests picks the fixes, says why (text line, JSON `stack`), and never changes a verdict; a declared stack
 * (--stack, the config) picks the fixes and its defaults stand in; nothing detected shows the SQL fixes only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

interface JsonFinding {
  id: string;
  status: string;
  messageId: string;
  fixes: { stack?: string }[];
}
interface JsonReport {
  stack: { name: string | null; from: string; defaultsInVerdicts: boolean; reason: string };
  databases: { findings: JsonFinding[] }[];
}

/** A project directory with `files`, and a WAL database at data/app.db. */
function project(files: Record<string, string>): string {
  const dir = scratch.tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  mkdirSync(join(dir, 'data'));
  buildDatabase(join(dir, 'data', 'app.db'), { journalMode: 'wal' });
  return dir;
}

function audit(dir: string, args: string[] = []): JsonReport {
  const r = runCli(['audit', 'data/app.db', '--json', ...args], { cwd: dir });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as JsonReport;
}

const finding = (r: JsonReport, id: string) => r.databases[0]!.findings.find((f) => f.id === id)!;
const fixStacks = (r: JsonReport) => new Set(r.databases[0]!.findings.flatMap((f) => f.fixes.map((x) => x.stack ?? 'sql')));

describe('stack detection in audit', () => {
  it('go.mod requiring mattn/go-sqlite3: Go fixes only, said why; the verdicts are those of no stack', () => {
    const dir = project({ 'go.mod': 'module example.com/app\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n' });
    const detected = audit(dir);
    expect(detected.stack).toEqual({ name: 'go', from: 'detected', defaultsInVerdicts: false, reason: 'go.mod requires github.com/mattn/go-sqlite3' });
    expect(fixStacks(detected)).toEqual(new Set(['sql', 'go']));

    // Declared, Go's verified 5000 ms busy timeout stands in and busy-timeout passes; detected, it must
    // not: the setting stays undeclared (a warning), exactly as with no stack at all.
    const declared = audit(dir, ['--stack', 'go', '--tx', 'immediate']);
    expect(declared.stack).toMatchObject({ name: 'go', from: 'flag', defaultsInVerdicts: true });
    expect(finding(declared, 'busy-timeout')).toMatchObject({ status: 'pass', messageId: 'stack-default-ok' });
    expect(finding(audit(dir, ['--tx', 'immediate']), 'busy-timeout')).toMatchObject({ status: 'warn', messageId: 'undeclared' });
    const none = audit(dir, ['--stack', 'all']);
    const verdicts = (r: JsonReport) => r.databases[0]!.findings.map((f) => `${f.id}:${f.status}:${f.messageId}`);
    expect(verdicts(detected)).toEqual(verdicts(none));

    const text = runCli(['audit', 'data/app.db'], { cwd: dir });
    expect(text.stdout.split('\n\n')[0]!.replace(/\n\s*/g, ' ')).toBe('stack: go, detected (go.mod requires github.com/mattn/go-sqlite3): its fixes only; declare it with --stack go, or --stack all for every stack\'s');
    expect(text.stdout).toContain('[go]');
    expect(text.stdout).not.toContain('[python]');
  });

  it('requirements.txt with Django: a detected Django does not make transaction-mode fail either (no verdict from a guess)', () => {
    const dir = project({ 'requirements.txt': 'Django==5.1\n' });
    const detected = audit(dir);
    expect(detected.stack).toMatchObject({ name: 'django', from: 'detected', reason: 'requirements.txt lists django' });
    expect(finding(detected, 'transaction-mode')).toMatchObject({ status: 'warn', messageId: 'undeclared' });
    expect(finding(audit(dir, ['--stack', 'django']), 'transaction-mode')).toMatchObject({ status: 'fail', messageId: 'stack-default-upgrade-trap' });
  });

  it('the database in a sub-project: its own manifest wins over the current directory\'s', () => {
    const dir = project({ 'package.json': '{"dependencies":{"knex":"3","better-sqlite3":"12"}}' });
    writeFileSync(join(dir, 'data', 'requirements.txt'), 'peewee\n');
    expect(audit(dir).stack).toMatchObject({ name: 'peewee', reason: 'data/requirements.txt lists peewee' });
  });

  it('nothing detected: SQL fixes only, and the text says so and how to choose', () => {
    const dir = project({});
    const r = audit(dir);
    expect(r.stack).toMatchObject({ name: null, from: 'none', defaultsInVerdicts: false });
    expect(r.stack.reason).toMatch(/^no package\.json, requirements\*\.txt/);
    expect(fixStacks(r)).toEqual(new Set(['sql']));
    const text = runCli(['audit', 'data/app.db'], { cwd: dir });
    expect(text.stdout.split('\n\n')[0]!.replace(/\n\s*/g, ' ')).toBe('stack: none detected: SQL fixes only; name it with --stack <stack>, or --stack all');
    expect(text.stdout).toContain('PRAGMA busy_timeout = 5000;');
    expect(text.stdout).not.toMatch(/→ \[/);
  });

  it("--stack all: every stack's fixes, and no stack's defaults in the verdicts", () => {
    const r = audit(project({ 'go.mod': 'require github.com/mattn/go-sqlite3 v1\n' }), ['--stack', 'all']);
    expect(r.stack).toEqual({ name: 'all', from: 'flag', defaultsInVerdicts: false, reason: '--stack all' });
    expect([...fixStacks(r)]).toEqual(expect.arrayContaining(['sql', 'go', 'python', 'django', 'better-sqlite3', 'rails']));
  });

  it("the config's stack is declared: it wins over the detected one and decides verdicts", () => {
    const dir = project({ 'go.mod': 'require github.com/mattn/go-sqlite3 v1\n', 'lockscope.config.json': '{ "stack": "django" }' });
    const r = audit(dir);
    expect(r.stack).toEqual({ name: 'django', from: 'config', defaultsInVerdicts: true, reason: '"stack" in lockscope.config.json' });
    expect(finding(r, 'transaction-mode').status).toBe('fail');
  });

  it('locks and stress say the same; a detected stack does not set the stress workload', () => {
    const dir = project({ 'go.mod': 'require github.com/mattn/go-sqlite3 v1\n' });
    const locks = JSON.parse(runCli(['locks', 'data/app.db', '--json'], { cwd: dir }).stdout) as JsonReport;
    expect(locks.stack).toMatchObject({ name: 'go', from: 'detected' });
    const stress = runCli(['stress', 'data/app.db', '--json', '--writers', '1', '--transactions', '5'], { cwd: dir });
    const report = JSON.parse(stress.stdout) as JsonReport & { databases: { stress: { workload: { stack: string | null; knobLabels: { busyTimeout: string } } } }[] };
    expect(report.stack).toMatchObject({ name: 'go', from: 'detected' });
    expect(report.databases[0]!.stress.workload.stack).toBeNull();
    expect(report.databases[0]!.stress.workload.knobLabels.busyTimeout).toBe('SQLite default (no stack named)');
  });
});
