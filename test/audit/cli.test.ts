/** The CLI contract: default command, JSON schema, exit codes, --fail-on, colour, thresholds. */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
  buildDatabase(`${dir}/rollback.db`, { journalMode: 'delete' });
  buildDatabase(`${dir}/wal.db`, { journalMode: 'wal' });
});
afterAll(() => removeDir(dir));

describe('lockscope audit CLI', () => {
  it('JSON: one document with the documented schema; exitCode equals the process exit code', () => {
    const r = runCli(['audit', `${dir}/rollback.db`, '--json']);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['schemaVersion', 'tool', 'command', 'stack', 'databases', 'summary', 'exitCode']);
    expect(Object.keys(report.stack)).toEqual(['name', 'from', 'defaultsInVerdicts', 'reason']);
    expect(report.schemaVersion).toBe(1);
    expect(report.tool).toEqual({ name: 'lockscope', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const db = report.databases[0];
    expect(db.path).toBe(`${dir}/rollback.db`);
    expect(db.facts.header.walEnabled).toBe(false);
    for (const f of db.findings) {
      expect(Object.keys(f).sort()).toEqual(['evidence', 'fixes', 'id', 'message', 'messageId', 'status', 'title']);
      expect(['pass', 'warn', 'fail', 'info', 'skip', 'error']).toContain(f.status);
    }
    expect(Object.keys(report.summary)).toEqual(['pass', 'warn', 'fail', 'info', 'skip', 'error']);
    expect(report.exitCode).toBe(r.code);
    expect(r.stderr).toBe('');
  });

  it('a path as the first argument runs the audit (default command)', () => {
    const a = runCli([`${dir}/wal.db`, '--json']);
    const b = runCli(['audit', `${dir}/wal.db`, '--json']);
    const strip = (s: string) => JSON.parse(s).databases[0].findings.map((f: { id: string; status: string }) => `${f.id}:${f.status}`);
    expect(strip(a.stdout)).toEqual(strip(b.stdout));
    expect(a.code).toBe(b.code);
  });

  it('--fail-on decides exit 0/1 for the same findings', () => {
    const warnOnly = [`${dir}/rollback.db`, '--busy-timeout', '5000'];
    expect(runCli(['audit', ...warnOnly]).code).toBe(0);
    expect(runCli(['audit', ...warnOnly, '--fail-on', 'warn']).code).toBe(1);
    const failing = [`${dir}/rollback.db`, '--busy-timeout', '0'];
    expect(runCli(['audit', ...failing]).code).toBe(1);
    expect(runCli(['audit', ...failing, '--fail-on', 'never']).code).toBe(0);
  });

  it('--threshold overrides a check threshold', () => {
    const find = (args: string[]) =>
      JSON.parse(runCli(['audit', `${dir}/wal.db`, '--json', ...args]).stdout).databases[0].findings.find((f: { id: string }) => f.id === 'busy-timeout');
    expect(find(['--busy-timeout', '2000']).status).toBe('pass');
    expect(find(['--busy-timeout', '2000', '--threshold', 'busy-timeout.minMs=3s']).status).toBe('warn');
  });

  it('--threshold with an unknown check or threshold name is refused (exit 2, a suggestion), never silently ignored', () => {
    for (const [arg, hint] of [
      ['wal-sise.warnBytes=1MiB', 'did you mean wal-size?'],
      ['wal-size.warnByte=1MiB', 'did you mean warnBytes?'],
      ['wal-size.nope=1', 'wal-size has warnBytes, failBytes'],
    ] as const) {
      for (const command of ['audit', 'locks']) {
        const r = runCli([command, `${dir}/wal.db`, '--threshold', arg]);
        expect(r.code, `${command} ${arg}`).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain(hint);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      }
    }
  });

  it('text: status symbols, → fix lines for what is not passing, exactly one summary line', () => {
    const r = runCli(['audit', `${dir}/rollback.db`, '--busy-timeout', '0']);
    expect(r.stdout).toMatch(/^✖ .*\(busy-timeout\)$/m);
    expect(r.stdout).toMatch(/^⚠ .*\(journal-mode\)$/m);
    expect(r.stdout).toContain('→');
    expect(r.stdout).toContain('PRAGMA journal_mode = WAL;');
    expect(r.stdout.trim().split('\n').filter((l) => /^\d+ databases? · /.test(l))).toHaveLength(1);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/exit 1$/);
  });

  it('colour only when asked: NO_COLOR and a pipe give none, FORCE_COLOR gives ANSI', () => {
    expect(runCli(['audit', `${dir}/rollback.db`]).stdout).not.toContain('\u001b[');
    expect(runCli(['audit', `${dir}/rollback.db`], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).stdout).toContain('\u001b[');
  });

  it('--stack shows only that stack\'s fixes (and the SQL ones)', () => {
    // --busy-timeout 0: with --stack alone, Go's verified 5000 ms default would stand in and busy-timeout would print no fix.
    const r = runCli(['audit', `${dir}/wal.db`, '--stack', 'go', '--busy-timeout', '0']);
    expect(r.stdout).toContain('_busy_timeout=5000');
    expect(r.stdout).not.toContain('sqlite3.connect(path, timeout=5)');
    expect(r.stdout).toContain('PRAGMA busy_timeout = 5000;');
  });

  it('--stack changes verdicts: its verified defaults stand in for undeclared settings (transaction-mode, busy-timeout)', () => {
    const ids = (args: string[]) =>
      Object.fromEntries(
        (JSON.parse(runCli(['audit', `${dir}/wal.db`, '--json', ...args]).stdout).databases[0].findings as { id: string; status: string; messageId: string }[]).map((f) => [f.id, `${f.status}:${f.messageId}`]),
      );
    const plain = ids([]);
    expect(plain['transaction-mode']).toBe('warn:undeclared');
    expect(plain['busy-timeout']).toBe('warn:undeclared');
    const django = ids(['--stack', 'django']);
    expect(django['transaction-mode']).toBe('fail:stack-default-upgrade-trap');
    expect(django['busy-timeout']).toBe('info:stack-default-set-but-upgrade-trap');
    expect(ids(['--stack', 'django', '--tx', 'immediate'])['busy-timeout']).toBe('pass:stack-default-ok');
    expect(ids(['--stack', 'django', '--writers', '1'])['transaction-mode']).toBe('pass:stack-default-single-writer');
    expect(runCli(['audit', `${dir}/wal.db`, '--stack', 'django']).code).toBe(1);
    expect(runCli(['audit', `${dir}/wal.db`, '--busy-timeout', '30000', '--tx', 'deferred']).code).toBe(1);
  });

  it('the exit code does not depend on the format; --output writes the file; github appends the step summary', () => {
    const codes = ['text', 'json', 'junit', 'sarif', 'github', 'markdown'].map(
      (format) => runCli(['audit', `${dir}/rollback.db`, '--busy-timeout', '0', '--format', format], { env: { GITHUB_STEP_SUMMARY: '' } }).code,
    );
    expect(new Set(codes)).toEqual(new Set([1]));
    const out = `${dir}/report.sarif`;
    const r = runCli(['audit', `${dir}/rollback.db`, '--format', 'sarif', '--output', out]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`wrote the sarif report to ${out}`);
    expect(JSON.parse(readFileSync(out, 'utf8')).version).toBe('2.1.0');
    const summary = `${dir}/summary.md`;
    writeFileSync(summary, 'earlier step\n');
    const g = runCli(['audit', `${dir}/rollback.db`, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(g.stdout).toMatch(/^::warning title=.*\(journal-mode\),file=/m);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('earlier step\n')).toBe(true);
    expect(text).toContain('journal-mode');
    const bad = runCli(['audit', `${dir}/rollback.db`, '--output', `${dir}/no-such-dir/x.txt`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot write .*no-such-dir/);
  });

  it('--checkpoint before the path: the path is not taken as the mode', () => {
    const r = runCli(['audit', '--checkpoint', `${dir}/rollback.db`, '--json']);
    expect(r.code, r.stderr).not.toBe(2);
    const f = JSON.parse(r.stdout).databases[0].findings.find((x: { id: string }) => x.id === 'checkpoint');
    expect(f.evidence.mode ?? f.message).toBeTruthy();
    expect(f.status).toBe('skip'); // rollback database: nothing to checkpoint, nothing opened
    expect(runCli(['audit', '--checkpoint', 'sideways', `${dir}/rollback.db`]).code).toBe(2);
  });

  it('--help and --version exit 0', () => {
    expect(runCli(['--help']).code).toBe(0);
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
