/** Turns command-line arguments or the config's `databases` into the list of paths to audit. */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import type { DatabaseReport } from './model.js';

export interface DatabaseList {
  paths: string[];
  /** Patterns that matched nothing: reported as that entry's error, the others still run. */
  unmatched: DatabaseReport[];
}

/**
 * Each entry is a path or a glob. An existing file is taken as is (even if its name has glob characters);
 * a glob is expanded relative to `baseDir` and its matches sorted; a plain path that does not exist is kept,
 * so the audit reports it as missing.
 */
export function expandDatabases(entries: readonly string[], baseDir: string, display: 'as-given' | 'relative-to-cwd', cwd: string): DatabaseList {
  const paths: string[] = [];
  const unmatched: DatabaseReport[] = [];
  const show = (abs: string) => (display === 'as-given' ? abs : relative(cwd, abs) || abs);
  for (const entry of entries) {
    const abs = isAbsolute(entry) ? entry : resolve(baseDir, entry);
    if (existsSync(abs) || !isDynamicPattern(entry)) {
      paths.push(display === 'as-given' ? entry : show(abs));
      continue;
    }
    const matches = globSync(entry, { cwd: baseDir, absolute: true, onlyFiles: true, dot: false, ignore: ['**/node_modules/**'] })
      .filter((m) => !/-(wal|shm|journal)$/.test(m))
      .sort();
    if (matches.length === 0) {
      unmatched.push({ path: entry, error: { code: 'NO_MATCH', message: `${entry}: no file matches this pattern` } });
      continue;
    }
    for (const m of matches) paths.push(display === 'as-given' ? (isAbsolute(entry) ? m : relative(cwd, m) || m) : show(m));
  }
  return { paths: [...new Set(paths)], unmatched };
}
