/** `audit --stress`: the audit plus a short stress on a scratch database, in one report, leaving nothing behind. */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { BIN, type CliResult, cleanEnv, runCli, snapshotDir } from '../helpers/cli.js';

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

describe('audit --stress and signals', () => {
  /** Starts the audit in its own process; resolves with its output once it exits. */
  function start(args: string[], cwd: string): { kill: (s: NodeJS.Signals) => void; done: Promise<CliResult> } {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<CliResult>((resolve) => child.once('exit', (code, signal) => resolve({ stdout, stderr, code, signal, ms: Date.now() - started })));
    return { kill: (signal) => child.kill(signal), done };
  }

  /** Readiness: the scratch database's -wal exists, so the stress threads are writing. */
  async function stressRunning(where: string): Promise<void> {
    const until = Date.now() + 20_000;
    while (!readdirSync(where).some((n) => n.includes('lockscope-stress') && n.endsWith('-wal'))) {
      if (Date.now() > until) throw new Error('the stress never started');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %i, the cut-short run is not judged, later databases are not audited, nothing is left', async (signal, exitCode) => {
    const here = makeTempDir();
    try {
      buildDatabase(join(here, 'a.db'), { journalMode: 'wal' });
      buildDatabase(join(here, 'b.db'), { journalMode: 'wal' });
      // A long stress, so the signal surely arrives while it runs.
      writeFileSync(join(here, 'lockscope.config.json'), JSON.stringify({ stress: { duration: '30s' } }));
      const before = snapshotDir(here);
      const run = start(['audit', 'a.db', 'b.db', '--stress', '--json'], here);
      await stressRunning(here);
      run.kill(signal);
      const r = await run.done;
      expect(r.code).toBe(exitCode);
      expect(r.stderr).toContain(`lockscope: interrupted by ${signal}; the stress threads stopped`);
      const report = JSON.parse(r.stdout) as { exitCode: number; interrupted?: string; databases: { path: string; error?: { code: string }; facts?: { stress?: { error?: { code: string; message: string } } }; findings?: { id: string; status: string }[] }[] };
      // The JSON's exit code is the process's, and it says which signal cut it short.
      expect(report.exitCode).toBe(r.code);
      expect(report.interrupted).toBe(signal);
      const [a, b] = report.databases;
      expect(a!.facts!.stress!.error!.code).toBe('INTERRUPTED');
      expect(a!.facts!.stress!.error!.message).toMatch(new RegExp(`^interrupted by ${signal}: the stress was cut short`));
      const stressFindings = a!.findings!.filter((f) => f.id.startsWith('stress-'));
      expect(stressFindings.length).toBeGreaterThan(0);
      expect(stressFindings.every((f) => f.status === 'skip')).toBe(true);
      expect(b!.error!.code).toBe('INTERRUPTED');
      expect(snapshotDir(here)).toEqual(before);
    } finally {
      removeDir(here);
    }
  });

  it('text output says interrupted in the stress section', async () => {
    const here = makeTempDir();
    try {
      buildDatabase(join(here, 'a.db'), { journalMode: 'wal' });
      writeFileSync(join(here, 'lockscope.config.json'), JSON.stringify({ stress: { duration: '30s' } }));
      const run = start(['audit', 'a.db', '--stress'], here);
      await stressRunning(here);
      run.kill('SIGINT');
      const r = await run.done;
      expect(r.code).toBe(130);
      expect(r.stdout.replace(/\s+/g, " ")).toMatch(/· exit 130 \(interrupted by SIGINT: partial results\)/);
      expect(r.stdout).toMatch(/stress \(scratch database, short run\)\n\s+interrupted by SIGINT: the stress was cut short/);
      expect(r.stdout).not.toMatch(/✖ .*\(stress-/);
    } finally {
      removeDir(here);
    }
  });
});
