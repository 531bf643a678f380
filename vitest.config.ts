import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // At least two files at once: most tests wait on child processes (holders, stress threads, sampling
    // windows), not on this process's CPU. Vitest's default on 2 cores is one file at a time: 185 s for the
    // suite here, against 102-108 s with two (two runs, all passing, at load about 3).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
