/**
 * Reads the kernel's lock table (/proc/locks) whole, one page at a time, on a descriptor kept open: the only
 * I/O of a sampling tick on the lock table. Used by the sampler (src/sources/proc/sampler.ts) and reusable by any
 * long-running monitor.
 */
import { readSync } from 'node:fs';
import { parseProcLocks } from './lock-table.js';
import type { RawLock } from '../../core/facts.js';

/** The identity of one lock line: the same lock in two reads of the table (ordinals are positions, not identities). */
function lineId(l: RawLock): string {
  return `${l.pid} ${l.type} ${l.device}:${l.inode} ${l.start} ${l.end ?? 'EOF'}${l.waiting ? ' ->' : ''}`;
}

/**
 * Reads /proc/locks whole, on a descriptor kept open.
 *
 * /proc/locks is a seq_file: one read() returns at most one page of it (4,095 bytes measured here on Linux
 * 6.18, whatever the buffer size), so a table longer than that — about 55 locks on the whole machine — takes
 * several reads, and reading stops only at a read that returns 0 (EOF). Reading one buffer-full and taking
 * a short read for the end of the table made every lock past the first page invisible: the holder looked
 * released, and its hold was cut into pieces (a reader holding SHARED the whole window reported as 140 ms).
 *
 * Between two of those reads the kernel lets go of its lock on the table, and the next read restarts at a
 * line index (fs/locks.c locks_start: seq_hlist_start_percpu(*pos)): a lock removed from the part already
 * read shifts the rest up, and the line now at the boundary is skipped. That is from the source only — it was
 * not seen here (no confirming re-read in 2,400 multi-page samples with a churning table) — but it costs
 * nothing when the table is short: a multi-page read in which a line seen at the previous tick is missing is
 * read again (up to twice more) and the reads are merged: a lock still there is confirmed, a lock really
 * released is missing from every read.
 */
export class LockTableReader {
  private buf = Buffer.alloc(64 * 1024);
  private previous = new Set<string>();
  /** How often a multi-page read was read again to confirm a missing line. */
  rereads = 0;
  /** Reads of the table that took more than one read() call. */
  multiPage = 0;

  constructor(private readonly fd: number) {}

  /** One pass over the table: every page, until read() returns 0. Returns the lines on `keys` and the page count. */
  private readOnce(keys: readonly string[]): { locks: RawLock[]; pages: number } {
    let off = 0;
    let pages = 0;
    for (;;) {
      if (off === this.buf.length) {
        const bigger = Buffer.alloc(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, off);
        this.buf = bigger;
      }
      const n = readSync(this.fd, this.buf, off, this.buf.length - off, off);
      if (n === 0) break;
      off += n;
      pages += 1;
    }
    return { locks: parseProcLocks(this.buf.toString('latin1', 0, off), keys), pages };
  }

  read(keys: readonly string[]): RawLock[] {
    let { locks, pages } = this.readOnce(keys);
    if (pages > 1) {
      this.multiPage += 1;
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const seen = new Set(locks.map(lineId));
        if (![...this.previous].some((id) => !seen.has(id))) break;
        this.rereads += 1;
        const again = this.readOnce(keys).locks;
        const merged = new Map(locks.map((l) => [lineId(l), l]));
        for (const l of again) if (!merged.has(lineId(l))) merged.set(lineId(l), l);
        locks = [...merged.values()];
      }
    }
    this.previous = new Set(locks.map(lineId));
    return locks;
  }
}
