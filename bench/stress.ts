/**
 * The harness is not the bottleneck: one writer through the stress harness (worker thread, barrier,
 * timing, shared counters, WAL sampler) against a plain single-thread better-sqlite3 loop doing the same
 * transactions (BEGIN; INSERT 100-byte row; COMMIT) with the same settings on the same kind of database.
 * Target: the harness reaches at least 85% of the plain loop's commits/s.
 *
 * Measurements alternate (plain, harness, plain, harness…) on a fresh database each, and the medians
 * are compared, so that background load on a shared machine hits both sides alike.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import Database from 'better-sqlite3';
import { makeTempDir, removeDir } from '../fixtures/databases.js';
import { runWorkload } from '../src/sources/stress/harness.js';
import { DEFAULTS } from '../src/sources/stress/knobs.js';
import { SCRATCH_TABLE, createScratch, removeScratch } from '../src/sources/stress/scratch.js';
import type { StressJournalMode, StressWorkload, SyncMode } from '../src/core/stress-facts.js';
import { median } from './util.js';

const DURATION_MS = Number(process.env.LOCKSCOPE_BENCH_STRESS_MS ?? 2000);
const ROUNDS = Number(process.env.LOCKSCOPE_BENCH_STRESS_ROUNDS ?? 5);
const TARGET_RATIO = 0.85;

interface Config {
  label: string;
  journalMode: StressJournalMode;
  synchronous: SyncMode;
}

const CONFIGS: Config[] = [
  { label: 'WAL, synchronous FULL (the default stress: an fsync per commit)', journalMode: 'wal', synchronous: 'full' },
  { label: 'WAL, synchronous NORMAL (no fsync per commit: CPU-bound, the hardest case)', journalMode: 'wal', synchronous: 'normal' },
  { label: 'rollback journal (DELETE), synchronous FULL', journalMode: 'delete', synchronous: 'full' },
];

function workload(c: Config): StressWorkload {
  return {
    writers: 1,
    readers: 0,
    durationMs: DURATION_MS,
    transactions: null,
    busyTimeoutMs: 5000,
    busyTimeoutSource: 'flag',
    tx: 'deferred',
    txSource: 'flag',
    txBegins: 'first-statement',
    stack: null,
    knobLabels: { busyTimeout: 'declared', tx: 'declared', synchronous: 'declared' },
    pattern: 'insert',
    batch: 1,
    holdMs: 0,
    readerHoldMs: 0,
    thinkMs: 0,
    rowBytes: DEFAULTS.rowBytes,
    synchronous: c.synchronous,
    synchronousSource: 'flag',
    retry: 0,
    journalMode: c.journalMode,
    pageSizeBytes: 4096,
    autoVacuum: 'none',
    walAutocheckpointPages: 1000,
  };
}

function scratch(dir: string, c: Config): string {
  return createScratch(dir, `${dir}/bench.db`, { pageSizeBytes: 4096, autoVacuum: 'none', journalMode: c.journalMode, pattern: 'insert' });
}

/** The plain loop: what an app would write without any harness around it. */
function plainLoop(path: string, c: Config): number {
  const db = new Database(path, { fileMustExist: true, timeout: 5000 });
  db.pragma(`synchronous = ${c.synchronous}`);
  const begin = db.prepare('BEGIN');
  const insert = db.prepare(`INSERT INTO "${SCRATCH_TABLE}" (writer, n, v) VALUES (?, 0, ?)`);
  const commit = db.prepare('COMMIT');
  const payload = randomBytes(DEFAULTS.rowBytes);
  let commits = 0;
  const start = performance.now();
  const end = start + DURATION_MS;
  let now = start;
  while (now < end) {
    begin.run();
    insert.run(0, payload);
    commit.run();
    commits += 1;
    now = performance.now();
  }
  db.close();
  return commits / ((now - start) / 1000);
}

async function harness(path: string, c: Config): Promise<number> {
  const result = await runWorkload({
    dbPath: path,
    table: SCRATCH_TABLE,
    workload: workload(c),
    target: 'scratch',
    journalModePragma: null,
    walAutocheckpointPragma: null,
  });
  if (result.committed === 0) throw new Error('the harness committed nothing');
  return result.transactionsPerSecond;
}

export async function run(): Promise<void> {
  const dir = makeTempDir('lockscope-bench-stress-');
  console.log(`one writer, ${DURATION_MS} ms per measurement, ${ROUNDS} rounds alternating plain/harness; load before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    for (const c of CONFIGS) {
      const plain: number[] = [];
      const through: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        let path = scratch(dir, c);
        try {
          plain.push(plainLoop(path, c));
        } finally {
          removeScratch(path);
        }
        path = scratch(dir, c);
        try {
          through.push(await harness(path, c));
        } finally {
          removeScratch(path);
        }
      }
      const p = median(plain);
      const h = median(through);
      const ratio = h / p;
      console.log(`\n${c.label}`);
      console.log(`  plain loop   ${Math.round(p).toLocaleString('en-US')} commits/s   (rounds: ${plain.map((x) => Math.round(x)).join(', ')})`);
      console.log(`  harness      ${Math.round(h).toLocaleString('en-US')} commits/s   (rounds: ${through.map((x) => Math.round(x)).join(', ')})`);
      console.log(`  ratio        ${(100 * ratio).toFixed(1)}% of the plain loop (target ≥ ${100 * TARGET_RATIO}%: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`);
    }
  } finally {
    removeDir(dir);
  }
  console.log(`\nload after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

// `node dist/bench/stress.js` runs it directly; bench/run.ts imports it.
if (process.argv[1] && /bench[\\/]stress\.js$/.test(process.argv[1])) await run();
