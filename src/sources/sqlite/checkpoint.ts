/**
 * `--checkpoint`: the only write the audit may do, and the only time it opens a SQLite connection.
 * Raw file reads happen before the connection opens and after it closes, never while it is open
 * (closing any descriptor of the database or -shm would drop this process's locks: os_unix.c, the comment on POSIX advisory locks above struct unixInodeInfo).
 * /proc/locks and stat() are not descriptors of the database's files, so they are read while it is open.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type SqliteDatabase, openExisting } from './connection.js';
import { formatBytes, formatCount } from '../../core/units.js';
import { AuditInputError, gatherLocks, readShm, shmAttached, statDatabaseFiles } from './gather.js';
import type { AuditFacts, CheckpointFacts, LockHolder, ShmHeader } from '../../core/facts.js';
import { isGatherError } from '../../core/facts.js';


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

/** What lockscope's connection did to the files, in words: always part of the report. */
export function describeWrite(
  c: Omit<CheckpointFacts, 'wrote'>,
  context: { shmAfter?: ShmHeader | null; shmWasLive?: boolean; nobodyAttached?: boolean } = {},
): string {
  const { shmAfter = null, shmWasLive = false, nobodyAttached = false } = context;
  if (c.skipped !== undefined) return 'nothing (no connection was opened)';
  const parts = [`ran PRAGMA wal_checkpoint(${c.mode.toUpperCase()}) with a busy timeout of ${c.timeoutMs} ms (${c.durationMs} ms from open to close)`];
  if (c.walBytesBefore !== null && nobodyAttached) {
    parts.push('opening the database rebuilt the -shm index from the -wal (recovery): no other process was attached');
  }
  if (c.log < 0) {
    parts.push('the checkpoint could not start, so it copied no frames');
  } else if (c.mode === 'truncate' && c.busy === 0 && c.log === 0) {
    // A completed TRUNCATE resets the WAL before it reports, so (0, 0, 0) means "everything copied".
    parts.push(
      c.walBytesBefore === null || c.walBytesBefore === 0
        ? 'the WAL was empty: nothing to copy'
        : 'copied every remaining WAL frame into the database file and truncated -wal to 0 bytes',
    );
  } else {
    const before = c.shmBefore;
    const sameWal = shmWasLive && before !== null && shmAfter !== null && before.salt1 === shmAfter.salt1 && before.salt2 === shmAfter.salt2;
    const already = sameWal && before.nBackfill > 0 && before.nBackfill <= c.checkpointed ? ` (${formatCount(before.nBackfill)} of them were already there)` : '';
    parts.push(
      c.checkpointed > 0
        ? `after it, frames 1-${formatCount(c.checkpointed)} of the WAL's ${formatCount(c.log)} are in the database file${already}`
        : c.log > 0
          ? `it copied no frame: none of the WAL's ${formatCount(c.log)} frames is in the database file yet`
          : 'it copied no frame',
    );
  }
  if (c.walRemovedOnClose) parts.push("closing lockscope's connection (the last one open) checkpointed the rest and removed -wal and -shm");
  else if (c.walBytesBefore === null && c.walBytesAfter === null) parts.push('the connection created -wal and -shm while open and removed them when it closed');
  else if (c.walBytesBefore !== null && c.walBytesAfter !== null && c.walBytesAfter !== c.walBytesBefore) {
    parts.push(`-wal went from ${formatBytes(c.walBytesBefore)} to ${formatBytes(c.walBytesAfter)}`);
  }
  return parts.join('; ');
}

/** Other processes holding locks on the database's files right now (read from /proc/locks, never our own). */
function lockHolders(realPath: string, readMarks: readonly (number | null)[] | null): LockHolder[] {
  try {
    // stat() again: a -shm created since the audit's gather has its own inode.
    const locks = gatherLocks(statDatabaseFiles(realPath), readMarks);
    return locks.holders.filter((h) => h.pid !== process.pid && h.locks.length > 0);
  } catch {
    return [];
  }
}

/**
 * The frame each blocker's read mark pins, from read marks read after the connection closed. A mark cannot
 * change while a reader holds its slot (changing it needs the slot's lock exclusively: wal.c walTryBeginRead),
 * so for a blocker still holding it this is exact, where the gather's header may predate recovery.
 */
