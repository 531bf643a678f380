/**
 * How faithful is `lockscope stress`? Real apps of our own (bench/apps/) run N concurrent writers on a
 * scratch database for a fixed time and print their own committed tx/s and BUSY errors; `lockscope
 * stress` then runs the same workload with the matching `--stack` and the same concurrency. The two
 * are printed side by side with the ratio, beside a stress run that names no stack (SQLite's own
 * defaults), which is what the stress measured before the knobs followed the driver.
 *
 * Rounds alternate (app, stress --stack, stress without a stack, app, …) and the medians are compared,
 * so that background load on a shared machine hits every side alike. Numbers, never assertions.
 *
 * Apps: python_app.py (Python sqlite3), django_app.py (Django 3.2 atomic()), sqlalchemy_app.py (SQLAlchemy
 * 1.4 engine.begin()), better_sqlite3_app.mjs (one process per writer) and better_sqlite3_threads_app.mjs
 * (worker threads of one process), node_sqlite3_app.mjs (npm sqlite3).
 *
 * `npm run bench:fidelity`, or `npm run bench -- fidelity`. Environment: LOCKSCOPE_BENCH_FIDELITY_MS
 * (per run, default 3000), LOCKSCOPE_BENCH_FIDELITY_ROUNDS (default 3), LOCKSCOPE_BENCH_FIDELITY_WRITERS
 * (default 4), LOCKSCOPE_BENCH_FIDELITY_CASES (comma-separated case names, default all),
 * LOCKSCOPE_BENCH_FIDELITY_DIR (where the databases go, default the system's temporary directory; /dev/shm
 * takes the disk's fsync times, which another process's I/O can change several-fold, out of the comparison).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { makeTempDir, removeDir } from '../fixtures/databases.js';
import { createTableSql, seedSql } from '../src/sources/stress/scratch.js';
import { median } from './util.js';

const DURATION_MS = Number(process.env.LOCKSCOPE_BENCH_FIDELITY_MS ?? 3000);
const ROUNDS = Number(process.env.LOCKSCOPE_BENCH_FIDELITY_ROUNDS ?? 3);
const WRITERS = Number(process.env.LOCKSCOPE_BENCH_FIDELITY_WRITERS ?? 4);

/** The repository root, from bench/ (tsx, vitest) or dist/bench/ (node). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
const ROOT = repoRoot();
const BIN = join(ROOT, 'bin', 'lockscope.js');
const APPS = join(ROOT, 'bench', 'apps');

type Pattern = 'insert' | 'read-then-write';
type Journal = 'wal' | 'delete';

interface Case {
  name: string;
  stack: string;
  pattern: Pattern;
  journal: Journal;
  /** The command that runs one writer of the app: args DB SECONDS PATTERN WRITER are appended. */
  app: [string, ...string[]];
  /** The app runs its writers as threads of one process: one command, with the number of writers as last arg. */
  threads?: boolean;
}

const PYTHON = process.env.LOCKSCOPE_BENCH_PYTHON ?? 'python3';
/** Debian's python3, where python3-django 3.2 and python3-sqlalchemy 1.4 are installed. */
const DJANGO_PYTHON = process.env.LOCKSCOPE_BENCH_DJANGO_PYTHON ?? '/usr/bin/python3';
const NODE = process.execPath;

