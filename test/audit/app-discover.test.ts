/** audit --app / app.discover: settings from the app's code (lockscope scan), with their file and line; conflicts listed, not averaged. */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { ROOT, runCli } from '../helpers/cli.js';

const dir = makeTempDir();
afterAll(() => removeDir(dir));
const db = join(dir, 'app.db');
buildDatabase(db);

type Row = { setting: string; value: unknown; from: string; origin: string };
const audit = (args: string[], cwd = ROOT) => {
  const r = runCli(['audit', db, '--json', ...args], { cwd });
  const report = JSON.parse(r.stdout);
  const row = (name: string): Row => report.databases[0].app.find((a: Row) => a.setting === name);
  const finding = (id: string) => report.databases[0].findings.find((f: { id: string }) => f.id === id);
  return { r, report, row, finding };
};

describe('audit --app', () => {
  it('takes the busy timeout and transaction mode from the code, with where it found them', () => {
    const { row, finding, r } = audit(['--app', join(ROOT, 'fixtures/scan/go-service')]);
    expect(row('busy_timeout')).toMatchObject({ value: 0, from: 'code' });
    expect(row('busy_timeout').origin).toMatch(/^found at .*fixtures\/scan\/go-service\/main\.go:10/);
    expect(row('transaction mode')).toMatchObject({ value: 'deferred', from: 'code' });
    expect(finding('busy-timeout')).toMatchObject({ status: 'fail', messageId: 'zero' });
    expect(finding('busy-timeout').message).toMatch(/found at .*main\.go:10/);
    expect(finding('transaction-mode').status).toBe('fail');
    expect(r.code).toBe(1);
  });

  it('lists conflicting sites and uses none of them', () => {
    const { row, finding } = audit(['--app', 'fixtures/scan/django']);
    expect(row('busy_timeout')).toMatchObject({ value: null, from: 'not-known' });
    expect(row('busy_timeout').origin).toBe(
      'conflicting in the code, not used: 5000 ms at fixtures/scan/django/mysite/settings.py:11 · 0 ms at fixtures/scan/django/mysite/settings.py:22 · 5000 ms at fixtures/scan/django/shop/views.py:19',
    );
    expect(finding('busy-timeout').messageId).toBe('undeclared');
  });

  it('a declared value wins over the code', () => {
    const { row } = audit(['--app', 'fixtures/scan/go-service', '--busy-timeout', '3000']);
    expect(row('busy_timeout')).toMatchObject({ value: 3000, from: 'declared' });
  });

  it('reads app.discover from the config, relative to the config file', () => {
    const cfg = join(dir, 'lockscope.config.json');
    writeFileSync(cfg, JSON.stringify({ app: { discover: relative(dir, join(ROOT, 'fixtures/scan/express-better-sqlite3')) } }));
    const { row } = audit(['--config', cfg]);
    expect(row('busy_timeout').from).toBe('not-known');
    expect(row('transaction mode')).toMatchObject({ value: 'deferred', from: 'code' });
    // Two sites: 200 ms set at db.js:3, better-sqlite3's 5000 ms default at server.js:18: a conflict.
    expect(row('busy_timeout').origin).toMatch(/200 ms at .*src\/db\.js:3 · 5000 ms at .*src\/server\.js:18/);
  });

  it('a missing --app folder is a one-line error, exit 2; --app with --from-facts is refused', () => {
    const r = runCli(['audit', db, '--app', join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lockscope: --app .*nope: no such directory\n$/);
    const saved = join(dir, 'facts.json');
    expect(runCli(['audit', db, '--save-facts', saved]).code).toBe(0);
    expect(runCli(['audit', '--from-facts', saved, '--app', 'fixtures/scan/go-service']).code).toBe(2);
  });

  it('stress --app runs its current arm with the settings the code gives, labelled where they were found; conflicts on stderr', () => {
    const r = runCli(['stress', db, '--app', 'fixtures/scan/go-service', '--writers', '1', '--transactions', '5', '--json']);
    const w = JSON.parse(r.stdout).databases[0].stress.workload;
    expect(w).toMatchObject({ busyTimeoutMs: 0, busyTimeoutSource: 'app', tx: 'deferred' });
    expect(w.knobLabels.busyTimeout).toBe('found at fixtures/scan/go-service/main.go:10 (sql.Open("sqlite3", …))');
    const c = runCli(['stress', db, '--app', 'fixtures/scan/django', '--writers', '1', '--transactions', '5', '--json']);
    expect(c.stderr).toMatch(/^lockscope: --app: busy_timeout: conflicting in the code, not used: 5000 ms at fixtures\/scan\/django\/mysite\/settings.py:11 · 0 ms at/m);
    expect(JSON.parse(c.stdout).databases[0].stress.workload.busyTimeoutSource).not.toBe('app');
  });
});
