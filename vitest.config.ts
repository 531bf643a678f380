import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // At least three files at once: most tests wait on child processes (holders, stress threads, sampling
    // windows, strace, PostgreSQL, Prometheus, Chromium), not on this process's CPU. With the trace, scan, watch and
    // PostgreSQL suites the whole run took 164-170 s with two files at a time on this 2-core machine, and
    // 140-146 s with three (two runs each, all passing, at load about 3).
    maxWorkers: Math.max(3, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
