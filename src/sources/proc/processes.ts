/**
 * Process identity and activity from /proc/<pid>: command line (as read; escaped when printed), user, start time, and the
 * counters `lock-stall` uses to tell a stuck process from a busy one. Read-only; a process that is gone
 * or unreadable gives `undefined`/`null`, never an exception.
 */
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { escapeControl } from '../../core/escape.js';
import { userName } from '../sqlite/files.js';
import type { ProcessRunState } from '../../core/facts.js';

/**
 * Clock ticks per second of /proc/<pid>/stat times. USER_HZ is 100 in the Linux user-space ABI on every
 * architecture Node supports (include/asm-generic/param.h); `getconf CLK_TCK` prints 100.
 */
export const CLOCK_TICKS_PER_SECOND = 100;

export function processCommand(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`);
    const text = raw.toString('utf8').replace(/\u0000+$/, '').split('\u0000').join(' ');
    // Kept as read: JSON carries it whole (JSON.stringify escapes control characters); every text format
    // escapes it when it prints it (src/core/escape.ts).
    if (text.length > 0) return text;
    // Kernel threads and zombies have an empty cmdline: fall back to comm.
    return `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
  } catch {
    return undefined;
  }
}

let bootTimeSeconds: number | null | undefined;
/** `btime` from /proc/stat: boot time in seconds since the epoch (cached: it does not change). */
export function bootTime(): number | null {
  if (bootTimeSeconds !== undefined) return bootTimeSeconds;
  try {
    const m = /^btime\s+(\d+)/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeSeconds = m ? Number(m[1]) : null;
  } catch {
    bootTimeSeconds = null;
  }
  return bootTimeSeconds;
}

/**
 * The fields of /proc/<pid>/stat after the command name. The name (field 2) is in parentheses and may
 * itself hold spaces and parentheses, so the split starts after the LAST ')' (proc_pid_stat(5)).
 * Index 0 of the result is field 3 (state).
 */
export function statFields(text: string): string[] | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  return text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
}

interface StatTimes {
  /** utime + stime of all threads, clock ticks. */
  cpuTicks: number;
  /** Start time after boot, clock ticks. */
  startTicks: number;
}

export function readStatTimes(pid: number): StatTimes | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const f = statFields(text);
  // Fields 14 utime, 15 stime, 22 starttime (1-based) → indexes 11, 12, 19 here.
  if (!f || f.length < 20) return null;
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const start = Number(f[19]);
  if (![utime, stime, start].every(Number.isFinite)) return null;
  return { cpuTicks: utime + stime, startTicks: start };
}

export function processStartedAt(pid: number): string | undefined {
  const times = readStatTimes(pid);
  const boot = bootTime();
  if (!times || boot === null) return undefined;
  return new Date(boot * 1000 + (times.startTicks * 1000) / CLOCK_TICKS_PER_SECOND).toISOString();
}

