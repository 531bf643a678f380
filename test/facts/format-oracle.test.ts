/**
 * SQLite is the oracle: 10,000 mutated copies of real files (WAL with committed frames, restarted WAL,
 * uncommitted tail, rollback; page sizes 512-8192), each read by lockscope and then opened by python3's sqlite3
 * in one long-lived child process. Every claim (opens / read-only / not at all, journal mode, frames recovery
 * keeps) must agree. `npm run fuzz -- --seed S --count N` runs the same thing longer.
 *
 * Oracle limits, and how the comparison treats them (fixtures/format-fuzz.ts `compare`):
 * - "database disk image is malformed" can come from page content lockscope never reads (b-tree pages, a
 *   re-chained commit frame's database size): when SQLite says so and lockscope said the file opens, that is not
 *   a disagreement; when lockscope says malformed (a -wal of another page size, an in-header size beyond the
 *   file), SQLite must say so too. After a malformed schema read the mode and frames are compared only when
 *   SQLite still answered PRAGMA journal_mode and wal_checkpoint.
 * - No process is attached to the copies, so SQLite rebuilds every -shm: -shm edits test that lockscope never
 *   trusts an unattached -shm; the live -shm checks are tested with a real holder in wal-validate.test.ts.
 * - The oracle is python3's sqlite3 (SQLite 3.40.1); the rules cite the 3.53.2 source, unchanged between the two.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../fixtures/format-fuzz.js';

describe('file formats against SQLite itself', () => {
  it('10,000 mutated variants: zero disagreements', async () => {
    const result = await runFuzz({ seed: 20261202, count: 10_000 });
    expect(result.variants).toBe(10_000);
    expect(result.disagreements.slice(0, 5)).toEqual([]);
    expect(result.disagreements.length).toBe(0);
  }, 180_000);
});