function pinFrames(blockers: LockHolder[], readMarks: readonly (number | null)[]): void {
  for (const holder of blockers) {
    for (const lock of holder.locks) {
      const slot = lock.name.startsWith('wal-read-') ? Number(lock.name.slice('wal-read-'.length)) : 0;
      if (slot >= 1) lock.pinsFrame = readMarks[slot] ?? null;
    }
  }
}

/** Paths the checkpoint writes: the database (frames copied back), the directory (-wal/-shm), -wal and -shm. */
function requireWriteAccess(facts: AuditFacts): void {
  const paths = [facts.realPath, dirname(facts.realPath)];
  if (facts.files.wal.exists) paths.push(`${facts.realPath}-wal`);
  if (facts.files.shm.exists) paths.push(`${facts.realPath}-shm`);
  for (const path of paths) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new AuditInputError('EACCES', `cannot checkpoint: no write permission on ${path} (checkpointing writes the database, its -wal and -shm)`);
    }
  }
}

/** Runs the checkpoint on a database whose facts were just gathered. Throws AuditInputError without write permission. */
export function runCheckpoint(facts: AuditFacts, mode: CheckpointMode, timeoutMs: number): CheckpointFacts {
  const shm = isGatherError(facts.shm) ? null : facts.shm;
  const shmBefore = shm?.header ?? null;
  const shmWasLive = shm?.trusted === true;
  const nobodyAttached = shm === null || shm.attached === false;
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
    // Opening a database with a -wal beside it applies that -wal whatever the header says (see stale-wal):
    // lockscope opens no connection here.
    const skipped = facts.files.wal.exists
      ? 'not in WAL mode (the header says rollback journal), yet a -wal is present: lockscope does not open it, because opening would apply that -wal (see stale-wal)'
      : 'not in WAL mode (the header says rollback journal): there is no WAL to checkpoint';
    const c = { ...base, busy: 0, log: -1, checkpointed: -1, walBytesAfter: base.walBytesBefore, skipped };
    return { ...c, wrote: describeWrite(c) };
  }
  requireWriteAccess(facts);
  const walPath = `${facts.realPath}-wal`;
  // Read marks for naming blockers while the connection is open: only from a header that was live.
  const marksBefore = shmWasLive ? (shmBefore?.readMarks ?? null) : null;
  const started = process.hrtime.bigint();
  let result: { busy: number; log: number; checkpointed: number };
  let blockers: LockHolder[] = [];
  let db: SqliteDatabase | undefined;
  try {
    db = openExisting(facts.realPath, timeoutMs);
    const rows = db.pragma(`wal_checkpoint(${mode.toUpperCase()})`) as { busy: number; log: number; checkpointed: number }[];
    const row = rows[0] ?? { busy: 1, log: -1, checkpointed: -1 };
    result = { busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed) };
    // Who held it up, while they still hold it.
    if (result.busy !== 0 || result.checkpointed < result.log) blockers = lockHolders(facts.realPath, marksBefore);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const code = e.code ?? 'SQLITE_ERROR';
    if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
      throw new AuditInputError('EACCES', `cannot checkpoint: ${e.message ?? code} (${code})`);
    }
    if (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
      // Busy before the checkpoint could start (opening, reading the schema, recovery by another process).
      result = { busy: 1, log: -1, checkpointed: -1 };
      blockers = lockHolders(facts.realPath, marksBefore);
    } else {
      throw new AuditInputError(code, `cannot checkpoint: ${e.message ?? code}`);
    }
  } finally {
    db?.close();
  }
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  // The connection is closed: raw reads are safe again.
  const walBytesAfter = sizeOrNull(walPath);
  let shmAfter: ShmHeader | null = null;
  try {
    const files = statDatabaseFiles(facts.realPath);
    const after = readShm(files.shm, shmAttached(gatherLocks(files)));
    if (after?.trusted) shmAfter = after.header;
  } catch {
    shmAfter = null;
  }
  if (shmAfter) pinFrames(blockers, shmAfter.readMarks);
  const done = {
    ...base,
    ...result,
    durationMs: Math.round(durationMs),
    walBytesAfter,
    walRemovedOnClose: base.walBytesBefore !== null && walBytesAfter === null,
    blockers,
    readMarksAfter: shmAfter?.readMarks ?? null,
  };
  return { ...done, wrote: describeWrite(done, { shmAfter, shmWasLive, nobodyAttached }) };
}
