/**
 * `npm run bench -- trace`: what `lockscope trace` costs the app it watches. Two python3 sqlite3 writers commit
 * small transactions on one WAL database (contending for the write lock, so the busy handler runs too): as fast
 * as they can, then at a fixed 200 transactions a second each; once untraced and once with `lockscope trace`
 * attached for the whole run. Prints commits per second, the p99 commit latency and the traced/untraced ratios.
 * Asserts nothing: the README quotes the numbers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Holder, makeTempDir, removeDir, waitReady } from '../fixtures/databases.js';
import { waitFor } from '../fixtures/holders.js';
import { PACKAGE_ROOT } from '../src/core/version.js';
import { median } from './util.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'lockscope.js');
const APP = join(PACKAGE_ROOT, 'bench', 'apps', 'trace_loop.py');
const SECONDS = Number(process.env.LOCKSCOPE_BENCH_TRACE_SECONDS ?? 3);
const WRITERS = 2;
const ROUNDS = Number(process.env.LOCKSCOPE_BENCH_TRACE_ROUNDS ?? 3);

function tracerPid(pid: number): number {
  const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
  return Number(/^TracerPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

async function once(db: string, rate: number, traced: boolean): Promise<{ perSecond: number; p99Ms: number }> {
  const apps: Holder[] = [];
  for (let i = 0; i < WRITERS; i += 1) apps.push(await waitReady(spawn('python3', [APP, db, String(SECONDS), String(rate)], { stdio: ['pipe', 'pipe', 'pipe'] }), 'trace bench app'));
  const trace = traced ? spawn(process.execPath, [BIN, 'trace', db, '--for', `${SECONDS + 10}s`, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] }) : null;
  const report = trace ? new Promise<string>((resolve) => {
    let out = '';
    trace.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    trace.on('close', () => resolve(out));
  }) : null;
  if (traced) await waitFor(() => (apps.every((a) => tracerPid(a.pid) !== 0) ? true : undefined), 'strace attached', 15_000);
  const results = apps.map(
    (a) =>
      new Promise<{ n: number; p99: number }>((resolve) =>
        createInterface({ input: a.child.stdout }).on('line', (line) => {
          const m = /^DONE (\d+) ([\d.]+)/.exec(line);
          if (m) resolve({ n: Number(m[1]), p99: Number(m[2]) });
        }),
      ),
  );
  for (const a of apps) a.child.stdin.write('go\n');
  const done = await Promise.all(results);
  for (const a of apps) a.child.stdin.end();
  if (trace) {
    trace.kill('SIGINT');
    await report;
  }
  await Promise.all(apps.map((a) => a.stop()));
  return { perSecond: done.reduce((s, d) => s + d.n, 0) / SECONDS, p99Ms: Math.max(...done.map((d) => d.p99)) };
}

export async function run(): Promise<void> {
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).error) {
    console.log('  strace is not installed: skipped');
    return;
  }
  console.log(`  ${WRITERS} python3 writers, WAL, synchronous NORMAL, BEGIN IMMEDIATE; INSERT; COMMIT, ${SECONDS} s per run, median of ${ROUNDS} alternated runs`);
  for (const rate of [0, 200]) {
    const label = rate === 0 ? 'as fast as they can' : `${rate} tx/s each`;
    const dir = makeTempDir('lockscope-bench-trace-');
    try {
      const db = join(dir, 'app.db');
      spawnSync('python3', ['-c', `import sqlite3; c = sqlite3.connect(${JSON.stringify(db)}); c.execute("PRAGMA journal_mode=WAL"); c.execute("CREATE TABLE bench(x)"); c.commit()`]);
      // Alternated, median of three each: the machine is shared and noisy.
      const plains: { perSecond: number; p99Ms: number }[] = [];
      const traceds: { perSecond: number; p99Ms: number }[] = [];
      for (let i = 0; i < ROUNDS; i += 1) {
        plains.push(await once(db, rate, false));
        traceds.push(await once(db, rate, true));
      }
      const mid = (xs: { perSecond: number; p99Ms: number }[]) => ({ perSecond: median(xs.map((x) => x.perSecond)), p99Ms: median(xs.map((x) => x.p99Ms)) });
      const plain = mid(plains);
      const traced = mid(traceds);
      console.log(`  ${label.padEnd(22)} untraced ${plain.perSecond.toFixed(0).padStart(6)} tx/s p99 ${plain.p99Ms.toFixed(2).padStart(7)} ms · traced ${traced.perSecond.toFixed(0).padStart(6)} tx/s p99 ${traced.p99Ms.toFixed(2).padStart(7)} ms · throughput ratio ${(traced.perSecond / plain.perSecond).toFixed(2)}, p99 ratio ${(traced.p99Ms / plain.p99Ms).toFixed(2)}`);
    } finally {
      removeDir(dir);
    }
  }
}
