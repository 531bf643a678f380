/**
 * `lockscope stress` as a user runs it: the built CLI in a child process, on real files, with real
 * signals. Runs are 0.5–1 s long.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, python, removeDir } from '../../fixtures/databases.js';
import { BIN, type CliResult, cleanEnv, runCli, nobodyCanRunCli, AS_NOBODY } from '../helpers/cli.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = makeTempDir('lockscope-stress-cli-');
  db = join(dir, 'app.db');
  buildDatabase(db, { journalMode: 'wal', rows: 20 });
});
afterEach(() => removeDir(dir));

const files = () => readdirSync(dir).sort();
const scratchFiles = () => readdirSync(dir).filter((n) => n.includes('.lockscope-stress-'));

function startCli(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.once('exit', (code, signal) => resolve({ stdout, stderr, code, signal, ms: Date.now() - started })));
  return { child, done };
}

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The run is under way: the scratch WAL exists, so the threads are writing. */
const running = () => scratchFiles().some((n) => n.endsWith('.db-wal'));

const tables = (path: string) => python(path, 'c = sqlite3.connect(db)\nprint(",".join(r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type=\'table\' ORDER BY name")))').trim();
const appRows = (path: string) => python(path, 'c = sqlite3.connect(db)\nprint(c.execute("SELECT count(*), sum(length(v)), group_concat(id) FROM t").fetchone())').trim();

