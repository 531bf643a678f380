/**
 * One sampling tick, as data: the lock table read once, cut down to one database's files and decoded into
 * SQLite's lock names per process, with the -shm header read at the same tick. Pure: the caller reads
 * /proc/locks (LockTableReader) and the -shm header; this only filters and decodes, so the hold tracker
 * (src/sources/proc/hold-tracker.ts) can be fed constructed samples or captured /proc/locks text in tests.
 */
import { decodeProcessLocks } from './lock-table.js';
import type { DecodedLock, RawLock, ShmHeader } from '../../core/facts.js';

/** The lock-table identities of one database's files: `device:inode` as /proc/locks prints them (null = absent). */
export interface SampleKeys {
  dbKey: string | null;
  shmKey: string | null;
}

/** One process's locks on the database file and its -shm at one tick. */
export interface SampledHolder {
  pid: number;
  locks: DecodedLock[];
}

export interface LockSample {
  /** When the table was read: a monotonic clock in ms (performance.now()); only differences matter. */
  t: number;
  /** The -shm header read at this tick (the last good one when a read caught it mid-update); null = none. */
  shm: ShmHeader | null;
  /** Every process with a lock on the database file or the -shm, by pid ascending. Locks with no pid (OFD) are left out. */
  holders: SampledHolder[];
}

/** Cuts one read of the lock table down to one database's files and decodes it per process. */
export function sampleOf(table: readonly RawLock[], keys: SampleKeys, shm: ShmHeader | null, t: number): LockSample {
  const onDb = keys.dbKey ? table.filter((l) => `${l.device}:${l.inode}` === keys.dbKey) : [];
  const onShm = keys.shmKey ? table.filter((l) => `${l.device}:${l.inode}` === keys.shmKey) : [];
  const pids = new Set<number>();
  for (const l of onDb) if (l.pid > 0) pids.add(l.pid);
  for (const l of onShm) if (l.pid > 0) pids.add(l.pid);
  const holders = [...pids].sort((a, b) => a - b).map((pid) => ({ pid, locks: decodeProcessLocks(onDb, onShm, pid) }));
  return { t, shm, holders };
}
