/**
 * `lockscope trace` against real apps in child processes (python3's sqlite3, node + better-sqlite3), WAL and
 * rollback, with real strace: the measured busy timeout, at-once vs after-retry BUSY, the pid it happened in,
 * how refused writes show transactions begin; and that every traced process is left running, not stopped.
 * Readiness: apps print READY, and a trace is running once /proc/<pid>/status shows a TracerPid.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { AS_NOBODY, nobodyCanRunCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { processOf, startApp, startCli, statState, traceStatus, waitTraced } from './helpers.js';

const { holders, tempDir } = scratchPerTest();
let dir = '';
beforeEach(() => {
  dir = tempDir('lockscope-trace-');
});

function db(mode: 'wal' | 'delete'): string {
  const path = join(dir, `${mode}.db`);
  buildDatabase(path, { journalMode: mode, rows: 5 });
  python(path, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
  return path;
}

/** The app's process is running again and traced by nobody: never left stopped. */
function expectReleased(pid: number): void {
  expect(traceStatus(pid).tracerPid, `pid ${pid} TracerPid`).toBe(0);
  expect(['t', 'T']).not.toContain(statState(pid));
}

describe('lockscope trace: the busy timeout measured from outside', () => {
  /** One app with `timeout=1.5` blocked by a holder of the write lock, traced; the report's JSON and the pids. */
  async function blockedApp(stack: 'python' | 'node', mode: 'wal' | 'delete', state: 'wal-write' | 'rb-reserved') {
    const path = db(mode);
    const holder = await holdState(path, state);
    holders.push(holder);
    const app = await startApp(stack, path, ['write:1.5']);
    holders.push(app);
    const trace = startCli(['trace', path, '--for', '20s', '--json']);
    await waitTraced([app.pid, holder.pid]);
    const r = await app.go();
    await app.end();
    await holder.stop();
    return { result: r.result, out: await trace.done, app, holder, mode };
  }

  it('python WAL and better-sqlite3 rollback apps with timeout=1.5 s blocked by a writer: measured 1,500 ms ±10 %, after retrying, with the holder named', async () => {
    // Both at once (two databases, two traces): each takes the 1.5 s its timeout takes.
    const runs = await Promise.all([blockedApp('python', 'wal', 'wal-write'), blockedApp('node', 'delete', 'rb-reserved')]);
    for (const { result, out, app, holder, mode } of runs) {
      expect(result).toBe('busy');
      expect(out.code, out.stderr).toBe(0);
      const p = processOf(out.stdout, app.pid);
      expect(p.busyTimeout.kind).toBe('measured');
      expect(p.busyTimeout.ms).toBeGreaterThanOrEqual(1350);
      expect(p.busyTimeout.ms).toBeLessThanOrEqual(1650);
      const gaveUp = p.busy.filter((e: { outcome: string }) => e.outcome === 'gave-up');
      expect(gaveUp).toHaveLength(1);
      expect(gaveUp[0]).toMatchObject({ kind: 'after-retry', lock: mode === 'wal' ? 'wal-write' : 'reserved', pid: app.pid, heldBy: [holder.pid] });
      expect(p.modes.writeFirst).toBe(1);
      const finding = JSON.parse(out.stdout).databases[0].findings.find((f: { id: string }) => f.id === 'trace-busy-timeout');
      expect(finding).toMatchObject({ status: 'pass', messageId: 'measured' });
    }
  }, 30_000);
});

describe('lockscope trace: how transactions begin, per process, two stacks at once', () => {
  it('WAL: a python and a node app each wait in the busy handler with BEGIN IMMEDIATE, then fail at once in a deferred read-then-write: both pids classified', async () => {
    const path = db('wal');
    const holder = await holdState(path, 'wal-write');
    holders.push(holder);
    const py = await startApp('python', path, ['write:0.2', 'rtw:5']);
    const node = await startApp('node', path, ['write:0.2', 'rtw:5']);
    holders.push(py, node);
    const trace = startCli(['trace', path, '--for', '20s', '--json']);
    await waitTraced([py.pid, node.pid, holder.pid]);
    for (const app of [py, node]) {
      expect((await app.go()).result).toBe('busy'); // BEGIN IMMEDIATE: retried for 200 ms
      const rtw = await app.go(); // BEGIN; SELECT; INSERT: refused at once
      expect(rtw.result).toBe('busy');
    }
    await Promise.all([py.end(), node.end(), holder.stop()]);
    const out = await trace.done;
    expect(out.code, out.stderr).toBe(1);
    for (const app of [py, node]) {
      const p = processOf(out.stdout, app.pid);
      expect(p.runtime).toBe(app === py ? 'python' : 'node');
      expect(p.modes).toEqual({ writeFirst: 1, readThenWrite: 1, ambiguous: 0 });
      expect(p.busyTimeout).toMatchObject({ kind: 'measured', ms: 200 });
      const atOnce = p.busy.filter((e: { kind: string }) => e.kind === 'at-once');
      expect(atOnce).toHaveLength(1);
      expect(atOnce[0]).toMatchObject({ pid: app.pid, outcome: 'gave-up', lock: 'wal-write', heldReadLock: true, heldBy: [holder.pid] });
    }
    const findings = JSON.parse(out.stdout).databases[0].findings;
    const trap = findings.find((f: { id: string }) => f.id === 'trace-upgrade-trap');
    expect(trap).toMatchObject({ status: 'fail', messageId: 'trapped' });
    expect(trap.evidence.pids).toEqual([py.pid, node.pid].sort((a, b) => a - b));
    // Fixes for both runtimes seen: python's and better-sqlite3's.
    expect(trap.fixes.map((f: { stack?: string }) => f.stack)).toEqual(expect.arrayContaining(['python', 'better-sqlite3']));
    const timeout = findings.find((f: { id: string }) => f.id === 'trace-busy-timeout');
    expect(timeout).toMatchObject({ status: 'fail', messageId: 'small' });
  }, 30_000);

  it('rollback: a deferred read-then-write that never retried is "at once", and lock calls alone do not call it the trap', async () => {
    const path = db('delete');
    const holder = await holdState(path, 'rb-reserved');
    holders.push(holder);
    const py = await startApp('python', path, ['rtw:5']);
    holders.push(py);
    const trace = startCli(['trace', path, '--for', '20s', '--json']);
    await waitTraced([py.pid, holder.pid]);
    expect((await py.go()).result).toBe('busy');
    await Promise.all([py.end(), holder.stop()]);
    const out = await trace.done;
    const p = processOf(out.stdout, py.pid);
    expect(p.busy).toHaveLength(1);
    expect(p.busy[0]).toMatchObject({ pid: py.pid, kind: 'at-once', outcome: 'gave-up', lock: 'reserved', heldReadLock: true, heldBy: [holder.pid] });
    expect(p.modes).toEqual({ writeFirst: 0, readThenWrite: 0, ambiguous: 1 });
    expect(p.busyTimeout).toMatchObject({ kind: 'at-once-only' });
    const trap = JSON.parse(out.stdout).databases[0].findings.find((f: { id: string }) => f.id === 'trace-upgrade-trap');
    expect(trap).toMatchObject({ status: 'warn', messageId: 'at-once-with-read' });
    expect(out.code, out.stderr).toBe(0); // warnings only (trace-busy-timeout: at-once-only), and --fail-on is fail
  }, 30_000);
});

