/**
 * /proc/locks: the kernel's table of held locks, parsed and decoded into SQLite's lock names.
 * The one parser used by `audit` and `locks`.
 *
 * Lock bytes (os.h PENDING_BYTE..SHARED_SIZE; wal.c WAL_WRITE_LOCK..WAL_READ_LOCK; os_unix.c UNIX_SHM_DMS):
 *   database file (os.h): PENDING 0x40000000, RESERVED +1, SHARED range +2 .. +511
 *   -shm (wal.c, os_unix.c UNIX_SHM_BASE=120): 120 WRITE, 121 CHECKPOINT, 122 RECOVER, 123-127 READ0-4, 128 DMS
 * The kernel merges adjacent ranges of one owner and type, so locks are decoded by the bytes a range
 * covers, never by counting lines.
 */
import { readFileSync } from 'node:fs';
import type { DecodedLock, RawLock, SqliteLockName } from '../../core/facts.js';

export const PENDING_BYTE = 0x40000000;
export const RESERVED_BYTE = PENDING_BYTE + 1;
export const SHARED_FIRST = PENDING_BYTE + 2;
/** os.h SHARED_SIZE. */
export const SHARED_SIZE = 510;
export const SHARED_LAST = SHARED_FIRST + SHARED_SIZE - 1;

/** -shm lock bytes: UNIX_SHM_BASE = (22+8)*4 = 120. */
export const SHM_WRITE_BYTE = 120;
export const SHM_CHECKPOINT_BYTE = 121;
export const SHM_RECOVER_BYTE = 122;
export const SHM_READ0_BYTE = 123;
export const SHM_DMS_BYTE = 128;

/**
 * Parses the text of /proc/locks. Lines it does not understand are skipped.
 * `only` (keys `maj:min:ino`, as /proc/locks prints them) keeps just the lines on those files and skips the
 * rest before splitting them: the sampler parses the whole table 100 times a second.
 */
export function parseProcLocks(text: string, only?: readonly string[]): RawLock[] {
  const locks: RawLock[] = [];
  const needles = only?.map((k) => ` ${k} `);
  for (const line of text.split('\n')) {
    if (needles && !needles.some((n) => line.includes(n))) continue;
    const tokens = line.trim().split(/\s+/);
    if (tokens.length < 7) continue;
    const ordinal = Number.parseInt(tokens[0] ?? '', 10);
    if (!Number.isFinite(ordinal)) continue;
    let i = 1;
    const waiting = tokens[i] === '->';
    if (waiting) i += 1;
    const lockClass = tokens[i];
    // tokens[i+1] is ADVISORY/MANDATORY/ACTIVE/BREAKING…; then type, pid, dev:ino, start, end.
    const type = tokens[i + 2];
    const pid = Number.parseInt(tokens[i + 3] ?? '', 10);
    const id = (tokens[i + 4] ?? '').split(':');
    const start = Number(tokens[i + 5]);
    const endToken = tokens[i + 6];
    if (!lockClass || (type !== 'READ' && type !== 'WRITE') || id.length !== 3 || !Number.isFinite(pid)) continue;
    if (!Number.isFinite(start) || endToken === undefined) continue;
    const end = endToken === 'EOF' ? null : Number(endToken);
    if (end !== null && !Number.isFinite(end)) continue;
    locks.push({
      ordinal,
      lockClass,
      type,
      pid,
      device: `${id[0]}:${id[1]}`.toLowerCase(),
      inode: id[2] ?? '',
      start,
      end,
      waiting,
    });
  }
  return locks;
}

export function readProcLocks(path = '/proc/locks'): RawLock[] {
  return parseProcLocks(readFileSync(path, 'utf8'));
}

function covers(lock: RawLock, byte: number): boolean {
  return lock.start <= byte && (lock.end === null || lock.end >= byte);
}

function coversAny(lock: RawLock, first: number, last: number): boolean {
  return lock.start <= last && (lock.end === null || lock.end >= first);
}

/** Decodes one process's locks on the database file into SHARED/RESERVED/PENDING/EXCLUSIVE. */
export function decodeDbLocks(locks: readonly RawLock[]): DecodedLock[] {
  const held = locks.filter((l) => !l.waiting);
  const write = (byte: number) => held.some((l) => l.type === 'WRITE' && covers(l, byte));
  const exclusive = held.some((l) => l.type === 'WRITE' && coversAny(l, SHARED_FIRST, SHARED_LAST));
  if (exclusive) return [{ name: 'exclusive', mode: 'exclusive', file: 'db' }];
  const out: DecodedLock[] = [];
  if (held.some((l) => l.type === 'READ' && coversAny(l, SHARED_FIRST, SHARED_LAST))) {
    out.push({ name: 'shared', mode: 'shared', file: 'db' });
  }
  if (write(RESERVED_BYTE)) out.push({ name: 'reserved', mode: 'exclusive', file: 'db' });
  if (write(PENDING_BYTE)) out.push({ name: 'pending', mode: 'exclusive', file: 'db' });
  return out;
}

