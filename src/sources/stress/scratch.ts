/**
 * Scratch databases: created next to the target (same directory, so the same filesystem and fsync
 * cost) with the target's page size, journal mode and auto_vacuum, and removed afterwards with their
 * -wal/-shm/-journal — also on Ctrl-C, SIGTERM and errors. Names carry the creating pid, so a later
 * run can tell the leftovers of a killed run (dead pid) from a run still going.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readdirSync, statSync, statfsSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openExisting } from '../sqlite/connection.js';
import { describeErrno } from '../sqlite/files.js';
import { processStartedAt, statFields } from '../proc/processes.js';
import type { StressJournalMode, StressPattern } from '../../core/stress-facts.js';

/** `.<db name>.lockscope-stress-<pid>-<8 hex>.db`, plus SQLite's -wal/-shm/-journal. */
export const SCRATCH_PATTERN = /^\.([\s\S]*)\.lockscope-stress-(\d+)-([0-9a-f]{8})\.db(-wal|-shm|-journal)?$/;
export const SCRATCH_SUFFIXES = ['', '-wal', '-shm', '-journal'] as const;
/** The scratch database's own table. */
export const SCRATCH_TABLE = 'lockscope_stress';
/** Keep the scratch name within NAME_MAX (255) whatever the target is called. */
const MAX_BASE_CHARS = 120;

export class ScratchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function scratchName(targetPath: string, pid = process.pid, random = randomBytes(4).toString('hex')): string {
  return `.${basename(targetPath).slice(0, MAX_BASE_CHARS)}.lockscope-stress-${pid}-${random}.db`;
}

/** Scratch paths created by this process and not yet removed: removed on exit whatever happens. */
const live = new Set<string>();
let exitHookInstalled = false;

function unlinkQuiet(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Removes a scratch database and its -wal/-shm/-journal; true when nothing of it remains. */
export function removeScratch(path: string): boolean {
  for (const suffix of SCRATCH_SUFFIXES) unlinkQuiet(`${path}${suffix}`);
  live.delete(path);
  return SCRATCH_SUFFIXES.every((suffix) => {
    try {
      statSync(`${path}${suffix}`);
      return false;
    } catch {
      return true;
    }
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort (an unexpected process.exit): the normal paths remove the files themselves.
  process.on('exit', () => {
    for (const path of [...live]) removeScratch(path);
  });
}

/** /proc/<pid>/stat start times are in clock ticks after a boot time given in whole seconds. */
const START_TIME_SLACK_MS = 2000;

/**
 * False only when the run `pid` certainly ended: no such process, a zombie, or a process started after
 * the file was last written (the pid was reused). When in doubt it is alive, and its files are left alone:
 * removing a running run's scratch database would break it.
 */
export function runMayBeAlive(pid: number, fileMtimeMs?: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, owned by another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  let state: string | undefined;
  try {
    state = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[0];
  } catch {
    return true;
  }
  // A zombie (killed, not yet reaped by its parent) holds no files any more.
  if (state === 'Z' || state === 'X') return false;
  if (fileMtimeMs !== undefined) {
    const started = processStartedAt(pid);
    if (started && Date.parse(started) > fileMtimeMs + START_TIME_SLACK_MS) return false;
  }
  return true;
}

export interface Leftover {
  path: string;
  pid: number;
}

/** Scratch files in `dir` whose creating process is gone (SIGKILL, power loss). */
export function findLeftovers(dir: string): Leftover[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Leftover[] = [];
  for (const name of names) {
    const m = SCRATCH_PATTERN.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    const path = join(dir, name);
    let mtimeMs: number | undefined;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      continue;
    }
    if (!runMayBeAlive(pid, mtimeMs)) out.push({ path, pid });
  }
  return out;
}

/** Removes leftovers of killed runs; returns the paths removed. */
export function removeLeftovers(dir: string): Leftover[] {
  const removed: Leftover[] = [];
  for (const leftover of findLeftovers(dir)) if (unlinkQuiet(leftover.path)) removed.push(leftover);
  return removed;
}

export interface ScratchSpec {
  pageSizeBytes: number;
  autoVacuum: 'none' | 'full' | 'incremental';
  journalMode: StressJournalMode;
  pattern: StressPattern;
}

/** The stress table: `n` for hot-row updates, `v` for the payload. */
export function createTableSql(table: string): string {
  return `CREATE TABLE "${table}" (id INTEGER PRIMARY KEY, writer INTEGER, n INTEGER NOT NULL DEFAULT 0, v BLOB)`;
}

/** The row every hot-row writer updates, and a few rows for readers and read-then-write to read. */
export function seedSql(table: string): string {
  return `INSERT INTO "${table}" (id, writer, n, v) VALUES (1, -1, 0, zeroblob(16)), (2, -1, 0, zeroblob(16)), (3, -1, 0, zeroblob(16))`;
}

/**
 * Creates the scratch database in `dir`. The file is first created with O_EXCL (so the name is ours
 * and the directory is known to be writable), then set up by one short connection that is closed
 * before any stress thread starts.
 */
export function createScratch(dir: string, targetPath: string, spec: ScratchSpec): string {
  const path = join(dir, scratchName(targetPath));
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ScratchError(
      code,
      `cannot create a scratch database in ${dir}: ${describeErrno(code)}. Choose a writable directory on the same filesystem with --scratch-dir <dir>, or run against the database itself with --live`,
    );
  }
  installExitHook();
  live.add(path);
  try {
    const db = openExisting(path, 0);
    try {
      // page_size and auto_vacuum only take effect before the first table is created.
      db.pragma(`page_size = ${spec.pageSizeBytes}`);
      db.pragma(`auto_vacuum = ${spec.autoVacuum === 'none' ? 'NONE' : spec.autoVacuum.toUpperCase()}`);
      // WAL is stored in the file; a rollback variant is per connection and set again by each thread.
      db.pragma(`journal_mode = ${spec.journalMode === 'wal' ? 'WAL' : 'DELETE'}`);
      db.exec(createTableSql(SCRATCH_TABLE));
      db.exec(seedSql(SCRATCH_TABLE));
    } finally {
      db.close();
    }
  } catch (err) {
    removeScratch(path);
    const e = err as { code?: string; message?: string };
    throw new ScratchError(e.code ?? 'ERROR', `cannot set up the scratch database ${path}: ${e.message ?? String(err)}`);
  }
  return path;
}

export interface FilesystemIdentity {
  /** statfs f_type. */
  type: number;
  dev: number;
}

export function filesystemIdentity(dir: string): FilesystemIdentity {
  return { type: Number(statfsSync(dir).type) >>> 0, dev: statSync(dir).dev };
}
