/**
 * `lockscope locks` end to end: the built CLI as a real child process against real lock holders —
 * output, JSON interface, exit codes, escaping, sampling, and that it disturbs nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { hold, readerBehindStuckCommit, waitFor } from '../../fixtures/holders.js';
import { BIN, ROOT, cleanEnv, runCli, snapshotDir, waitForOpenFile } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

let dir = '';
const { holders, tempDir } = scratchPerTest();
beforeEach(() => {
  dir = tempDir('lockscope-locks-cli-');
});

function walDb(name = 'app.db'): string {
  const db = join(dir, name);
  buildDatabase(db, { journalMode: 'wal', rows: 10 });
  python(db, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
  return db;
}

const LOCK_NAMES = ['shared', 'reserved', 'pending', 'exclusive', 'wal-write', 'wal-checkpoint', 'wal-recover', 'wal-read-0', 'wal-read-1', 'wal-read-2', 'wal-read-3', 'wal-read-4', 'wal-dms'];

describe('lockscope locks (snapshot)', () => {
  it('names the writer, the reader and what it pins; JSON holders have the documented names', async () => {
    const db = walDb();
    const keeper = await holdState(db, 'wal-idle');
    holders.push(keeper);
    python(db, 'c = sqlite3.connect(db, isolation_level=None)\nfor i in range(3): c.execute("INSERT INTO t(v) VALUES (\'y\')")\nc.close()');
    const reader = await hold('node', db, 'wal-read');
    holders.push(reader);
    python(db, 'c = sqlite3.connect(db, isolation_level=None)\nfor i in range(2): c.execute("INSERT INTO t(v) VALUES (\'z\')")\nc.close()');
    const writer = await hold('cli', db, 'wal-write');
    holders.push(writer);

    const r = runCli(['locks', db, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, command: 'locks', tool: { name: 'lockscope' } });
    const d = report.databases[0];
    expect(d.path).toBe(db);
    for (const h of d.holders) {
      expect(Object.keys(h)).toEqual(['pid', 'user', 'uid', 'command', 'startedAt', 'files', 'state', 'lockscope', 'locks']);
      for (const l of h.locks) expect(LOCK_NAMES).toContain(l.name);
    }
    const byPid = new Map(d.holders.map((h: { pid: number }) => [h.pid, h]));
    const w = byPid.get(writer.pid) as { locks: { name: string }[]; command: string };
    expect(w.locks.map((l) => l.name)).toContain('wal-write');
    expect(w.command).toMatch(/^sqlite3 /);
    const rd = byPid.get(reader.pid) as { locks: { name: string; pinsFrame?: number }[] };
    const mark = rd.locks.find((l) => /^wal-read-[1-4]$/.test(l.name))!;
    const mxFrame = d.facts.shm.header.mxFrame as number;
    expect(mark.pinsFrame).toBe(mxFrame - 2);
    expect(d.findings.map((f: { id: string }) => f.id)).toEqual(['checkpoint-lag', 'lock-holders', 'lock-visibility']);
    expect(d.findings[1]).toMatchObject({ status: 'warn', messageId: 'writer-active', evidence: { pid: writer.pid } });
    // "Blocking the checkpoint" is a finding too (its thresholds decide the exit code), and a fact in the diagnosis.
    expect(d.findings[0]).toMatchObject({ status: 'pass', evidence: { pinningPids: [reader.pid] } });
    expect(d.facts.locks.diagnosis.lockStates).toMatchObject({ writerPids: [writer.pid], checkpointBlockers: [{ pid: reader.pid, pinsFrame: mxFrame - 2, frames: 2 }], commitBlockingReaderPids: null, waitingToCommitPids: [] });

    // Wide enough that no sentence wraps: this test is about what is said (test/cli/terminal-pty.test.ts: widths).
    const text = runCli(['locks', db], { env: { COLUMNS: '400' } });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('writing now');
    expect(text.stdout).toMatch(new RegExp(`writing now\\s+PID ${writer.pid} \\(sqlite3 .*\\) holds the WAL write lock`));
    expect(text.stdout).toMatch(new RegExp(`blocking the checkpoint\\s+PID ${reader.pid} .* pins read mark \\d at frame ${mxFrame - 2}: 2 frames cannot be checkpointed`));
    expect(text.stdout).toContain('none visible — connections waiting for a lock are invisible');
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/^1 database · .* · exit 0$/);
    expect(runCli(['locks', db, '--fail-on', 'warn']).code).toBe(1);
    // The pinning reader reaches the exit code through checkpoint-lag's thresholds.
    const pinned = runCli(['locks', db, '--json', '--threshold', 'checkpoint-lag.warnFrames=0', '--threshold', 'checkpoint-lag.failFrames=1']);
    expect(pinned.code).toBe(1);
    expect(JSON.parse(pinned.stdout).databases[0].findings[0]).toMatchObject({ id: 'checkpoint-lag', status: 'fail', messageId: 'pinned-by-reader', evidence: { pinningPids: [reader.pid] } });
  });

  it('escapes a command line holding a terminal escape sequence: never the raw ESC byte', async () => {
    const db = walDb();
    const h = await holdState(db, 'wal-write', ['\u001b[2J', 'tab\there']);
    holders.push(h);
    const r = runCli(['locks', db], { env: { FORCE_COLOR: '0' } });
    expect(r.stdout).toContain('\\x1b[2J');
    expect(r.stdout).toContain('tab\\there');
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stderr).not.toContain('\u001b');
    // JSON keeps the command line as read; JSON.stringify writes the ESC as \u001b, never the raw byte.
    const j = runCli(['locks', db, '--json']);
    expect(j.stdout).not.toContain('\u001b');
    const holder = JSON.parse(j.stdout).databases[0].holders.find((x: { pid: number }) => x.pid === h.pid);
    expect(holder.command).toContain('\u001b[2J');
  });

  it('bad paths: one line on stderr each, exit 2, the other databases still reported', () => {
    const db = walDb();
    mkdirSync(join(dir, 'adir'));
    writeFileSync(join(dir, 'text.db'), 'this is not a database, just some text that is long enough for a header read');
    const r = runCli(['locks', db, join(dir, 'missing.db'), join(dir, 'adir'), join(dir, 'text.db')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`lockscope: ${join(dir, 'missing.db')}: no such file`);
    expect(lines[1]).toMatch(/adir: is a directory/);
    expect(lines[2]).toMatch(/text\.db: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toContain(db);
    const j = JSON.parse(runCli(['locks', db, join(dir, 'missing.db'), '--json']).stdout);
    expect(j.databases[1]).toMatchObject({ error: { code: 'ENOENT' } });
    expect(j.exitCode).toBe(2);
  });

  it('usage errors exit 2 with one line', () => {
    const db = walDb();
    for (const args of [['--hz', '50'], ['--for', '1s', '--hz', '5000'], ['--for', '0'], ['--for', 'soon'], ['--hz', '0', '--for', '1s']]) {
      const r = runCli(['locks', db, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });

  it('creates no file and takes no lock: a cleanly closed WAL database stays without -wal/-shm', () => {
    const db = walDb();
    const before = snapshotDir(dir);
    expect(Object.keys(before)).toEqual(['app.db']);
    expect(runCli(['locks', db]).code).toBe(0);
    expect(runCli(['locks', db, '--for', '300ms']).code).toBe(0);
    expect(snapshotDir(dir)).toEqual(before);
  });
});

describe('lockscope locks --for (sampling)', () => {
  it('reports hold times per process, never appears in /proc/locks itself, and leaves the holders as they were', async () => {
    const db = walDb();
    const writer = await holdState(db, 'wal-write');
    holders.push(writer);
    const reader = await hold('node', db, 'wal-idle');
    holders.push(reader);
    const locksBefore = readFileSync('/proc/locks', 'utf8').split('\n').filter((l) => l.includes(` ${writer.pid} `) || l.includes(` ${reader.pid} `)).map((l) => l.replace(/^\d+:\s*/, '')).sort();

    const child = spawn(process.execPath, [BIN, 'locks', db, '--for', '1500ms', '--hz', '50', '--json'], { cwd: ROOT, env: cleanEnv() });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const ownLines: string[] = [];
    const poll = setInterval(() => {
      for (const l of readFileSync('/proc/locks', 'utf8').split('\n')) if (l.includes(` ${child.pid} `)) ownLines.push(l);
    }, 10);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(poll);
    expect(ownLines).toEqual([]);
    expect(code).toBe(0);

    const d = JSON.parse(stdout).databases[0];
    expect(d.sampling).toMatchObject({ hz: 50, mode: 'wal' });
    expect(d.sampling.samples).toBeGreaterThan(40);
    const w = d.sampling.processes.find((p: { pid: number }) => p.pid === writer.pid);
    expect(w.write).toMatchObject({ heldWholeWindow: true, acquisitions: 1 });
    expect(w.progress.progressed).toBe(false);
    const ids = d.findings.map((f: { id: string }) => f.id);
    expect(ids).toEqual(['checkpoint-lag', 'lock-holders', 'long-write-lock', 'write-lock-duty-cycle', 'long-reader', 'lock-stall', 'lock-visibility']);
    const byId = Object.fromEntries(d.findings.map((f: { id: string }) => [f.id, f]));
    expect(byId['long-write-lock']).toMatchObject({ status: 'warn', messageId: 'long-hold', evidence: { pid: writer.pid } });
    expect(byId['lock-stall']).toMatchObject({ status: 'warn', messageId: 'stalled-writer', evidence: { pid: writer.pid } });

    const locksAfter = readFileSync('/proc/locks', 'utf8').split('\n').filter((l) => l.includes(` ${writer.pid} `) || l.includes(` ${reader.pid} `)).map((l) => l.replace(/^\d+:\s*/, '')).sort();
    expect(locksAfter).toEqual(locksBefore);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s ends the window early and still reports what was sampled, marked interrupted, exit %i in the JSON and the process', async (signal, exitCode) => {
    const db = walDb();
    const writer = await holdState(db, 'wal-write');
    holders.push(writer);
    const child = spawn(process.execPath, [BIN, 'locks', db, '--for', '60s', '--json'], { cwd: ROOT, env: cleanEnv() });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // Ctrl-C once the sampling runs: it holds /proc/locks open for its window, and listens for Ctrl-C from
    // before it starts (it samples at least once whenever the signal comes).
    await waitForOpenFile(child.pid!, '/proc/locks');
    child.kill(signal);
    const code = await exited;
    // Cut short: exit 130/143 like any interrupted command, and the JSON says so with the same code.
    expect(code).toBe(exitCode);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ interrupted: signal, exitCode });
    const s = report.databases[0].sampling;
    expect(s.requestedMs).toBe(60_000);
    expect(s.samples).toBeGreaterThan(0);
    expect(s.windowMs).toBeLessThan(s.requestedMs);
    expect(s.processes.find((p: { pid: number }) => p.pid === writer.pid).write.heldWholeWindow).toBe(true);
  });
});