/** Each -shm lock byte and its name (also the trace decoder's map). */
export const SHM_LOCK_NAMES: readonly [number, SqliteLockName][] = [
  [SHM_WRITE_BYTE, 'wal-write'],
  [SHM_CHECKPOINT_BYTE, 'wal-checkpoint'],
  [SHM_RECOVER_BYTE, 'wal-recover'],
  [SHM_READ0_BYTE, 'wal-read-0'],
  [SHM_READ0_BYTE + 1, 'wal-read-1'],
  [SHM_READ0_BYTE + 2, 'wal-read-2'],
  [SHM_READ0_BYTE + 3, 'wal-read-3'],
  [SHM_READ0_BYTE + 4, 'wal-read-4'],
  [SHM_DMS_BYTE, 'wal-dms'],
];

/** Decodes one process's locks on `-shm`; `readMarks` (from the -shm header) adds the frame each reader pins. */
export function decodeShmLocks(locks: readonly RawLock[], readMarks?: readonly (number | null)[] | null): DecodedLock[] {
  const out: DecodedLock[] = [];
  for (const [byte, name] of SHM_LOCK_NAMES) {
    const lock = locks.find((l) => !l.waiting && covers(l, byte));
    if (!lock) continue;
    const decoded: DecodedLock = { name, mode: lock.type === 'READ' ? 'shared' : 'exclusive', file: 'shm' };
    const slot = byte - SHM_READ0_BYTE;
    if (slot >= 1 && slot <= 4 && readMarks) decoded.pinsFrame = readMarks[slot] ?? null;
    out.push(decoded);
  }
  return out;
}

export function locksOnInode(all: readonly RawLock[], device: string | undefined, inode: string | undefined): RawLock[] {
  if (!device || !inode) return [];
  return all.filter((l) => l.device === device && l.inode === inode);
}

/** `maj:min:ino` as /proc/locks prints a file's identity. */
export function lockKey(device: string, inode: string): string {
  return `${device}:${inode}`;
}

/** One process's locks on the db file and -shm, decoded; `readMarks` adds the frame each reader pins. */
export function decodeProcessLocks(
  onDb: readonly RawLock[],
  onShm: readonly RawLock[],
  pid: number,
  readMarks?: readonly (number | null)[] | null,
): DecodedLock[] {
  return [
    ...decodeDbLocks(onDb.filter((l) => l.pid === pid)),
    ...decodeShmLocks(
      onShm.filter((l) => l.pid === pid),
      readMarks,
    ),
  ];
}

/** Locks that make other writers wait: the WAL write lock, or RESERVED/PENDING/EXCLUSIVE in rollback mode. */
export const WRITE_LOCKS: readonly SqliteLockName[] = ['wal-write', 'reserved', 'pending', 'exclusive'];

export function isWriteLock(name: SqliteLockName): boolean {
  return WRITE_LOCKS.includes(name);
}

/** The WAL read-mark slot (0-4) a lock name stands for, or null. */
export function readSlot(name: SqliteLockName): number | null {
  return name.startsWith('wal-read-') ? Number(name.slice('wal-read-'.length)) : null;
}

/** A lock in SQLite's words, for people (text output and messages). */
export function describeLock(lock: DecodedLock): string {
  const slot = readSlot(lock.name);
  if (slot !== null) {
    if (lock.mode === 'exclusive') return slot === 0 ? 'READ0 exclusively (checkpoint backfilling)' : `read mark ${slot} exclusively (resetting it)`;
    if (slot === 0) return 'read mark 0 (reads the database file only)';
    return lock.pinsFrame === undefined || lock.pinsFrame === null ? `read mark ${slot}` : `read mark ${slot} (pins frame ${lock.pinsFrame})`;
  }
  switch (lock.name) {
    case 'shared':
      return 'SHARED';
    case 'reserved':
      return 'RESERVED (writing)';
    case 'pending':
      return 'PENDING (commit waiting for readers)';
    case 'exclusive':
      return 'EXCLUSIVE';
    case 'wal-write':
      return 'WAL write lock';
    case 'wal-checkpoint':
      return 'checkpoint lock';
    case 'wal-recover':
      return 'recovery lock';
    case 'wal-dms':
      return lock.mode === 'exclusive' ? 'DMS exclusively (first opener, initialising -shm)' : 'DMS (attached to the wal-index)';
    default:
      return lock.name;
  }
}

/** A lock's short word, as tables and the timeline print it: SHARED, RESERVED, WRITE, CKPT, RECOVER, DMS, READ1. */
export function lockWord(name: SqliteLockName): string {
  const slot = readSlot(name);
  if (slot !== null) return `READ${slot}`;
  const wal: Record<string, string> = { 'wal-write': 'WRITE', 'wal-checkpoint': 'CKPT', 'wal-recover': 'RECOVER', 'wal-dms': 'DMS' };
  return wal[name] ?? name.toUpperCase();
}

/** A lock in a few characters, for tables: SHARED, RESERVED, PENDING, EXCLUSIVE, WRITE, CKPT, RECOVER, READ1@12, DMS. */
export function shortLockName(lock: DecodedLock): string {
  const excl = lock.mode === 'exclusive' ? '(excl)' : '';
  if (readSlot(lock.name) !== null) return `${lockWord(lock.name)}${lock.pinsFrame !== undefined && lock.pinsFrame !== null ? `@${lock.pinsFrame}` : ''}${excl}`;
  return lock.name === 'wal-dms' ? `DMS${excl}` : lockWord(lock.name);
}