describe('lockscope trace: it only observes, and always lets go', () => {
  it('when the window ends, on Ctrl-C and on SIGTERM, strace detaches: the app is not left stopped or traced, and goes on working', async () => {
    // The three endings at once, each on its own database and app.
    const ending = async (signal: 'SIGINT' | 'SIGTERM' | null, exit: number) => {
      const path = join(tempDir('lockscope-trace-end-'), 'app.db');
      buildDatabase(path, { journalMode: 'wal', rows: 5 });
      python(path, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
      const app = await startApp('python', path, ['write:5', 'write:5']);
      holders.push(app);
      const trace = startCli(['trace', path, '--for', signal ? '30s' : '1s', '--json']);
      await waitTraced([app.pid]);
      expect((await app.go()).result).toBe('ok');
      if (signal) trace.child.kill(signal);
      const out = await trace.done;
      expect(out.code, `${signal ?? 'window'}: ${out.stderr}`).toBe(exit);
      expectReleased(app.pid);
      const facts = JSON.parse(out.stdout).databases[0].facts;
      expect(facts.window.endedBy).toBe(signal ? 'signal' : 'window');
      expect(processOf(out.stdout, app.pid).writeHolds.count).toBe(1);
      if (signal) expect(out.stderr).toMatch(new RegExp(`interrupted by ${signal}: strace detached`));
      // Untraced now, it runs as before.
      expect((await app.go()).result).toBe('ok');
    };
    await Promise.all([ending(null, 0), ending('SIGINT', 130), ending('SIGTERM', 143)]);
  }, 30_000);

  it('starts a command under the tracer after --: its busy timeout is measured the same way', async () => {
    const path = db('wal');
    const holder = await holdState(path, 'wal-write');
    holders.push(holder);
    const trace = startCli(['trace', path, '--for', '20s', '--json', '--', 'python3', join(FIXTURES_DIR, 'trace-app.py'), path, 'write:0.3']);
    let err = '';
    await new Promise<void>((resolve) =>
      trace.child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/READY \d+/.test(err)) resolve();
      }),
    );
    trace.child.stdin.write('go\n');
    await new Promise<void>((resolve) => trace.child.stderr.on('data', () => /DONE busy/.test(err) && resolve()));
    trace.child.stdin.end();
    const out = await trace.done;
    expect(out.code, out.stderr).toBe(1);
    const facts = JSON.parse(out.stdout).databases[0].facts;
    expect(facts.how).toBe('launch');
    expect(facts.window.endedBy).toBe('exited');
    const pid = Number(/READY (\d+)/.exec(err)![1]);
    expect(processOf(out.stdout, pid).busyTimeout).toMatchObject({ kind: 'measured', ms: 300 });
  }, 30_000);
});

describe('lockscope trace: one line and exit 2 when it cannot trace', () => {
  it('strace missing: names the package to install', async () => {
    const path = db('wal');
    const out = await startCli(['trace', path, '--pid', String(process.pid), '--for', '1s'], { env: { PATH: '/nonexistent' } }).done;
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^lockscope: strace is not installed: install it \(Debian\/Ubuntu: apt-get install strace;.*\n$/);
  });

  it('no process has the database open: says what works', async () => {
    const out = await startCli(['trace', db('wal'), '--for', '1s']).done;
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/no process has it open, so there is nothing to attach to; .*lockscope trace .* -- <command…>\n$/);
    expect(out.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it.runIf(nobodyCanRunCli())('ptrace refused (another user): says why and what works, and leaves the app running', async () => {
    chmodSync(dir, 0o755);
    const path = db('wal');
    const app = await startApp('python', path, ['write:5']);
    holders.push(app);
    const out = await startCli(['trace', path, '--pid', String(app.pid), '--for', '5s'], { prefix: AS_NOBODY }).done;
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(new RegExp(`^lockscope: cannot attach to pid ${app.pid}: ptrace refused \\(.*uid 0.*uid 65534.*\\); start the app under the tracer instead \\(lockscope trace <db> -- <command…>\\), or run lockscope as the app's user or as root\\n$`));
    expectReleased(app.pid);
    expect((await app.go()).result).toBe('ok');
  });
});
