/**
 * Start-up, measured side by side in one run: the CPU time (user + system, from the kernel's rusage of the
 * child) and the wall time of `lockscope audit small.db` against `node -e 0`, and of `lockscope locks db` (a
 * process holding the write lock) against `lsof db` and `fuser db`. The commands alternate round by round (so
 * a burst of load on this shared machine hits all of them), and the medians are compared.
 * The locks comparison runs twice: with the processes the machine has, then with 1,000 more (sleeping, a few
 * descriptors each): lockscope, lsof and fuser all look at every process's descriptors.
 * LOCKSCOPE_BENCH_COMPARE=<another checkout>/bin/lockscope.js adds that build's audit and locks to the same
 * rounds (before/after a change).
 * Aim: audit ≤ 1.5 × `node -e 0`; locks no slower than fuser. Prints; asserts nothing.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildDatabase, holdState, makeTempDir, removeDir } from '../fixtures/databases.js';
import { PACKAGE_ROOT } from '../src/core/version.js';
import { median, spawnSleepers } from './util.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'lockscope.js');
const ROUNDS = 15;
const SLEEPERS = 1000;

interface Cost {
  cpuMs: number;
  wallMs: number;
}

/**
 * One run of `argv` through bash, whose `times` prints the rusage of the children it waited for (user and
 * system, to the millisecond): the child's own CPU, without bash's.
 */
function measure(argv: readonly string[]): Cost | null {
  const started = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; echo "exit $?"; times', 'bash', ...argv], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const lines = String(r.stdout).trim().split('\n');
  if (r.status !== 0 || lines[0] === 'exit 127') return null;
  const seconds = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  };
  const [user, system] = (lines[2] ?? '').trim().split(/\s+/);
  return { cpuMs: (seconds(user ?? '') + seconds(system ?? '')) * 1000, wallMs };
}

function has(tool: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Runs `commands` in ROUNDS rotating rounds and prints their medians and the ratios the aims are about. */
function rounds(commands: readonly { label: string; argv: string[] }[], title: string): void {
  const costs = new Map<string, Cost[]>(commands.map((c) => [c.label, []]));
  for (const c of commands) measure(c.argv); // warm the page cache
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate the order each round: no command always runs first or right after another.
    for (let i = 0; i < commands.length; i += 1) {
      const c = commands[(round + i) % commands.length]!;
      const cost = measure(c.argv);
      if (cost) costs.get(c.label)!.push(cost);
    }
  }
  const med = (label: string, key: keyof Cost) => median(costs.get(label)!.map((c) => c[key]));
  const procs = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  console.log(`\n${title}: CPU (user+sys) and wall time, medians of ${ROUNDS} alternating rounds, ${procs} processes, load ${loadavg()[0]!.toFixed(1)}`);
  const node = med('node -e 0', 'cpuMs');
  for (const c of commands) {
    const cpu = med(c.label, 'cpuMs');
    console.log(`  ${c.label.padEnd(28)} ${cpu.toFixed(0).padStart(5)} ms CPU  ${med(c.label, 'wallMs').toFixed(0).padStart(5)} ms wall  ${(cpu / node).toFixed(2)} × node -e 0`);
  }
  for (const prefix of ['lockscope', 'compare:']) {
    const audit = `${prefix} audit small.db`;
    if (costs.has(audit)) console.log(`  ${audit} / node -e 0 (CPU): ${(med(audit, 'cpuMs') / node).toFixed(2)} (aim ≤ 1.5)`);
    const locks = `${prefix} locks app.db`;
    if (!costs.has(locks)) continue;
    for (const tool of ['lsof', 'fuser']) {
      if (!costs.has(`${tool} app.db`)) continue;
      const cpu = med(locks, 'cpuMs') / med(`${tool} app.db`, 'cpuMs');
      const wall = med(locks, 'wallMs') / med(`${tool} app.db`, 'wallMs');
      console.log(`  ${locks} / ${tool}: CPU ${cpu.toFixed(2)} · wall ${wall.toFixed(2)}${tool === 'fuser' ? ' (aim ≤ 1)' : ''}`);
    }
  }
}

export async function run(): Promise<void> {
  const dir = makeTempDir('lockscope-bench-startup-');
  const holders: { stop(): Promise<void> }[] = [];
  let sleepers: ChildProcess[] = [];
  try {
    const small = join(dir, 'small.db');
    const db = join(dir, 'app.db');
    buildDatabase(small, { journalMode: 'wal', rows: 8000 });
    buildDatabase(db, { journalMode: 'wal', rows: 1000 });
    holders.push(await holdState(db, 'wal-write'));

    const compare = process.env.LOCKSCOPE_BENCH_COMPARE;
    const commands: { label: string; argv: string[] }[] = [
      { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { label: 'lockscope --version', argv: [process.execPath, BIN, '--version'] },
      { label: 'lockscope audit small.db', argv: [process.execPath, BIN, 'audit', small] },
      { label: 'lockscope locks app.db', argv: [process.execPath, BIN, 'locks', db] },
    ];
    if (compare) {
      commands.push(
        { label: 'compare: --version', argv: [process.execPath, compare, '--version'] },
        { label: 'compare: audit small.db', argv: [process.execPath, compare, 'audit', small] },
        { label: 'compare: locks app.db', argv: [process.execPath, compare, 'locks', db] },
      );
    }
    const skipped: string[] = [];
    for (const [tool, pkg] of [
      ['lsof', 'lsof'],
      ['fuser', 'psmisc'],
    ] as const) {
      if (has(tool)) commands.push({ label: `${tool} app.db`, argv: [tool, db] });
      else skipped.push(`${tool} not installed (apt-get install ${pkg}): skipped`);
    }
    if (compare) console.log(`  compare: ${compare}`);
    for (const s of skipped) console.log(`  ${s}`);

    rounds(commands, 'start-up');
    process.stdout.write(`\nspawning ${SLEEPERS} sleeping processes…\n`);
    sleepers = await spawnSleepers(SLEEPERS);
    rounds(
      commands.filter((c) => c.label === 'node -e 0' || / locks |^(lsof|fuser) /.test(c.label)),
      `with ${SLEEPERS} more processes`,
    );
  } finally {
    for (const c of sleepers) c.kill('SIGKILL');
    for (const h of holders) await h.stop();
    removeDir(dir);
  }
}
