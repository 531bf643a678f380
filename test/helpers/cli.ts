/** Runs the built CLI (bin/lockscope.js → dist/) as a real child process. */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'lockscope.js');

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/**
 * The test runner's environment without its colour forcing, plus `extra`. The layout is pinned too: 80 columns
 * (no COLUMNS) and a UTF-8 locale with no TERM, so the text output does not depend on the shell the tests run in.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LANG: 'C.UTF-8' };
  for (const name of ['FORCE_COLOR', 'COLUMNS', 'LC_ALL', 'LC_CTYPE', 'TERM']) delete env[name];
  return { ...env, ...extra };
}

/** `timeoutMs` is a hang guard, not a speed assertion: a run that needs it is killed and reported as such. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; prefix?: string[]; cwd?: string } = {}): CliResult {
  const started = Date.now();
  const command = opts.prefix ? opts.prefix[0]! : process.execPath;
  const argv = opts.prefix ? [...opts.prefix.slice(1), process.execPath, BIN, ...args] : [BIN, ...args];
  const spawnOpts: SpawnSyncOptions = {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
    cwd: opts.cwd ?? ROOT,
    env: cleanEnv(opts.env),
  };
  const r = spawnSync(command, argv, spawnOpts);
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), code: r.status, signal: r.signal, ms: Date.now() - started };
}

export function sha256(path: string): string | null {
  if (!existsSync(path)) return null;
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Name → sha256 of every file in `dir`, to prove nothing was created, changed or removed. */
export function snapshotDir(dir: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of readdirSync(dir).sort()) out[name] = sha256(join(dir, name));
  return out;
}

/** Runs a command as uid/gid 65534 (nobody), with no supplementary groups. */
export const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

let nobodyCache: boolean | undefined;
/**
 * Whether the built CLI can run as nobody here: lockscope must be root to switch user, and the checkout
 * (bin/, dist/, node_modules/) must be readable by nobody. .ci/run makes it so; a checkout in a private
 * home directory is not, and the tests that need it are skipped there rather than failing for that reason.
 */
export function nobodyCanRunCli(): boolean {
  if (nobodyCache === undefined) {
    nobodyCache =
      process.getuid?.() === 0 &&
      spawnSync(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, BIN, '--version'], { encoding: 'utf8', timeout: 20_000 }).status === 0;
  }
  return nobodyCache;
}

/**
 * Resolves once process `pid` has `path` open (a link in /proc/<pid>/fd): the readiness handshake for a
 * step that holds a file open while it works (lock sampling keeps /proc/locks open for its window).
 * Rejects if the process ends first or `timeoutMs` passes. Polls, never sleeps a fixed time.
 */
export async function waitForOpenFile(pid: number, path: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      throw new Error(`process ${pid} ended before it opened ${path}`);
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) return;
      } catch {
        // closed between the listing and the read
      }
    }
    if (Date.now() > until) throw new Error(`process ${pid} did not open ${path} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
