/**
 * The WAL sampler: a separate process that reads the -wal and -shm headers while the stress threads
 * run. It must be a separate process: lockscope's own process holds the stress connections, and
 * closing any descriptor it opened on -wal/-shm would drop those connections' POSIX locks
 * (os_unix.c, the comment on POSIX advisory locks above struct unixInodeInfo). This process holds no SQLite connection and takes no lock; it opens
 * read-only, never creates a file, and exits when its stdin closes (its parent ended).
 *
 * usage: node sampler.js (or wal-sampler.mjs, its bundled copy) <wal path> <shm path> <interval ms>
 * output: one JSON line per sample: {"w": walBytes|null, "s": checkpointSeq|null, "m": mxFrame|null, "b": nBackfill|null}
 */
import { statSync } from 'node:fs';
import { readRegularFile } from '../sqlite/files.js';
import { SHM_HEADER_BYTES, parseShmHeader } from '../sqlite/shm-header.js';
import { WAL_HEADER_BYTES, parseWalHeader } from '../sqlite/wal-header.js';

export interface WalSample {
  /** -wal size in bytes; null = absent. */
  w: number | null;
  /** WAL header checkpoint sequence (incremented on every WAL restart); null = no valid header. */
  s: number | null;
  /** -shm header mxFrame and nBackfill; null = no valid header (torn read, absent). */
  m: number | null;
  b: number | null;
}

function sizeOf(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

export function takeSample(walPath: string, shmPath: string): WalSample {
  const sample: WalSample = { w: sizeOf(walPath), s: null, m: null, b: null };
  try {
    if (sample.w !== null && sample.w >= WAL_HEADER_BYTES) {
      const parsed = parseWalHeader(readRegularFile(walPath, WAL_HEADER_BYTES, 0));
      sample.s = parsed.problem === null ? (parsed.header?.checkpointSequence ?? null) : null;
    }
  } catch {
    // Gone between stat and open (the run ended): no header this time.
  }
  try {
    if (sizeOf(shmPath) !== null) {
      const parsed = parseShmHeader(readRegularFile(shmPath, SHM_HEADER_BYTES, 0));
      if (parsed.valid && parsed.header) {
        sample.m = parsed.header.mxFrame;
        sample.b = parsed.header.nBackfill;
      }
    }
  } catch {
    // Same: the file went away.
  }
  return sample;
}

function main(argv: readonly string[]): void {
  const [walPath, shmPath, interval] = argv;
  if (!walPath || !shmPath) {
    process.stderr.write('usage: sampler.js <wal> <shm> <interval ms>\n');
    process.exitCode = 2;
    return;
  }
  const intervalMs = Math.max(5, Number(interval) || 50);
  const tick = () => {
    process.stdout.write(`${JSON.stringify(takeSample(walPath, shmPath))}\n`);
  };
  const timer = setInterval(tick, intervalMs);
  tick();
  const stop = () => {
    clearInterval(timer);
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.on('error', stop);
  process.stdout.on('error', stop);
  process.on('SIGTERM', stop);
  process.stdin.resume();
}

// Run only as a script, not when imported (tests import takeSample).
if (process.argv[1] && /sampler\.m?js$/.test(process.argv[1])) main(process.argv.slice(2));