describe('lockscope stress: bad knobs', () => {
  it.each([
    [['--writers', '0'], /--writers must be a whole number ≥ 1/],
    [['--writers', '-1'], /--writers/],
    [['--readers', '-2'], /--readers must be a whole number ≥ 0/],
    [['--duration', 'soon'], /--duration must be a duration/],
    [['--duration', '0'], /--duration must be longer than 0/],
    [['--transactions', '0'], /--transactions/],
    [['--tx', 'later'], /--tx must be one of deferred, immediate, exclusive/],
    [['--pattern', 'random'], /--pattern must be one of insert, read-then-write, hot-row/],
    [['--batch', '-3'], /--batch/],
    [['--hold', '-5ms'], /--hold must be a duration/],
    [['--row-bytes', 'big'], /--row-bytes must be a size/],
    [['--think', 'awhile'], /--think must be a duration/],
    [['--retry', 'x'], /--retry/],
    [['--duration', '1s', '--transactions', '10'], /either --duration or --transactions/],
    [['--live', '--compare', '--yes'], /--compare .* cannot be combined with --live/],
  ])('%j → one-line error, exit 2, nothing created', (args, message) => {
    const r = runCli(['stress', db, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(files()).toEqual(['app.db']);
  });
});

describe('lockscope stress: runs and reports', () => {
  it('prints the JSON report with the issue\'s stress names, and leaves nothing behind', () => {
    const r = runCli(['stress', db, '--json', '--writers', '2', '--duration', '700ms', '--busy-timeout', '5000', '--tx', 'immediate']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, command: 'stress', exitCode: r.code });
    const s = report.databases[0].stress;
    for (const key of ['workload', 'target', 'durationMs', 'committed', 'transactionsPerSecond', 'latencyMs', 'lockWaitMs', 'errors', 'busyAtOnce', 'busyAfterTimeout', 'retries', 'walPeakBytes', 'perWriter']) {
      expect(s).toHaveProperty(key);
    }
    expect(Object.keys(s.latencyMs)).toEqual(['p50', 'p95', 'p99', 'max']);
    expect(Object.keys(s.lockWaitMs)).toEqual(['p50', 'p99', 'max']);
    expect(s.errors).toMatchObject({ SQLITE_BUSY: 0, SQLITE_BUSY_SNAPSHOT: 0, SQLITE_BUSY_RECOVERY: 0, SQLITE_LOCKED: 0, other: 0 });
    expect(s.perWriter).toHaveLength(2);
    expect(s.perWriter[0]).toHaveProperty('committed');
    expect(s.perWriter[0]).toHaveProperty('errors');
    expect(s.workload).toMatchObject({ writers: 2, readers: 0, durationMs: 700, busyTimeoutMs: 5000, tx: 'immediate', pattern: 'insert' });
    expect(s.target).toBe('scratch');
    expect(s.committed).toBeGreaterThan(0);
    expect(report.databases[0].findings.map((f: { id: string }) => f.id)).toEqual([
      'stress-busy',
      'stress-upgrade-trap',
      'stress-latency',
      'stress-starvation',
      'stress-checkpoint-starvation',
      'stress-scratch-filesystem',
    ]);
    expect(files()).toEqual(['app.db']);
  });

  it('prints a table, a latency histogram, the findings and one summary line; exit 1 on a failing finding', () => {
    // Wide enough that no title wraps (test/cli/terminal-pty.test.ts is about widths).
    const r = runCli(['stress', db, '--writers', '3', '--duration', '700ms', '--busy-timeout', '5000', '--pattern', 'read-then-write'], { env: { COLUMNS: '400' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/│ committed\s+│ [\d,]+ transactions/);
    expect(r.stdout).toMatch(/commit latency\n\s+≤ [\d.]+ ms █/);
    expect(r.stdout).toMatch(/✖ Deferred transactions fail at once when they upgrade from read to write \(stress-upgrade-trap\)/);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^1 database · .* · exit 1$/);
    expect(files()).toEqual(['app.db']);
  });

  it('--compare runs the recommended settings on their own scratch database and reports both arms', () => {
    const rollback = join(dir, 'rb.db');
    buildDatabase(rollback, { journalMode: 'delete', rows: 5 });
    const r = runCli(['stress', rollback, '--json', '--compare', '--writers', '3', '--duration', '500ms']);
    const report = JSON.parse(r.stdout);
    const { compare, stress } = report.databases[0];
    expect(compare.map((a: { arm: string }) => a.arm)).toEqual(['current', 'recommended']);
    expect(compare[0].settings).toEqual({ journalMode: 'delete', busyTimeoutMs: 0, tx: 'deferred', synchronous: 'full' });
    expect(compare[1].settings).toEqual({ journalMode: 'wal', busyTimeoutMs: 5000, tx: 'immediate', synchronous: 'normal' });
    expect(compare[0].errors.SQLITE_BUSY).toBeGreaterThan(0);
    expect(compare[1].errors.SQLITE_BUSY).toBe(0);
    expect(stress.committed).toBe(compare[0].committed);
    const busy = report.databases[0].findings.find((f: { id: string }) => f.id === 'stress-busy');
    expect(busy.evidence.recommendedBusyErrors).toBe(0);
    expect(files()).toEqual(['app.db', 'rb.db']);
  });
});

describe('lockscope stress --stack: the current arm runs as the named driver runs', () => {
  const stressJson = (args: string[]) => {
    const r = runCli(['stress', ...args, '--json', '--writers', '2', '--duration', '400ms']);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout).databases[0];
  };

  it('better-sqlite3 on a WAL file: the connections read back synchronous 1 and busy 5000; on a rollback journal synchronous 2', () => {
    const s = stressJson([db, '--stack', 'better-sqlite3']).stress;
    expect(s.effective).toMatchObject({ journalMode: 'wal', synchronous: 1, busyTimeoutMs: 5000 });
    expect(s.workload).toMatchObject({ stack: 'better-sqlite3', synchronous: 'normal', busyTimeoutMs: 5000, tx: 'deferred', txBegins: 'first-statement' });
    expect(s.workload.knobLabels).toEqual({ busyTimeout: 'driver default (better-sqlite3)', tx: 'driver default (better-sqlite3)', synchronous: 'driver default (better-sqlite3)' });
    const rollback = join(dir, 'rb.db');
    buildDatabase(rollback, { journalMode: 'delete', rows: 5 });
    expect(stressJson([rollback, '--stack', 'better-sqlite3']).stress.effective).toMatchObject({ journalMode: 'delete', synchronous: 2, busyTimeoutMs: 5000 });
  });

  it('python: synchronous 2 even on WAL; its read-then-write reads outside the transaction, so it is not the upgrade trap', () => {
    const d = stressJson([db, '--stack', 'python', '--pattern', 'read-then-write']);
    expect(d.stress.effective).toMatchObject({ journalMode: 'wal', synchronous: 2, busyTimeoutMs: 5000 });
    expect(d.stress.workload).toMatchObject({ txBegins: 'first-write', knobLabels: { tx: 'driver default (python)' } });
    expect(d.stress.committed).toBeGreaterThan(0);
    // No write ever followed a read inside a transaction: the trap cannot be counted, and the check says why.
    expect(d.stress.upgradeAttempts).toBe(0);
    expect(d.findings.find((f: { id: string }) => f.id === 'stress-upgrade-trap')).toMatchObject({ status: 'pass', messageId: 'begins-at-write' });
    // The same stack with a declared deferred transaction begins before the read: the trap is exercised.
    const declared = stressJson([db, '--stack', 'python', '--pattern', 'read-then-write', '--tx', 'deferred']).stress;
    expect(declared.workload).toMatchObject({ txBegins: 'first-statement', knobLabels: { tx: 'declared' } });
    expect(declared.upgradeAttempts).toBeGreaterThan(0);
  });

  it('busy timeout per stack: node-sqlite3 1000 ms, the sqlite3 CLI 0 ms; no stack: SQLite\'s defaults, labelled so', () => {
    expect(stressJson([db, '--stack', 'node-sqlite3']).stress.effective).toMatchObject({ busyTimeoutMs: 1000, synchronous: 2 });
    expect(stressJson([db, '--stack', 'sqlite3-cli', '--tx', 'immediate']).stress.effective).toMatchObject({ busyTimeoutMs: 0 });
    const none = stressJson([db, '--tx', 'immediate']).stress;
    expect(none.effective).toMatchObject({ busyTimeoutMs: 0, synchronous: 2 });
    expect(none.workload.knobLabels).toEqual({ busyTimeout: 'SQLite default (no stack named)', tx: 'declared', synchronous: 'SQLite default (no stack named)' });
  });

  it('a declared flag beats the stack default, and the text output labels each knob', () => {
    const s = stressJson([db, '--stack', 'better-sqlite3', '--synchronous', 'full', '--busy-timeout', '250']).stress;
    expect(s.effective).toMatchObject({ synchronous: 2, busyTimeoutMs: 250 });
    expect(s.workload.knobLabels).toEqual({ busyTimeout: 'declared', tx: 'driver default (better-sqlite3)', synchronous: 'declared' });
    const r = runCli(['stress', db, '--stack', 'python', '--writers', '2', '--duration', '400ms', '--pattern', 'read-then-write', '--synchronous', 'normal']);
    const text = r.stdout.replace(/[│\s]+/g, ' ');
    expect(text).toMatch(/BEGIN DEFERRED just before the first write \(the read runs outside the transaction\) \[driver default \(python\)\]/);
    expect(text).toMatch(/busy_timeout 5,000 ms \[driver default \(python\)\]/);
    expect(text).toMatch(/synchronous NORMAL \[declared\]/);
    const plain = runCli(['stress', db, '--writers', '1', '--duration', '300ms']).stdout.replace(/[│\s]+/g, ' ');
    expect(plain).toMatch(/busy_timeout 0 ms \[SQLite default \(no stack named\)\]/);
    expect(plain).toMatch(/synchronous FULL \[SQLite default \(no stack named\)\]/);
    expect(plain).toMatch(/No stack named: undeclared settings ran as SQLite's own defaults/);
    expect(text).not.toMatch(/No stack named/);
  });

  it('--compare measures the recommended arm against this faithful current arm', () => {
    const r = runCli(['stress', db, '--stack', 'python', '--compare', '--pattern', 'read-then-write', '--writers', '2', '--duration', '300ms'], { env: { COLUMNS: '400' } });
    const text = r.stdout.replace(/[│\s]+/g, ' ');
    expect(text).toMatch(/settings WAL, busy 5,000 ms, BEGIN DEFERRED at the first write, sync FULL WAL, busy 5,000 ms, BEGIN IMMEDIATE, sync NORMAL/);
  });

  it('audit --stress follows --stack too', () => {
    const config = join(dir, 'lockscope.config.json');
    writeFileSync(config, JSON.stringify({ stress: { writers: 2, duration: '300ms' } }));
    const r = runCli(['audit', db, '--stress', '--json', '--config', config, '--stack', 'better-sqlite3']);
    const s = JSON.parse(r.stdout).databases[0].facts.stress;
    expect(s.effective).toMatchObject({ synchronous: 1, busyTimeoutMs: 5000 });
    expect(s.workload.knobLabels.busyTimeout).toBe('driver default (better-sqlite3)');
  });

  it('the config\'s stack counts like --stack', () => {
    const config = join(dir, 'lockscope.config.json');
    writeFileSync(config, JSON.stringify({ stack: 'better-sqlite3' }));
    const s = stressJson([db, '--config', config]).stress;
    expect(s.effective).toMatchObject({ synchronous: 1, busyTimeoutMs: 5000 });
    expect(s.workload.knobLabels.synchronous).toBe('driver default (better-sqlite3)');
  });
});

describe('lockscope stress: config', () => {
  it("takes the app's settings and the workload from lockscope.config.json; flags win", () => {
    const config = join(dir, 'lockscope.config.json');
    writeFileSync(config, JSON.stringify({ app: { busyTimeoutMs: 5000, transactionMode: 'immediate' }, stress: { writers: 3, duration: '400ms' } }));
    const r = runCli(['stress', db, '--json', '--config', config, '--writers', '2']);
    const w = JSON.parse(r.stdout).databases[0].stress.workload;
    expect(w).toMatchObject({ writers: 2, durationMs: 400, busyTimeoutMs: 5000, busyTimeoutSource: 'app', tx: 'immediate' });
    expect(files()).toEqual(['app.db', 'lockscope.config.json']);
  });
});

describe('lockscope stress: no residue', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during a run stops the threads, removes the scratch files and exits %i', async (signal, exitCode) => {
    const { child, done } = startCli(['stress', db, '--duration', '20s', '--writers', '3', '--busy-timeout', '5000', '--tx', 'immediate']);
    await waitFor(running);
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    const r = await done;
    expect(r.code).toBe(exitCode);
    expect(r.stderr).toMatch(new RegExp(`interrupted by ${signal}`));
    expect(r.stdout).toMatch(/interrupted by/);
    // The summary line carries the exit code the process ended with, not the findings' 0/1.
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(new RegExp(`· exit ${exitCode} \\(interrupted by ${signal}: partial results\\)`));
    expect(files()).toEqual(['app.db']);
  });

  it('SIGTERM with --json: the partial results say interrupted, and the JSON exitCode is the process exit code', async () => {
    const { child, done } = startCli(['stress', db, '--duration', '20s', '--writers', '2', '--json', '--progress', '100ms']);
    // Readiness: the first progress line, printed only once the threads were released.
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('progress: '));
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ exitCode: 143, interrupted: 'SIGTERM' });
    expect(report.databases[0].stress.interrupted).toBe('SIGTERM');
  });

  it('after a SIGKILL, the next run removes the leftovers and says so', async () => {
    const { child, done } = startCli(['stress', db, '--duration', '20s', '--writers', '2']);
    await waitFor(running);
    child.kill('SIGKILL');
    await done;
    const left = scratchFiles();
    expect(left.length).toBeGreaterThanOrEqual(2);
    const r = runCli(['stress', db, '--duration', '300ms', '--writers', '1']);
    expect(r.stderr).toMatch(new RegExp(`removed .*\\.app\\.db\\.lockscope-stress-${child.pid}-[0-9a-f]{8}\\.db.*left by an earlier lockscope stress run \\(pid ${child.pid}\\)`));
    expect(files()).toEqual(['app.db']);
  });

  it('an error during the run (another process drops the table) ends with exit 2 and no residue', async () => {
    // --think leaves gaps between the writers' transactions so that python's DROP gets the write lock.
    const { done } = startCli(['stress', db, '--duration', '20s', '--writers', '2', '--busy-timeout', '5000', '--think', '2ms']);
    await waitFor(running);
    const scratch = join(dir, scratchFiles().find((n) => n.endsWith('.db'))!);
    python(
      scratch,
      `import time
c = sqlite3.connect(db, timeout=5, isolation_level=None)
for attempt in range(10):
    try:
        c.execute("DROP TABLE lockscope_stress")
        break
    except sqlite3.OperationalError:
        time.sleep(0.05)`,
    );
    const r = await done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stopped on an error: SQLITE_ERROR: no such table: lockscope_stress/);
    expect(files()).toEqual(['app.db']);
  });
});

