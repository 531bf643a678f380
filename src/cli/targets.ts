/** What a command runs on: the command line's entries, or else the config's, resolved to targets. */
import type { DatabaseReport } from '../core/model.js';
import { dedupeByFile, expandDatabases } from '../sources/sqlite/targets.js';
import type { LoadedConfig } from './config.js';

/** The command line's paths/globs, or else the config's `databases` (relative to the config file). */
export function resolveTargets(args: readonly string[], config: LoadedConfig | null, cwd: string): (string | DatabaseReport)[] {
  const targets: (string | DatabaseReport)[] = [];
  const fromConfig = args.length === 0 && config !== null;
  const entries = fromConfig ? config.databases : args;
  for (const entry of entries) {
    const list = fromConfig ? expandDatabases([entry], config.dir, 'relative-to-cwd', cwd) : expandDatabases([entry], cwd, 'as-given', cwd);
    targets.push(...list.paths, ...list.unmatched);
  }
  // The same file named twice (or through a link) is audited once, under the first spelling.
  return dedupeByFile(targets, cwd);
}
