/** What a command runs on: the command line's entries, or else the config's, resolved by the source the command reads. */
import type { DatabaseReport } from '../core/model.js';
import type { Source, TargetQuery } from '../core/source.js';
import { sourceById } from '../sources/index.js';
import type { LoadedConfig } from './config.js';

/**
 * The command line's paths/globs, or else the config's `databases` (relative to the config file), in order;
 * an entry that names nothing is kept as a report with its error.
 */
export function resolveTargets(args: readonly string[], config: LoadedConfig | null, cwd: string, source: Source = sourceById('sqlite')): (string | DatabaseReport)[] {
  const query: TargetQuery =
    args.length === 0 && config !== null
      ? { entries: config.databases, baseDir: config.dir, display: 'relative-to-cwd', cwd }
      : { entries: args, baseDir: cwd, display: 'as-given', cwd };
  return source.resolveTargets(query).inOrder;
}