describe('exit codes when the database is unusable now', () => {
  it('a stopped writer: locks and audit exit 1 and offer kill -CONT / kill -9, never plain kill; --fail-on never exits 0', async () => {
    const db = walDb();
    const h = await holdState(db, 'wal-write');
    holders.push(h);
    process.kill(h.pid, 'SIGSTOP');
    await waitStopped(h.pid);
    const locks = runCli(['locks', db]);
    expect(locks.code).toBe(1);
    expect(locks.stdout).toMatch(/✖ .*\(lock-holders\)/);
    expect(locks.stdout).toContain(`kill -CONT ${h.pid}`);
    expect(locks.stdout).toContain(`kill -9 ${h.pid}`);
    expect(locks.stdout).not.toMatch(new RegExp(`^\\s*kill ${h.pid}$`, 'm'));
    expect(locks.stdout).toMatch(/STOPPED/);
    const audit = runCli(['audit', db, '--json']);
    expect(audit.code).toBe(1);
    const f = JSON.parse(audit.stdout).databases[0].findings.find((x: { id: string }) => x.id === 'lock-holders');
    expect(f).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(runCli(['locks', db, '--fail-on', 'never']).code).toBe(0);
    // Resumed, it is an ordinary writer: a warning, exit 0.
    process.kill(h.pid, 'SIGCONT');
    await waitFor(() => (!readFileSync(`/proc/${h.pid}/stat`, 'utf8').includes(') T ') ? true : undefined), 'resumed');
    expect(runCli(['locks', db]).code).toBe(0);
  });

  it('rollback mode: a reader holding SHARED the whole window while a commit waits in PENDING: locks --for exits 1 (blocks-every-commit)', async () => {
    const db = join(dir, 'rb.db');
    const { reader, writer } = await readerBehindStuckCommit(db, holders);
    const r = runCli(['locks', db, '--for', '1.5s', '--json']);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).databases[0].findings as { id: string; status: string; messageId: string; evidence: Record<string, unknown> }[];
    expect(findings.find((f) => f.id === 'long-reader')).toMatchObject({ status: 'fail', messageId: 'blocks-every-commit', evidence: { pid: reader.pid, committerPid: writer.pid } });
  });
});

async function waitStopped(pid: number): Promise<void> {
  await waitFor(() => (readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') T ') ? true : undefined), `pid ${pid} stopped`);
}

describe('a write lock held for the whole window beyond its fail threshold', () => {
  it('locks --for exits 1 (long-write-lock fail) and 0 when the threshold is above the window', async () => {
    const db = walDb();
    const h = await holdState(db, 'wal-write');
    holders.push(h);
    const r = runCli(['locks', db, '--for', '1.2s', '--threshold', 'long-write-lock.failMs=1s', '--json']);
    expect(r.code).toBe(1);
    const f = JSON.parse(r.stdout).databases[0].findings.find((x: { id: string }) => x.id === 'long-write-lock');
    expect(f).toMatchObject({ status: 'fail', messageId: 'long-hold', evidence: { pid: h.pid, heldAtStart: true, heldAtEnd: true } });
    const relaxed = runCli(['locks', db, '--for', '1.2s', '--threshold', 'long-write-lock.failMs=60s', '--threshold', 'lock-stall.warnMs=60s']);
    expect(relaxed.code).toBe(0);
  });
});
