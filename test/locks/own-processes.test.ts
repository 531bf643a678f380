/**
 * lockscope's own processes are not the app's connections: a real second lockscope (`locks --for`, whose
 * sampler keeps the -shm open) is recognised as lockscope by its command line and labelled as such, and a
 * node app run from a script inside the lockscope checkout (the fixtures) is not. Runs the built CLI.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import lockHolders from '../../checks/lock-holders.js';
import { buildDatabase, holdState, waitReady } from '../../fixtures/databases.js';
import { holdNode, waitFor } from '../../fixtures/holders.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import { classifyRuntime, isLockscopeProcess } from '../../src/sources/proc/processes.js';
import { type LockFacts, isGatherError } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { BIN, ROOT, cleanEnv, runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

let dir = '';
const { holders, tempDir } = scratchPerTest();
beforeEach(() => {
  dir = tempDir('lockscope-own-');
});

function locksOf(db: string): LockFacts {
  const l = gatherAuditFacts(db).locks;
  if (isGatherError(l)) throw new Error(l.error.message);
  return l;
}

/** A second lockscope sampling the database for 30 s; "READY" once it has the -shm open (it prints nothing until the end). */
async function secondLockscope(db: string) {
  const child = spawn(process.execPath, [BIN, 'locks', db, '--for', '30s', '--json'], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const h = { pid: child.pid!, child, stop: () => new Promise<void>((done) => (child.exitCode !== null ? done() : (child.once('exit', () => done()), child.kill('SIGKILL')))) };
  holders.push(h);
  await waitFor(() => (locksOf(db).holders.some((x) => x.pid === child.pid) ? true : undefined), 'the second lockscope holding the -shm open', 10_000);
  return h;
}

describe("lockscope's own processes", () => {
  it('another run of `locks --for` is labelled lockscope, not listed as one of the app\'s idle connections', async () => {
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const app = await holdState(db, 'wal-idle');
    holders.push(app);
    const other = await secondLockscope(db);
    const locks = locksOf(db);
    const mine = locks.holders.find((h) => h.pid === other.pid)!;
    expect(mine).toMatchObject({ lockscope: true, runtime: 'node', locks: [] });
    expect(locks.holders.find((h) => h.pid === app.pid)!.lockscope).toBeUndefined();

    const f = runCheck(lockHolders, { ...gatherAuditFacts(db), locks }, { app: {} })!;
    expect(f).toMatchObject({ status: 'info', messageId: 'attached' });
    expect(f.evidence).toMatchObject({ idlePids: [app.pid], lockscopePids: [other.pid] });
    expect(f.message).toMatch(/1 idle connection: PID \d+/);
    expect(f.message).toContain(`Not the app's: 1 lockscope process`);

    // The CLI says the same: its holders table marks the process, and no idle connection is counted for it.
    const r = runCli(['locks', db]);
    expect(r.stdout).toMatch(new RegExp(`${other.pid}\\s.*lockscope`));
    expect(r.stdout).toContain('1 idle connection');
  });

  it('with only lockscope attached, nothing of the app holds the database: pass', async () => {
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const app = await holdState(db, 'wal-idle');
    holders.push(app);
    const other = await secondLockscope(db);
    // SIGKILL: no clean close, so the -shm the sampler has open stays (a clean close would delete it).
    await app.stop();
    await waitFor(() => (locksOf(db).holders.every((h) => h.pid !== app.pid) ? true : undefined), 'the app gone');
    const locks = locksOf(db);
    expect(locks.holders.map((h) => h.pid)).toEqual([other.pid]);
    const f = runCheck(lockHolders, { ...gatherAuditFacts(db), locks }, { app: {} })!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'nobody' });
    expect(f.message).toContain('only lockscope itself');
  });

  it('a node app whose script lives in the lockscope checkout (fixtures/) is not lockscope', async () => {
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const h = await holdNode(db, 'wal-idle');
    holders.push(h);
    const me = locksOf(db).holders.find((x) => x.pid === h.pid)!;
    expect(me.runtime).toBe('node');
    expect(me.lockscope).toBeUndefined();
  });

  it('runtime from the executable or argv[0]', () => {
    expect(classifyRuntime('/root/.pyenv/versions/3.11.7/bin/python3.11', ['gunicorn: worker [app]'])).toBe('python');
    expect(classifyRuntime(null, ['/usr/bin/python3', 'manage.py'])).toBe('python');
    expect(classifyRuntime('/usr/bin/node', ['node', 'server.js'])).toBe('node');
    expect(classifyRuntime('/usr/bin/sqlite3', ['sqlite3', 'app.db'])).toBe('other');
    expect(classifyRuntime(null, null)).toBe('other');
  });

  it("which scripts are lockscope's: bin/ and dist/ of the lockscope package, not the demo's app stand-ins or the fixtures", () => {
    const self = process.pid;
    expect(isLockscopeProcess(self, ['node', join(ROOT, 'bin', 'lockscope.js'), 'locks', 'x.db'], 'node')).toBe(true);
    expect(isLockscopeProcess(self, ['node', '--enable-source-maps', join(ROOT, 'dist', 'src', 'sources', 'stress', 'sampler.js')], 'node')).toBe(true);
    expect(isLockscopeProcess(self, ['node', join(ROOT, 'dist', 'wal-sampler.mjs')], 'node')).toBe(true);
    expect(isLockscopeProcess(self, ['node', join(ROOT, 'dist', 'src', 'cli', 'demo', 'scenario-child.js'), 'pinned-wal'], 'node')).toBe(false);
    expect(isLockscopeProcess(self, ['node', join(ROOT, 'dist', 'demo', 'scenario-child.mjs'), 'pinned-wal'], 'node')).toBe(false);
    expect(isLockscopeProcess(self, ['node', join(ROOT, 'fixtures', 'hold-node.mjs')], 'node')).toBe(false);
    expect(isLockscopeProcess(self, ['python3', join(ROOT, 'bin', 'lockscope.js')], 'python')).toBe(false);
    // Not resolvable (another user's process, a path gone): the script's name decides.
    expect(isLockscopeProcess(self, ['node', '/nonexistent/bin/lockscope'], 'node')).toBe(true);
    expect(isLockscopeProcess(self, ['node', '/nonexistent/server.js'], 'node')).toBe(false);
  });
});
