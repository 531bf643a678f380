/** What a command runs on: the command line's entries, or else the config's, resolved by the source the command reads. */
import type { DatabaseReport } from '../core/model.js';
import type { Source, TargetQuery } from '../core/source.js';
import { escapeControl } from '../core/escape.js';
import { sourceFor } from '../sources/index.js';
import type { LoadedConfig } from './config.js';

/**
 * The command line's paths/globs, or else the config's `databases` (relative to the config file), in order;
 * an entry that names nothing is kept as a report with its error.
 */
export function resolveTargets(args: readonly string[], config: LoadedConfig | null, cwd: string): (string | DatabaseReport)[] {
  const base: Omit<TargetQuery, 'entries'> =
    args.length === 0 && config !== null ? { baseDir: config.dir, display: 'relative-to-cwd', cwd } : { baseDir: cwd, display: 'as-given', cwd };
  const entries = args.length === 0 && config !== null ? config.databases : args;
  // Each source resolves its own entries in one query (so it can de-duplicate across them); sources come in
  // the order their first entry was named. An entry no source claims is a report with its error.
  const bySource = new Map<Source, string[]>();
  const unclaimed: DatabaseReport[] = [];
  for (const entry of entries) {
    const source = sourceFor(entry);
    if (!source) {
      unclaimed.push({ path: entry, error: { code: 'NO_SOURCE', message: `${escapeControl(entry)}: lockscope reads no target of this kind (SQLite database paths and globs, postgres:// URLs)` } });
      continue;
    }
    bySource.set(source, [...(bySource.get(source) ?? []), entry]);
  }
  const resolved = [...bySource].flatMap(([source, list]) => source.resolveTargets({ ...base, entries: list }).inOrder);
  return [...resolved, ...unclaimed];
}