/** Effective uid from /proc/<pid>/status (`Uid: real effective saved fs`). */
export function processUid(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface ProcessIdentity {
  command?: string;
  user?: string;
  uid?: number;
  startedAt?: string;
  /** What runs in it, from its executable and argv[0]: picks the stack-dump tool a fix names. */
  runtime?: ProcessRuntime;
  /** A lockscope process (another run's sampler, stress, audit --checkpoint): not one of the app's connections. */
  lockscope?: boolean;
}

export type ProcessRuntime = 'python' | 'node' | 'other';

/** argv as the kernel holds it (/proc/<pid>/cmdline), unescaped: for classifying only, never for printing. */
export function processArgv(pid: number, procRoot = '/proc'): string[] | null {
  try {
    const raw = readFileSync(`${procRoot}/${pid}/cmdline`).toString('utf8').replace(/\u0000+$/, '');
    return raw.length > 0 ? raw.split('\u0000') : [];
  } catch {
    return null;
  }
}

/** The executable's path (/proc/<pid>/exe); null when not readable (another user's process without root). */
export function processExe(pid: number, procRoot = '/proc'): string | null {
  try {
    return readlinkSync(`${procRoot}/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

const PYTHON_NAME = /^(?:python|pypy)(?:\d+(?:\.\d+)*)?(?:-dbg)?$/;
const NODE_NAME = /^(?:node|nodejs)(?:\d+)?$/;

/**
 * python, node or other, from the executable's name and argv[0]'s (the executable may be unreadable;
 * argv[0] may be a wrapper's name, as gunicorn's or uwsgi's workers show, while exe is still python).
 */
export function classifyRuntime(exe: string | null, argv: readonly string[] | null): ProcessRuntime {
  const names = [exe ? basename(exe) : null, argv?.[0] ? basename(argv[0]) : null].filter((n): n is string => n !== null);
  if (names.some((n) => PYTHON_NAME.test(n))) return 'python';
  if (names.some((n) => NODE_NAME.test(n))) return 'node';
  return 'other';
}

/** Where lockscope is installed: the folder of its package.json (this file is in <root>/[dist/]src/sources/proc). */
function packageNameAt(dir: string): string | null {
  try {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return typeof json.name === 'string' ? json.name : null;
  } catch {
    return null;
  }
}

/** The script a node command line runs: the first argument after the options (`node [--opts] script …`). */
function nodeScript(argv: readonly string[]): string | null {
  for (let i = 1; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === '-r' || a === '--require' || a === '--import' || a === '--loader') {
      i += 1;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  return null;
}

/**
 * Is this a lockscope process? Every lockscope process is node running a script of the lockscope package
 * (bin/lockscope.js, or stress's WAL sampler: dist/wal-sampler.mjs, dist/src/sources/stress/sampler.js from the
 * compiled tree; stress workers and audit --checkpoint's connection are threads and code of the CLI process
 * itself). The demo's scenario children (dist/demo/, dist/src/cli/demo/) are not: they stand in for an app. The script is resolved
 * like the kernel did (relative to the process's cwd, symlinks followed: an npm global install runs
 * /usr/local/bin/lockscope → …/lockscope/bin/lockscope.js), then its nearest package.json must be named
 * "lockscope". When the path cannot be resolved (another user's process), a script named lockscope or
 * lockscope.js counts.
 */
export function isLockscopeProcess(pid: number, argv: readonly string[] | null, runtime: ProcessRuntime, procRoot = '/proc'): boolean {
  if (runtime !== 'node' || !argv) return false;
  const script = nodeScript(argv);
  if (!script) return false;
  let real: string | null = null;
  try {
    real = realpathSync(isAbsolute(script) ? script : join(`${procRoot}/${pid}/cwd`, script));
  } catch {
    real = null;
  }
  if (real) {
    // Its own code only: bin/ and dist/ of a package named lockscope (a script of the app that happens to
    // live in a lockscope checkout, like the test fixtures, is not lockscope).
    let dir = dirname(real);
    for (let up = 0; up < 6; up += 1) {
      const name = packageNameAt(dir);
      if (name !== null) {
        const rel = real.slice(dir.length + 1);
        const inside = rel.split('/')[0];
        // `lockscope demo`'s scenario children play the app, so they are shown as the app's.
        return name === 'lockscope' && (inside === 'bin' || inside === 'dist') && !rel.startsWith('dist/src/cli/demo/') && !rel.startsWith('dist/demo/');
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return false;
  }
  return /^lockscope(?:\.js)?$/.test(basename(script));
}

/** How a process runs right now, with the commands of its parent and tracer (who can resume it). */
export function processRunState(pid: number, procRoot = '/proc'): ProcessRunState | undefined {
  const r = readRunState(pid, procRoot);
  if (!r) return undefined;
  const out: ProcessRunState = { state: r.state, wchan: r.wchan, ppid: r.ppid, tracerPid: r.tracerPid };
  const parent = r.ppid !== null ? processCommand(r.ppid) : undefined;
  if (parent !== undefined) out.parentCommand = parent;
  const tracer = r.tracerPid !== null ? processCommand(r.tracerPid) : undefined;
  if (tracer !== undefined) out.tracerCommand = tracer;
  return out;
}

/** How a process runs right now: /proc/<pid>/stat state and parent, status TracerPid, wchan. */
export interface RunStateRead {
  state: string;
  ppid: number | null;
  tracerPid: number | null;
  wchan: string | null;
}

export function readRunState(pid: number, procRoot = '/proc'): RunStateRead | null {
  let f: string[] | null;
  try {
    f = statFields(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
  if (!f || f.length < 2) return null;
  const state = f[0] ?? '?';
  const ppid = Number(f[1]);
  let tracerPid: number | null = null;
  try {
    const m = /^TracerPid:\s+(\d+)/m.exec(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
    if (m && Number(m[1]) > 0) tracerPid = Number(m[1]);
  } catch {
    // Gone meanwhile.
  }
  let wchan: string | null = null;
  try {
    // "0" while it runs (or when the kernel hides the symbol from this user).
    const w = readFileSync(`${procRoot}/${pid}/wchan`, 'utf8').trim();
    if (w && w !== '0') wchan = escapeControl(w);
  } catch {
    // Not readable: stays null.
  }
  return { state, ppid: Number.isFinite(ppid) && ppid > 0 ? ppid : null, tracerPid, wchan };
}

/** Command, user and start time of a process; fields it cannot read are left out. */
export function processIdentity(pid: number): ProcessIdentity {
  const out: ProcessIdentity = {};
  const command = processCommand(pid);
  if (command !== undefined) out.command = command;
  const uid = processUid(pid);
  if (uid !== undefined) {
    out.uid = uid;
    out.user = escapeControl(userName(uid) ?? String(uid));
  }
  const startedAt = processStartedAt(pid);
  if (startedAt !== undefined) out.startedAt = startedAt;
  const argv = processArgv(pid);
  if (argv !== null) {
    out.runtime = classifyRuntime(processExe(pid), argv);
    if (isLockscopeProcess(pid, argv, out.runtime)) out.lockscope = true;
  }
  return out;
}

/** A point-in-time reading of what a process has done, to compare two readings. */
export interface ActivityCounters {
  /** Start time identifies the process: a pid reused by a new process has another start time. */
  startTicks: number;
  cpuTicks: number;
  /** syscr + syscw and rchar + wchar from /proc/<pid>/io; null when unreadable (needs ptrace access). */
  ioSyscalls: number | null;
  ioBytes: number | null;
}

export function readActivity(pid: number): ActivityCounters | null {
  const times = readStatTimes(pid);
  if (!times) return null;
  let ioSyscalls: number | null = null;
  let ioBytes: number | null = null;
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => {
      const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(io);
      return m ? Number(m[1]) : Number.NaN;
    };
    const calls = field('syscr') + field('syscw');
    const bytes = field('rchar') + field('wchar');
    if (Number.isFinite(calls) && Number.isFinite(bytes)) {
      ioSyscalls = calls;
      ioBytes = bytes;
    }
  } catch {
    // Another user's process without root: CPU time alone is the evidence.
  }
  return { startTicks: times.startTicks, cpuTicks: times.cpuTicks, ioSyscalls, ioBytes };
}
