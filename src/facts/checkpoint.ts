/**
 * `--checkpoint`: the only write the audit may do, and the only time it opens a SQLite connection.
 * Raw file reads happen before the connection opens and after it closes, never while it is open
 * (closing any descriptor of the database or -shm would drop this process's locks: lock facts §10.1).
 * /proc/locks is not one of the database's files, so it is read while the connection is open.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { formatBytes, formatCount } from '../units.js';
import { AuditInputError, gatherLocks, readShm, shmAttached, statDatabaseFiles } from './gather-audit.js';
import type { AuditFacts, CheckpointFacts, LockHolder } from './types.js';
import { isGatherError } from './types.js';

/** Loaded only when a checkpoint is asked for: the plain audit never needs the SQLite library. */
function openDatabase(path: string, timeoutMs: number): BetterSqlite3.Database {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return new Database(path, { fileMustExist: true, timeout: timeoutMs });
}

export type CheckpointMode = CheckpointFacts['mode'];
export const CHECKPOINT_MODES: readonly CheckpointMode[] = ['passive', 'full', 'restart', 'truncate'];
export const DEFAULT_CHECKPOINT_TIMEOUT_MS = 200;

function sizeOrNull(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function describeWrite(c: Omit<CheckpointFacts, 'wrote'>): string {
  const parts = [
    `ran PRAGMA wal_checkpoint(${c.mode.toUpperCase()}) with a busy timeout of ${c.timeoutMs} ms`,
    c.checkpointed > 0 ? `copied ${formatCount(c.checkpointed)} WAL frames into the database file` : 'copied no frames',
  ];
  if (c.walRemovedOnClose) parts.push("closing lockscope's connection (the last one open) checkpointed the rest and removed -wal and -shm");
  else if (c.walBytesBefore !== null && c.walBytesAfter !== null && c.walBytesAfter !== c.walBytesBefore) {
    parts.push(`-wal went from ${formatBytes(c.walBytesBefore)} to ${formatBytes(c.walBytesAfter)}`);
  }
  return parts.join('; ');
}

/** Runs the checkpoint on a database whose facts were just gathered. Throws AuditInputError without write permission. */
export function runCheckpoint(facts: AuditFacts, mode: CheckpointMode, timeoutMs: number): CheckpointFacts {
  const shmBefore = !isGatherError(facts.shm) && facts.shm?.header ? facts.shm.header : null;
  const base = {
    mode,
    timeoutMs,
    busy: 0,
    log: -1,
    checkpointed: -1,
    durationMs: 0,
    walBytesBefore: facts.files.wal.exists ? (facts.files.wal.sizeBytes ?? 0) : null,
    walBytesAfter: null as number | null,
    walRemovedOnClose: false,
    blockers: [] as LockHolder[],
    shmBefore,
    readMarksAfter: null as (number | null)[] | null,
  };
  if (!facts.header.walEnabled) {
    return { ...base, walBytesAfter: base.walBytesBefore, skipped: 'not in WAL mode: there is no WAL to checkpoint', wrote: 'nothing (no connection was opened)' };
  }
  for (const path of [facts.realPath, dirname(facts.realPath)]) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new AuditInputError('EACCES', `cannot checkpoint: no write permission on ${path} (checkpointing writes the database file)`);
    }
  }
  const walPath = `${facts.realPath}-wal`;
  const started = process.hrtime.bigint();
  let result: { busy: number; log: number; checkpointed: number };
  let blockers: LockHolder[] = [];
  let db: BetterSqlite3.Database | undefined;
  try {
    db = openDatabase(facts.realPath, timeoutMs);
    const rows = db.pragma(`wal_checkpoint(${mode.toUpperCase()})`) as { busy: number; log: number; checkpointed: number }[];
    const row = rows[0] ?? { busy: 1, log: -1, checkpointed: -1 };
    result = { busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed) };
    if (result.busy !== 0 || result.checkpointed < result.log) {
      // Who held it up, while they still hold it: other processes' locks (never our own).
      const locks = gatherLocks(facts.files, shmBefore?.readMarks ?? null);
      blockers = locks.holders.filter((h) => h.pid !== process.pid);
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const code = e.code ?? 'SQLITE_ERROR';
    if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
      throw new AuditInputError('EACCES', `cannot checkpoint: ${e.message ?? code} (${code})`);
    }
    if (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
      result = { busy: 1, log: -1, checkpointed: -1 };
    } else {
      throw new AuditInputError(code, `cannot checkpoint: ${e.message ?? code}`);
    }
  } finally {
    db?.close();
  }
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  // The connection is closed: raw reads are safe again.
  const walBytesAfter = sizeOrNull(walPath);
  let readMarksAfter: (number | null)[] | null = null;
  if (existsSync(`${facts.realPath}-shm`)) {
    try {
      const files = statDatabaseFiles(facts.realPath);
      const shm = readShm(files.shm, shmAttached(gatherLocks(files)));
      readMarksAfter = shm?.header?.readMarks ?? null;
    } catch {
      readMarksAfter = null;
    }
  }
  const done = {
    ...base,
    ...result,
    durationMs: Math.round(durationMs),
    walBytesAfter,
    walRemovedOnClose: base.walBytesBefore !== null && walBytesAfter === null,
    blockers,
    readMarksAfter,
  };
  return { ...done, wrote: describeWrite(done) };
}
