/**
 * "Never drop the process's own locks": a second process (python3, lock_monitor.py) reads /proc/locks
 * all through a stress run and must see the stress threads' locks (the -shm DMS byte and the database's
 * SHARED range, which every WAL connection holds while open) without a gap from the moment they appear
 * until the run is told to stop. A control shows the monitor does catch a drop: a process that
 * open+closes its own -shm.
 *
 * No clocks: every step waits for the other side to say it is done (the monitor's "watched" and "mark"
 * lines, the control child's "open"/"read"/"closed"), and the assertions compare the order of what the
 * monitor saw, never how long anything took. A slow machine only makes the test take longer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { BIN, ROOT, cleanEnv } from '../helpers/cli.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MONITOR = join(HERE, 'lock_monitor.py');
const HOLDER = join(HERE, 'shm_holder.cjs');

let dir: string;
let db: string;
const started: ChildProcess[] = [];
beforeEach(() => {
  dir = makeTempDir('lockscope-locks-');
  db = join(dir, 'app.db');
  buildDatabase(db, { journalMode: 'wal', rows: 10 });
});
afterEach(() => {
  // Only on a failed test is anything still running: the children this test started, by pid.
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  removeDir(dir);
});

interface Sample {
  n: number;
  shm: string | null;
  dms: boolean;
  shared: boolean;
}
type MonitorEvent =
  | ({ ev: 'state' } & Sample)
  | ({ ev: 'mark'; name: string } & Sample)
  | { ev: 'wal' | 'watched'; n: number }
  | { ev: 'end'; n: number; reason: 'exited' | 'timeout' };

const held = (s: Sample) => s.dms && s.shared;

/** A child whose stdout lines are kept in order; `line(pred)` resolves with the first (past or future) match. */
class Lines<T> {
  readonly seen: T[] = [];
  private waiting: { pred: (v: T) => boolean; resolve: (v: T) => void }[] = [];
  readonly exit: Promise<number | null>;
  constructor(
    readonly child: ChildProcess,
    parse: (line: string) => T,
  ) {
    started.push(child);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const value = parse(text);
      this.seen.push(value);
      this.waiting = this.waiting.filter((w) => (w.pred(value) ? (w.resolve(value), false) : true));
    });
    this.exit = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }
  line(pred: (v: T) => boolean, what: string): Promise<T> {
    const found = this.seen.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiting.push({ pred, resolve });
      void this.exit.then((code) => reject(new Error(`waiting for ${what}: the child exited (${code}) first; it printed ${JSON.stringify(this.seen)}`)));
    });
  }
  send(text: string): void {
    this.child.stdin!.write(`${text}\n`);
  }
}

function monitor(pid: number, shmGlob: string, samples: number, walChanges: number): Lines<MonitorEvent> {
  const args = [MONITOR, String(pid), shmGlob, String(samples), ...(walChanges > 0 ? ['--after-wal', String(walChanges)] : [])];
  const child = spawn('python3', args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Lines(child, (line) => JSON.parse(line) as MonitorEvent);
}

/** Asks the monitor for a sample now; resolves once it has taken it (everything it saw before is in `seen`). */
async function mark(m: Lines<MonitorEvent>, name: string): Promise<Sample> {
  m.send(name);
  return (await m.line((e) => e.ev === 'mark' && e.name === name, `the monitor's mark "${name}"`)) as Sample;
}

const states = (events: MonitorEvent[]) => events.filter((e): e is { ev: 'state' } & Sample => e.ev === 'state');

describe('stress keeps its own locks', () => {
  it('a second process sees the workers’ locks from before their first commit until the run is stopped, without a gap', async () => {
    // The run's length is the test's choice: it ends on SIGINT once the monitor has seen enough. --duration is a hang guard.
    const args = [BIN, 'stress', db, '--duration', '60000ms', '--writers', '3', '--readers', '1', '--busy-timeout', '5000', '--tx', 'immediate'];
    const stress = spawn(process.execPath, args, { env: cleanEnv(), cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    started.push(stress);
    const stressExit = new Promise<number | null>((resolve) => stress.once('close', (code) => resolve(code)));
    // Enough watched: 20 samples of the scratch -shm once its -wal has changed 30 times (the writers are committing).
    const m = monitor(stress.pid!, join(dir, `.app.db.lockscope-stress-${stress.pid}-*.db-shm`), 20, 30);
    const watched = await m.line((e) => e.ev === 'watched', 'the monitor to watch the writers commit');
    const stop = await mark(m, 'stop');
    stress.kill('SIGINT');
    const [code, end] = await Promise.all([stressExit, m.exit.then(() => m.seen.at(-1))]);
    expect(code).toBe(130);
    expect(end).toMatchObject({ ev: 'end', reason: 'exited' });
    expect(stop).toMatchObject({ dms: true, shared: true });

    // The workers' -shm: the one the stop mark saw, since the last sample that saw no -shm or another one
    // (the set-up connection's -shm came and went before it; its inode number may be reused).
    const before = states(m.seen).filter((s) => s.n <= stop.n);
    let start = before.length;
    while (start > 0 && before[start - 1]!.shm === stop.shm) start -= 1;
    const ours = before.slice(start);
    const firstHeld = ours.find(held)!;
    const wal = m.seen.find((e) => e.ev === 'wal' && e.n >= ours[0]!.n)!;
    // In order: both locks held, then the first commit, then 30 changes of the -wal and 20 more samples, then the stop request.
    expect(firstHeld.n).toBeLessThanOrEqual(wal.n);
    expect(wal.n).toBeLessThan(watched.n);
    expect(watched.n).toBeLessThanOrEqual(stop.n);
    // No gap: from the first held sample to the stop request the monitor saw no other state of that file.
    expect(ours.filter((s) => s.n > firstHeld.n)).toEqual([]);
    // After the stop, the locks go once and do not come back (the threads close, the -shm is removed).
    const after = states(m.seen).filter((s) => s.n > stop.n);
    const dropped = after.findIndex((s) => !held(s));
    expect(dropped).toBeGreaterThanOrEqual(0);
    expect(after.slice(dropped).some(held)).toBe(false);
    expect(readdirSync(dir)).toEqual(['app.db']);
  });

  it('control: the monitor sees the DMS lock vanish when a process open+closes its own -shm, while its connection stays open', async () => {
    const holder = new Lines(spawn(process.execPath, [HOLDER, db], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }), (line) => line);
    await holder.line((l) => l === 'open', 'the holder to open the database');
    const m = monitor(holder.child.pid!, `${db}-shm`, 5, 0);
    await m.line((e) => e.ev === 'watched', 'the monitor to watch the holder’s -shm');
    const before = await mark(m, 'before-read');
    expect(before).toMatchObject({ dms: true, shared: true });

    holder.send('read-shm');
    await holder.line((l) => l === 'read', 'the holder to read its -shm');
    const afterRead = await mark(m, 'after-read');
    // Same -shm file, connection still open (its SHARED lock on the database is still there), DMS lock gone.
    expect(afterRead).toMatchObject({ shm: before.shm, dms: false, shared: true });

    holder.send('close');
    await holder.line((l) => l === 'closed', 'the holder to close its connection');
    holder.child.stdin!.end();
    await Promise.all([holder.exit, m.exit]);
    const seen = states(m.seen).map((s) => [s.dms, s.shared]);
    // In order: both held, then only SHARED; the DMS lock never came back.
    expect(seen.slice(0, 2)).toEqual([
      [true, true],
      [false, true],
    ]);
    expect(seen.slice(1).some(([dms]) => dms)).toBe(false);
  });
});
