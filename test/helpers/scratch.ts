/**
 * Per-test scratch space for tests on real files and real processes: every directory made by `tempDir()`
 * is removed and every holder pushed to `holders` is stopped after each test, whatever the test did.
 */
import { afterEach } from 'vitest';
import { type Holder, makeTempDir, removeDir } from '../../fixtures/databases.js';

export interface Scratch {
  /** Push holder processes here; they are killed after the test. */
  holders: Holder[];
  /** A new temporary directory, removed after the test. */
  tempDir(prefix?: string): string;
}

export function scratchPerTest(): Scratch {
  const holders: Holder[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const h of holders.splice(0)) await h.stop();
    for (const d of dirs.splice(0)) removeDir(d);
  });
  return {
    holders,
    tempDir(prefix?: string) {
      const d = makeTempDir(prefix);
      dirs.push(d);
      return d;
    },
  };
}
