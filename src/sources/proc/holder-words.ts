/**
 * Lock holders in words, shared by the lock checks and the `locks` text output: "PID 4242 (python3
 * worker.py, user app, running 3 h)". Pure: ages are computed against a time taken from the facts.
 * Command lines are kept as read in the facts (the JSON carries them whole); they are escaped and cut here,
 * where they become text.
 */
import { cutText, escapeControl } from '../../core/escape.js';
import { formatMs, plural } from '../../core/units.js';
import { describeLock } from './lock-table.js';
import type { DecodedLock, LockHolder, LockSampleFacts } from '../../core/facts.js';

/** Longer command lines (Java class paths…) are cut in messages, with "… (+N chars)"; the JSON's facts keep them whole. */
export const COMMAND_MAX_CHARS = 100;

export function shortCommand(command: string | undefined): string | undefined {
  if (command === undefined) return undefined;
  return cutText(escapeControl(command), COMMAND_MAX_CHARS);
}

/** "45 s", "12 min", "3 h", "2 d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export interface ProcessLike {
  pid: number;
  command?: string;
  user?: string;
  startedAt?: string;
  /** lockscope's own process: labelled as such, so it is never read as one of the app's connections. */
  lockscope?: boolean;
}

/** "PID 4242 (python3 worker.py, user app, running 3 h)"; `at` = when the facts were taken (ISO). */
export function processLabel(p: ProcessLike, at?: string): string {
  const parts: string[] = [];
  const command = shortCommand(p.command);
  if (command) parts.push(command);
  if (p.user) parts.push(`user ${escapeControl(p.user)}`);
  if (p.startedAt && at) {
    const age = Date.parse(at) - Date.parse(p.startedAt);
    if (Number.isFinite(age)) parts.push(`running ${formatAge(age)}`);
  }
  if (p.lockscope) parts.unshift("lockscope's own process, not the app's");
  return parts.length > 0 ? `PID ${p.pid} (${parts.join(', ')})` : `PID ${p.pid}`;
}

export function lockList(locks: readonly DecodedLock[]): string {
  return locks.map(describeLock).join(', ');
}

// Roles are decided with the rest of the snapshot's diagnosis (src/sources/proc/lock-diagnosis.ts); re-exported for the checks.
export { type HolderRole, framesPinned, holderRole } from './lock-diagnosis.js';

/** The write lock a writer holds, named for its mode: "the WAL write lock" or "RESERVED". */
export function writeLockName(holder: Pick<LockHolder, 'locks'>): string {
  const names = new Set(holder.locks.map((l) => l.name));
  if (names.has('exclusive')) return 'EXCLUSIVE';
  if (names.has('pending')) return 'PENDING';
  if (names.has('wal-write')) return 'the WAL write lock';
  if (names.has('reserved')) return 'RESERVED';
  return 'a write lock';
}

export { plural } from '../../core/units.js';

/** "2.00 s window (200 samples at 100 Hz)": how a sampling run is named in findings. */
export function samplingWindow(s: Pick<LockSampleFacts, 'windowMs' | 'samples' | 'hz'>): string {
  return `${formatMs(s.windowMs)} window (${plural(s.samples, 'sample')} at ${s.hz} Hz)`;
}
