/** `audit --stress`: the audit plus a short stress on a scratch database, in one report, leaving nothing behind. */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { runCli, snapshotDir } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
  buildDatabase(`${dir}/app.db`, { journalMode: 'wal' });
  buildDatabase(`${dir}/rollback.db`, { journalMode: 'delete' });
});
afterAll(() => removeDir(dir));

describe('audit --stress', () => {
  it('adds the stress facts and findings to the audit, and removes its scratch database', () => {
    const before = snapshotDir(dir);
    const r = runCli(['audit', `${dir}/app.db`, '--busy-timeout', '5000', '--stress', '--json'], { timeoutMs: 60_000 });
    expect(r.signal).toBeNull();
    const db = JSON.parse(r.stdout).databases[0];
    const ids = db.findings.map((f: { id: string }) => f.id);
    // The audit's own checks and the stress checks in one report.
    expect(ids).toEqual(expect.arrayContaining(['journal-mode', 'busy-timeout', 'stress-busy', 'stress-upgrade-trap', 'stress-latency']));
    expect(db.facts.stress.target).toBe('scratch');
    expect(db.facts.stress.workload.pattern).toBe('read-then-write');
    // The short default is deferred read-then-write: with busy 5000 it hits the upgrade trap, BUSY at once.
    const trap = db.findings.find((f: { id: string }) => f.id === 'stress-upgrade-trap');
    expect(trap.status).toBe('fail');
    expect(db.facts.stress.busyAtOnce).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    // The target is unchanged and no scratch file is left.
    expect(snapshotDir(dir)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.includes('lockscope-stress'))).toEqual([]);
  });

  it('with the declared fix (--tx immediate) the trap is gone', () => {
    const r = runCli(['audit', `${dir}/app.db`, '--busy-timeout', '5000', '--tx', 'immediate', '--stress', '--json'], { timeoutMs: 60_000 });
    const db = JSON.parse(r.stdout).databases[0];
    const trap = db.findings.find((f: { id: string }) => f.id === 'stress-upgrade-trap');
    expect(trap.status).not.toBe('fail');
    expect(db.facts.stress.busyAtOnce).toBe(0);
  });

  it('text output: the stress section appears under the database, then one summary line', () => {
    const r = runCli(['audit', `${dir}/rollback.db`, '--stress'], { timeoutMs: 60_000 });
    expect(r.stdout).toContain('stress (scratch database, short run)');
    expect(r.stdout.trim().split('\n').filter((l) => /^\d+ databases? · /.test(l))).toHaveLength(1);
  });
});