describe('lockscope stress: where it runs', () => {
  it.runIf(nobodyCanRunCli())('a directory where no scratch file can be created: a clear error, exit 2', () => {
    chmodSync(dir, 0o755);
    chmodSync(db, 0o644);
    const r = runCli(['stress', db, '--duration', '300ms'], { prefix: AS_NOBODY });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot create a scratch database in .*: permission denied\. Choose a writable directory .* --scratch-dir <dir>/);
    expect(files()).toEqual(['app.db']);
  });

  it('--scratch-dir on another filesystem is reported; a missing one is an error', () => {
    const onShm = '/dev/shm';
    if (!existsSync(onShm)) return;
    {
      const r = runCli(['stress', db, '--json', '--scratch-dir', onShm, '--writers', '2', '--duration', '400ms', '--tx', 'immediate', '--busy-timeout', '5000']);
      const finding = JSON.parse(r.stdout).databases[0].findings.find((f: { id: string }) => f.id === 'stress-scratch-filesystem');
      expect(finding).toMatchObject({ status: 'warn', messageId: 'other-filesystem' });
      expect(finding.evidence).toMatchObject({ scratchFilesystem: 'tmpfs', sameDevice: false });
      expect(readdirSync(onShm).filter((n) => n.includes(`.app.db.lockscope-stress-`))).toEqual([]);
      const missing = runCli(['stress', db, '--scratch-dir', join(dir, 'nope'), '--duration', '300ms']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--scratch-dir .*nope: no such directory/);
    }
  });
});

