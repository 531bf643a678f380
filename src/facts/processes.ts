/**
 * Process identity and activity from /proc/<pid>: command line (as read; escaped when printed), user, start time, and the
 * counters `lock-stall` uses to tell a stuck process from a busy one. Read-only; a process that is gone
 * or unreadable gives `undefined`/`null`, never an exception.
 */
import { readFileSync } from 'node:fs';
import { escapeControl } from '../escape.js';
import { userName } from './files.js';

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
    // escapes it when it prints it (src/escape.ts).
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