const CASES: Case[] = [
  { name: 'python-insert', stack: 'python', pattern: 'insert', journal: 'wal', app: [PYTHON, join(APPS, 'python_app.py')] },
  { name: 'python-rtw', stack: 'python', pattern: 'read-then-write', journal: 'wal', app: [PYTHON, join(APPS, 'python_app.py')] },
  { name: 'python-insert-delete', stack: 'python', pattern: 'insert', journal: 'delete', app: [PYTHON, join(APPS, 'python_app.py')] },
  { name: 'better-sqlite3-insert', stack: 'better-sqlite3', pattern: 'insert', journal: 'wal', app: [NODE, join(APPS, 'better_sqlite3_app.mjs')] },
  { name: 'better-sqlite3-rtw', stack: 'better-sqlite3', pattern: 'read-then-write', journal: 'wal', app: [NODE, join(APPS, 'better_sqlite3_app.mjs')] },
  { name: 'django-insert', stack: 'django', pattern: 'insert', journal: 'wal', app: [DJANGO_PYTHON, join(APPS, 'django_app.py')] },
  { name: 'django-rtw', stack: 'django', pattern: 'read-then-write', journal: 'wal', app: [DJANGO_PYTHON, join(APPS, 'django_app.py')] },
  { name: 'sqlalchemy-insert', stack: 'sqlalchemy', pattern: 'insert', journal: 'wal', app: [DJANGO_PYTHON, join(APPS, 'sqlalchemy_app.py')] },
  { name: 'sqlalchemy-rtw', stack: 'sqlalchemy', pattern: 'read-then-write', journal: 'wal', app: [DJANGO_PYTHON, join(APPS, 'sqlalchemy_app.py')] },
  { name: 'node-sqlite3-insert', stack: 'node-sqlite3', pattern: 'insert', journal: 'wal', app: [NODE, join(APPS, 'node_sqlite3_app.mjs')] },
  { name: 'node-sqlite3-rtw', stack: 'node-sqlite3', pattern: 'read-then-write', journal: 'wal', app: [NODE, join(APPS, 'node_sqlite3_app.mjs')] },
  { name: 'better-sqlite3-threads-insert', stack: 'better-sqlite3', pattern: 'insert', journal: 'wal', app: [NODE, join(APPS, 'better_sqlite3_threads_app.mjs')], threads: true },
  { name: 'better-sqlite3-threads-rtw', stack: 'better-sqlite3', pattern: 'read-then-write', journal: 'wal', app: [NODE, join(APPS, 'better_sqlite3_threads_app.mjs')], threads: true },
];

interface Measured {
  tps: number;
  errors: number;
  attempts: number;
  /** PRAGMA synchronous / busy_timeout as the connections read them back. */
  synchronous: number | null;
  busyTimeoutMs: number | null;
}

const errorRate = (m: Measured) => (m.attempts === 0 ? 0 : m.errors / m.attempts);

/** A fresh database for one run, set up like the stress's scratch database (same table, same seed rows). */
function freshDatabase(dir: string, journal: Journal, round: number, side: string): string {
  const path = join(dir, `${side}-${round}.db`);
  const db = new Database(path);
  db.pragma(`journal_mode = ${journal === 'wal' ? 'WAL' : 'DELETE'}`);
  db.exec(createTableSql('lockscope_stress'));
  db.exec(seedSql('lockscope_stress'));
  db.close();
  return path;
}

