/**
 * The scripts that run in a thread or a process of their own (worker_threads and child processes load a
 * file, not a function). `npm run build` writes them twice: in the compiled tree (dist/src/, tsc), which the
 * tests and the bench import, and beside the shipped bundle (dist/*.mjs, esbuild: scripts/bundle.ts), which
 * bin/lockscope.js runs. The bundle is built with LOCKSCOPE_BUNDLE defined, so its code starts the bundle's
 * copies; the TypeScript sources (vitest) and the compiled tree start the compiled ones.
 */
import { join } from 'node:path';
import { PACKAGE_ROOT } from './version.js';

declare const LOCKSCOPE_BUNDLE: boolean | undefined;

/** Whether this code runs from the bundle (dist/lockscope.mjs and its chunks). */
export const IN_BUNDLE = typeof LOCKSCOPE_BUNDLE !== 'undefined' && LOCKSCOPE_BUNDLE;

/** Each script: its source, its bundled file and its compiled file (both under dist/). */
export const ENTRY_SCRIPTS = {
  /** A stress thread (worker_threads). */
  worker: { source: 'src/sources/stress/worker.ts', bundle: 'stress-worker.mjs', compiled: 'src/sources/stress/worker.js' },
  /** The -wal/-shm sampler process of a stress run; its name must end in sampler.js or sampler.mjs (its main guard). */
  sampler: { source: 'src/sources/stress/sampler.ts', bundle: 'wal-sampler.mjs', compiled: 'src/sources/stress/sampler.js' },
  /** A demo scenario's app stand-in (under demo/, which isLockscopeProcess counts as the app's). */
  demo: { source: 'src/cli/demo/scenario-child.ts', bundle: 'demo/scenario-child.mjs', compiled: 'src/cli/demo/scenario-child.js' },
} as const;

export type EntryScript = keyof typeof ENTRY_SCRIPTS;

/** The absolute path of `name`'s file, for this copy of the code (it may not be built yet). */
export function entryScript(name: EntryScript): string {
  const script = ENTRY_SCRIPTS[name];
  return join(PACKAGE_ROOT, 'dist', IN_BUNDLE ? script.bundle : script.compiled);
}
