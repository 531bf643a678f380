/**
 * `npm run bench -- trace`: what `lockscope trace` costs the app it watches. Two python3 sqlite3 writers commit
 * small transactions on one WAL database (contending for the write lock, so the busy handler runs too): as fast
 * as they can, then at a fixed 200 transactions a second each; untraced, with `lockscope trace` attached (-p: every
 * system call of the app stops it), and started under `lockscope trace -- app` (--seccomp-bpf: only the traced calls
 * stop it). Prints commits per second, the p99 commit latency and the traced/untraced ratios.
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

type Arm = 'untraced' | 'attached' | 'launched';
interface Result {
  perSecond: number;
  p99Ms: number;
}

/** A result line of the app ("DONE <commits> <p99 ms>") on `stream`. */
function doneLine(stream: NodeJS.ReadableStream): Promise<{ n: number; p99: number }> {
  return new Promise((resolve) =>
    createInterface({ input: stream }).on('line', (line) => {
      const m = /^DONE (\d+) ([\d.]+)/.exec(line);
      if (m) resolve({ n: Number(m[1]), p99: Number(m[2]) });
    }),
  );
}

async function once(db: string, rate: number, arm: Arm): Promise<Result> {
  const appArgs = [APP, db, String(SECONDS), String(rate)];
  let results: Promise<{ n: number; p99: number }>[];
  let stop: () => Promise<void>;
  if (arm === 'launched') {
    // `lockscope trace db -- app`: strace starts each app, with --seccomp-bpf (stops only at the traced calls).
    // The app reads lockscope's stdin and writes to lockscope's stderr.
    const runs = Array.from({ length: WRITERS }, () => spawn(process.execPath, [BIN, 'trace', db, '--for', `${SECONDS + 30}s`, '--json', '--', 'python3', ...appArgs], { stdio: ['pipe', 'ignore', 'pipe'] }));
    await Promise.all(
      runs.map(
        (r) =>
          new Promise<void>((resolve) => {
            let err = '';
            const onData = (d: Buffer) => {
              err += d.toString();
              if (!err.includes('READY')) return;
              r.stderr!.off('data', onData);
              resolve();
            };
            r.stderr!.on('data', onData);
          }),
      ),
    );
    results = runs.map((r) => doneLine(r.stderr!));
    for (const r of runs) r.stdin!.write('go\n');
    stop = async () => {
      await Promise.all(runs.map((r) => new Promise<void>((resolve) => {
        r.once('close', () => resolve());
        r.stdin!.end();
      })));
    };
  } else {
    const apps: Holder[] = [];
    for (let i = 0; i < WRITERS; i += 1) apps.push(await waitReady(spawn('python3', appArgs, { stdio: ['pipe', 'pipe', 'pipe'] }), 'trace bench app'));
    const trace = arm === 'attached' ? spawn(process.execPath, [BIN, 'trace', db, '--for', `${SECONDS + 30}s`, '--json'], { stdio: ['ignore', 'ignore', 'ignore'] }) : null;
    const closed = trace ? new Promise<void>((resolve) => trace.on('close', () => resolve())) : null;
    if (trace) await waitFor(() => (apps.every((a) => tracerPid(a.pid) !== 0) ? true : undefined), 'strace attached', 15_000);
    results = apps.map((a) => doneLine(a.child.stdout));
    for (const a of apps) a.child.stdin.write('go\n');
    stop = async () => {
      for (const a of apps) a.child.stdin.end();
      trace?.kill('SIGINT');
      await closed;
      await Promise.all(apps.map((a) => a.stop()));
    };
  }
  const done = await Promise.all(results);
  await stop();
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
      // Alternated, median of ROUNDS each: the machine is shared and noisy.
      const arms: Record<Arm, Result[]> = { untraced: [], attached: [], launched: [] };
      for (let i = 0; i < ROUNDS; i += 1) for (const arm of Object.keys(arms) as Arm[]) arms[arm].push(await once(db, rate, arm));
      const mid = (xs: Result[]): Result => ({ perSecond: median(xs.map((x) => x.perSecond)), p99Ms: median(xs.map((x) => x.p99Ms)) });
      const plain = mid(arms.untraced);
      console.log(`  ${label}: untraced ${plain.perSecond.toFixed(0)} tx/s, p99 commit ${plain.p99Ms.toFixed(2)} ms`);
      for (const arm of ['attached', 'launched'] as const) {
        const r = mid(arms[arm]);
        console.log(`    ${arm.padEnd(9)} ${r.perSecond.toFixed(0).padStart(6)} tx/s (throughput ratio ${(r.perSecond / plain.perSecond).toFixed(2)}), p99 commit ${r.p99Ms.toFixed(2)} ms (ratio ${(r.p99Ms / plain.p99Ms).toFixed(1)})`);
      }
    } finally {
      removeDir(dir);
    }
  }
}