/** Runs the app's N writer processes: all connect, print "ready", then start together on "go". */
async function runApp(c: Case, path: string): Promise<Measured> {
  const children = Array.from({ length: c.threads ? 1 : WRITERS }, (_, i) =>
    spawn(c.app[0], [...c.app.slice(1), path, String(DURATION_MS / 1000), c.pattern, String(c.threads ? WRITERS : i)], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const outputs = children.map((child) => {
    const lines = createInterface({ input: child.stdout! });
    const got: string[] = [];
    let onReady!: () => void;
    const ready = new Promise<void>((r) => (onReady = r));
    lines.on('line', (line) => {
      if (line === 'ready') onReady();
      else got.push(line);
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    return { ready, exited, got };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const child of children) child.stdin!.write('go\n');
  await Promise.all(outputs.map((o) => o.exited));
  let committed = 0;
  let errors = 0;
  let elapsed = 0;
  let synchronous: number | null = null;
  let busyTimeoutMs: number | null = null;
  for (const o of outputs) {
    const r = JSON.parse(o.got.at(-1) ?? 'null') as { committed: number; busy: number; other: number; elapsed: number; synchronous: number; busyTimeoutMs: number } | null;
    if (!r) throw new Error(`${c.name}: a writer printed no result`);
    committed += r.committed;
    errors += r.busy + r.other;
    elapsed = Math.max(elapsed, r.elapsed);
    synchronous = r.synchronous;
    busyTimeoutMs = r.busyTimeoutMs;
  }
  return { tps: committed / elapsed, errors, attempts: committed + errors, synchronous, busyTimeoutMs };
}

/** `lockscope stress` on a database set up like the app's, with or without the app's `--stack`. */
function runStress(c: Case, path: string, stack: string | null): Measured {
  const args = [BIN, 'stress', path, '--json', '--writers', String(WRITERS), '--duration', `${DURATION_MS}ms`, '--pattern', c.pattern];
  if (stack) args.push('--stack', stack);
  const r = spawnSync(NODE, args, { encoding: 'utf8', timeout: DURATION_MS + 60_000 });
  let s: { transactionsPerSecond: number; attempts: number; errors: Record<string, number>; effective: { synchronous: number; busyTimeoutMs: number } } | undefined;
  try {
    s = JSON.parse(r.stdout).databases[0].stress;
  } catch {
    s = undefined;
  }
  if (!s) throw new Error(`${c.name}: lockscope stress gave no result (exit ${r.status}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  const errors = Object.values(s.errors).reduce((a, b) => a + b, 0);
  return { tps: s.transactionsPerSecond, errors, attempts: s.attempts, synchronous: s.effective.synchronous, busyTimeoutMs: s.effective.busyTimeoutMs };
}

function fmtTps(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtRate(r: number): string {
  return `${(100 * r).toFixed(r > 0 && r < 0.01 ? 2 : 1)}%`;
}

function line(label: string, m: Measured[]): string {
  const tps = median(m.map((x) => x.tps));
  const rate = median(m.map(errorRate));
  const errors = median(m.map((x) => x.errors));
  const last = m.at(-1);
  return `  ${label.padEnd(30)} ${fmtTps(tps).padStart(7)} tx/s   errors ${fmtTps(errors).padStart(6)} (${fmtRate(rate).padStart(6)})   sync ${last?.synchronous ?? '?'} busy ${last?.busyTimeoutMs ?? '?'} ms   rounds: ${m.map((x) => fmtTps(x.tps)).join(', ')}`;
}

/**
 * The median of the per-round ratios b/a: each round's runs follow each other within seconds, so a
 * change of background load between rounds (fsync times vary several-fold on a shared disk) cancels out.
 */
function ratio(a: Measured[], b: Measured[]): string {
  const ratios = a.flatMap((x, i) => (x.tps > 0 && b[i] ? [b[i]!.tps / x.tps] : []));
  return ratios.length === 0 ? '–' : `${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`;
}

export async function run(): Promise<void> {
  const wanted = process.env.LOCKSCOPE_BENCH_FIDELITY_CASES?.split(',').filter(Boolean);
  const cases = wanted ? CASES.filter((c) => wanted.includes(c.name)) : CASES;
  if (!existsSync(join(ROOT, 'dist', 'src'))) throw new Error('run `npm run build` first');
  const dir = process.env.LOCKSCOPE_BENCH_FIDELITY_DIR ? mkdtempSync(join(process.env.LOCKSCOPE_BENCH_FIDELITY_DIR, 'lockscope-bench-fidelity-')) : makeTempDir('lockscope-bench-fidelity-');
  console.log(
    `${WRITERS} writers, ${DURATION_MS} ms per run, in ${dir}, ${ROUNDS} rounds alternating app / stress --stack / stress without a stack; medians. load before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  try {
    for (const c of cases) {
      const app: Measured[] = [];
      const faithful: Measured[] = [];
      const plain: Measured[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        app.push(await runApp(c, freshDatabase(dir, c.journal, round, `${c.name}-app`)));
        faithful.push(runStress(c, freshDatabase(dir, c.journal, round, `${c.name}-stack`), c.stack));
        plain.push(runStress(c, freshDatabase(dir, c.journal, round, `${c.name}-nostack`), null));
      }
      console.log(`\n${c.name}: ${c.stack}, pattern ${c.pattern}, ${c.journal.toUpperCase()} journal, the app's writers as ${c.threads ? 'threads of one process' : 'processes'}`);
      console.log(line(`app (${c.stack})`, app));
      console.log(line(`stress --stack ${c.stack}`, faithful));
      console.log(line('stress, no stack named', plain));
      const rateGap = Math.abs(median(faithful.map(errorRate)) - median(app.map(errorRate)));
      console.log(`  error rate stress --stack vs app: ${fmtRate(median(faithful.map(errorRate)))} vs ${fmtRate(median(app.map(errorRate)))} (gap ${(100 * rateGap).toFixed(1)} points)`);
      console.log(`  tx/s ratio stress --stack / app, per round: median ${ratio(app, faithful)}`);
      console.log(`  tx/s ratio stress without a stack / app, per round: median ${ratio(app, plain)}`);
    }
  } finally {
    removeDir(dir);
  }
  console.log(`\nload after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

// `node dist/bench/fidelity.js` runs it directly; bench/run.ts imports it.
if (process.argv[1] && /bench[\\/]fidelity\.js$/.test(process.argv[1])) await run();