describe('lockscope stress --live', () => {
  it('requires --yes when stdin is not a terminal, and writes nothing without it', () => {
    const before = tables(db);
    const r = runCli(['stress', db, '--live', '--duration', '300ms']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--live writes to .*confirm with --yes/);
    expect(tables(db)).toBe(before);
  });

  it("writes only to its own table, drops it, and leaves the app's tables as they were", () => {
    const rows = appRows(db);
    const r = runCli(['stress', db, '--live', '--yes', '--json', '--writers', '2', '--duration', '500ms', '--busy-timeout', '5000', '--tx', 'immediate']);
    const s = JSON.parse(r.stdout).databases[0].stress;
    expect(s.target).toBe('live');
    expect(s.liveTable).toMatch(/^lockscope_stress_\d+_[0-9a-f]{8}$/);
    expect(s.committed).toBeGreaterThan(0);
    expect(tables(db)).toBe('t');
    expect(appRows(db)).toBe(rows);
  });

  it('after a SIGKILL, the next live run drops the leftover table and says so', async () => {
    const { child, done } = startCli(['stress', db, '--live', '--yes', '--duration', '20s', '--writers', '2', '--busy-timeout', '5000']);
    await waitFor(() => existsSync(`${db}-wal`));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await done;
    expect(tables(db)).toMatch(new RegExp(`^lockscope_stress_${child.pid}_[0-9a-f]{8},t$`));
    const r = runCli(['stress', db, '--live', '--yes', '--duration', '300ms', '--writers', '1']);
    expect(r.stderr).toMatch(new RegExp(`dropped table lockscope_stress_${child.pid}_[0-9a-f]{8} .* killed before it could clean up`));
    expect(tables(db)).toBe('t');
  });
});

