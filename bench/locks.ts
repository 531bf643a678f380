/**
 * `lockscope locks` against the tools people reach for first, on the same file, with 1,000+ processes on the
 * machine (each of them has to be looked at): `lsof <db>` and `fuser <db>`. Then the sampler's own cost at
 * 100 Hz (target: under 5% of one core). Prints numbers and ratios; asserts nothing.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Holder, buildDatabase, holdState, makeTempDir, removeDir } from '../fixtures/databases.js';
import { holdNode } from '../fixtures/holders.js';
import { snapshotFacts } from '../src/cli/locks-run.js';
import { gatherLocks, statDatabaseFiles } from '../src/sources/sqlite/gather.js';
import { sampleLocks } from '../src/sources/proc/sampler.js';
import { PACKAGE_ROOT } from '../src/core/version.js';
import { row, spawnSleepers, timeCommandMs, timeMs } from './util.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'lockscope.js');
const SLEEPERS = 1000;

function processCount(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error;
}

export async function run(): Promise<void> {
  if (process.platform !== 'linux') {
    console.log('  locks bench needs Linux (/proc/locks): skipped');
    return;
  }
  const dir = makeTempDir('lockscope-bench-locks-');
  const holders: Holder[] = [];
  let sleepers: ChildProcess[] = [];
  try {
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 1000 });
    holders.push(await holdState(db, 'wal-write'), await holdState(db, 'wal-idle'), await holdNode(db, 'wal-idle'));
    process.stdout.write(`spawning ${SLEEPERS} sleeping processes…\n`);
    sleepers = await spawnSleepers(SLEEPERS);
    await new Promise((r) => setTimeout(r, 300));
    const procs = processCount();
    console.log(`\nsnapshot: who has ${db} open and holds which lock, ${procs} processes on the machine (median of 11 runs)`);

    const files = statDatabaseFiles(db);
    const gatherOnly = timeMs(() => gatherLocks(files));
    const snapshot = timeMs(() => snapshotFacts(db));
    console.log(row('lockscope in-process: lock table + /proc/*/fd scan (gatherLocks)', gatherOnly));
    console.log(row('lockscope in-process: whole snapshot (headers, locks, holders)', snapshot, `target < 100 ms: ${snapshot < 100 ? 'met' : 'MISSED'}`));
    const cli = timeCommandMs(process.execPath, [BIN, 'locks', db, '--json']);
    const nodeStart = timeCommandMs(process.execPath, ['-e', '0']);
    const cliStart = timeCommandMs(process.execPath, [BIN, '--version']);
    console.log(row('lockscope locks <db> --json (CLI, incl. node start-up)', cli));
    console.log(row('  lockscope --version (CLI start-up and module loading alone)', cliStart, `locks work in the CLI ≈ ${(cli - cliStart).toFixed(0)} ms`));
    console.log(row('  node -e 0 (node start-up alone)', nodeStart));
    if (has('lsof', ['-v'])) {
      const lsof = timeCommandMs('lsof', [db]);
      console.log(row('lsof <db>', lsof, `lsof / lockscope CLI ${(lsof / cli).toFixed(2)} · lsof / lockscope in-process ${(lsof / snapshot).toFixed(1)}`));
    } else console.log('  lsof not installed (apt-get install lsof): skipped');
    if (has('fuser', ['-V'])) {
      const fuser = timeCommandMs('fuser', [db]);
      console.log(row('fuser <db>', fuser, `fuser / lockscope CLI ${(fuser / cli).toFixed(2)} · fuser / lockscope in-process ${(fuser / snapshot).toFixed(1)}`));
    } else console.log('  fuser not installed (apt-get install psmisc): skipped');
    console.log('  (lsof and fuser list open files only; lockscope also decodes every SQLite lock and its holder)');

    console.log('\nsampling: CPU used by the sampler, 3 s windows (process.cpuUsage, user+system)');
    for (const hz of [100, 1000]) {
      const before = process.cpuUsage();
      const t = performance.now();
      const [s] = await sampleLocks([{ files, walEnabled: true }], { durationMs: 3000, hz });
      const wallMs = performance.now() - t;
      const used = process.cpuUsage(before);
      const cpuMs = (used.user + used.system) / 1000;
      const share = cpuMs / wallMs;
      console.log(
        `  ${`${hz} Hz: ${s!.samples} samples, largest gap ${s!.maxGapMs} ms`.padEnd(58)} ${cpuMs.toFixed(1).padStart(9)} ms CPU  ${(share * 100).toFixed(2)}% of one core${hz === 100 ? ` (target < 5%: ${share < 0.05 ? 'met' : 'MISSED'})` : ''}`,
      );
    }
  } finally {
    for (const s of sleepers) s.kill('SIGKILL');
    for (const h of holders) await h.stop();
    removeDir(dir);
  }
}
