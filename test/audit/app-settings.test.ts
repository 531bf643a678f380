/**
 * The report's `app` section: every per-connection setting the checks used, with where it came from —
 * declared on the command line or in the config, the stack's cited default standing in, or not known — and
 * never a value read from a connection of lockscope's own.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

interface Row { setting: string; value: string | number | null; from: string; origin: string }
const rows = (stdout: string): Record<string, Row> =>
  Object.fromEntries((JSON.parse(stdout) as { databases: { app: Row[] }[] }).databases[0]!.app.map((r) => [r.setting, r]));

describe('audit: the app section says where each setting came from', () => {
  it('nothing declared and no stack: every setting is "not known", with no value', () => {
    const dir = scratch.tempDir();
    const db = join(dir, 'app.db');
    buildDatabase(db);
    const app = rows(runCli(['audit', db, '--json']).stdout);
    expect(app['busy_timeout']).toMatchObject({ value: null, from: 'not-known', origin: 'not known' });
    expect(app['transaction mode']).toMatchObject({ value: null, from: 'not-known' });
    expect(Object.values(app).every((r) => r.value === null)).toBe(true);
  });

  it('the config declares, a flag overrides one value, the stack stands in for the rest, each labelled', () => {
    const dir = scratch.tempDir();
    const db = join(dir, 'app.db');
    buildDatabase(db);
    writeFileSync(join(dir, 'lockscope.config.json'), JSON.stringify({ databases: ['app.db'], app: { busyTimeoutMs: 3000, transactionMode: 'deferred' } }));
    const r = runCli(['audit', '--tx', 'immediate', '--stack', 'python', '--json'], { cwd: dir });
    const app = rows(r.stdout);
    expect(app['busy_timeout']).toMatchObject({ value: 3000, from: 'declared', origin: 'declared (config)' });
    expect(app['transaction mode']).toMatchObject({ value: 'immediate', from: 'declared', origin: 'declared (flag)' });
    expect(app['synchronous']).toMatchObject({ value: 'full', from: 'stack-default' });
    expect(app['synchronous']!.origin).toMatch(/^Python sqlite3's default \(measured here/);
    expect(app['writers']).toMatchObject({ value: null, from: 'not-known' });
    const text = runCli(['audit', '--tx', 'immediate', '--stack', 'python'], { cwd: dir }).stdout.replace(/[│\s]+/g, ' ');
    expect(text).toContain('busy_timeout 3000 ms (declared (config))');
    expect(text).toContain('transaction mode immediate (declared (flag))');
  });
});
