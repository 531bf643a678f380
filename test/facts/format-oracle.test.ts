/**
 * SQLite is the oracle: 10,000 mutated copies of real files (WAL with committed frames, restarted WAL,
 * uncommitted tail, rollback; page sizes 512-8192), each read by lockscope and then opened by python3's sqlite3
 * in one long-lived child process. Every claim (opens / read-only / not at all, journal mode, frames recovery
 * keeps) must agree. `npm run fuzz -- --seed S --count N` runs the same thing longer.
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
