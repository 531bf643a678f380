/**
 * `lockscope watch` over a long run, simulated: the real CLI watches a WAL database while short-lived python3
 * processes come and go (each opens it, writes in a transaction of a random length, commits and exits), a reader
 * and an idle connection stay attached. Phase 1 runs a fast interval (100 ms, 50 Hz) for a few minutes — many
 * intervals, many processes seen and forgotten — and prints watch's CPU share and RSS over its first and last
 * 15 s (flat memory = the end close to the start). Phase 2 runs the default interval (1 s, 5 Hz) with the same
 * churn and prints its CPU share (target: under 1% of one core); phase 3 the same with a steady app (two
 * long-lived writers, 10 transactions a second each) instead of the churn. Read from /proc/<pid>/stat and status; asserts
 * nothing. LOCKSCOPE_BENCH_WATCH_S sets phase 1's length (default 150 s).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Holder, buildDatabase, holdState, makeTempDir, removeDir } from '../fixtures/databases.js';
import { PACKAGE_ROOT } from '../src/core/version.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'lockscope.js');
const TICKS_PER_S = 100; // USER_HZ: /proc/<pid>/stat times are in clock ticks of 1/100 s on Linux.

const APP_PY = String.raw`
import sqlite3, sys, time, random
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO t(v) VALUES (?)", ("w" * 200,))
time.sleep(random.random() * 0.3)
c.execute("COMMIT")
c.close()
`;

/** A long-lived app process: a write transaction every 100 ms until killed. */
const STEADY_PY = String.raw`
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
while True:
    c.execute("BEGIN IMMEDIATE")
    c.execute("INSERT INTO t(v) VALUES (?)", ("s" * 200,))
    c.execute("COMMIT")
    time.sleep(0.1)
`;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
}

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU share of one core over `ms`, measured now. */
async function cpuShare(pid: number, ms: number): Promise<number> {
  const a = cpuTicks(pid);
  const t = performance.now();
  await sleep(ms);
  return (cpuTicks(pid) - a) / TICKS_PER_S / ((performance.now() - t) / 1000);
}

/** Starts app processes every `everyMs` until stopped; `stop` resolves once the last of them has exited. */
function churn(db: string, everyMs: number): { stop: () => Promise<void>; started: () => number } {
  let n = 0;
  const running = new Set<ChildProcess>();
  const timer = setInterval(() => {
    const p: ChildProcess = spawn('python3', ['-c', APP_PY, db], { stdio: 'ignore' });
    p.on('error', () => running.delete(p));
    p.on('exit', () => running.delete(p));
    running.add(p);
    n += 1;
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      while (running.size > 0) await sleep(50);
    },
    started: () => n,
  };
}

let phaseCount = 0;

async function phase(db: string, dir: string, label: string, args: string[], seconds: number, withChurn = true): Promise<void> {
  const eventsFile = join(dir, `events-${(phaseCount += 1)}.ndjson`);
  const watch = spawn(process.execPath, [BIN, 'watch', db, ...args, '--events', eventsFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    watch.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('lockscope: watching')) resolve();
    });
    watch.once('exit', (code) => reject(new Error(`watch exited with ${code}: ${err}`)));
  });
  const apps = withChurn ? churn(db, 250) : { stop: async () => {}, started: () => 0 };
  try {
    const window = Math.min(15_000, (seconds * 1000) / 3);
    await sleep(2000); // the first processes seen, node's JIT warmed
    const startCpu = await cpuShare(watch.pid!, window);
    const startRss = rssMb(watch.pid!);
    await sleep(Math.max(0, seconds * 1000 - 2 * window - 2000));
    const endCpu = await cpuShare(watch.pid!, window);
    const endRss = rssMb(watch.pid!);
    const events = readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).length;
    console.log(`  ${label}: ${seconds} s, ${withChurn ? `${apps.started()} app processes came and went` : 'no process came or went'}, ${events} events`);
    console.log(`    CPU share of one core: start ${(startCpu * 100).toFixed(2)}%  end ${(endCpu * 100).toFixed(2)}%`);
    console.log(`    RSS:                   start ${startRss.toFixed(1)} MB  end ${endRss.toFixed(1)} MB`);
  } finally {
    await apps.stop();
    watch.kill('SIGTERM');
    await new Promise((r) => watch.once('exit', r));
  }
}

export async function run(): Promise<void> {
  if (process.platform !== 'linux') {
    console.log('  watch bench needs Linux (/proc): skipped');
    return;
  }
  const dir = makeTempDir('lockscope-bench-watch-');
  const holders: Holder[] = [];
  try {
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 1000 });
    holders.push(await holdState(db, 'wal-idle'), await holdState(db, 'wal-read'));
    const seconds = Number(process.env.LOCKSCOPE_BENCH_WATCH_S ?? 150);
    console.log(`watch ${db} with an app process starting every 250 ms (write transaction of 0–300 ms, then exit)`);
    await phase(db, dir, 'fast interval (100 ms, 50 Hz)', ['--interval', '100ms', '--hz', '50'], seconds);
    await phase(db, dir, 'default interval (1 s, 5 Hz)', [], Math.max(30, Math.round(seconds / 4)));
    // A steady app: two long-lived processes writing 10 transactions a second each, nobody coming or going.
    const steady = [0, 1].map(() => spawn('python3', ['-c', STEADY_PY, db], { stdio: 'ignore' }));
    try {
      await phase(db, dir, 'default interval (1 s, 5 Hz), steady app: 2 writers × 10 tx/s', [], 30, false);
    } finally {
      for (const p of steady) p.kill('SIGKILL');
      await Promise.all(steady.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    }
  } finally {
    for (const h of holders) await h.stop();
    removeDir(dir);
  }
}
