/** Turns command-line arguments or the config's `databases` into the list of paths to audit. */
import * as fs from 'node:fs';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import type { DatabaseReport } from '../../core/model.js';

export interface DatabaseList {
  paths: string[];
  /** Patterns that matched nothing: reported as that entry's error, the others still run. */
  unmatched: DatabaseReport[];
}

/**
 * Bounds of one glob's walk. A pattern such as `/**\/*.sqlite` would otherwise crawl the whole machine
 * (network mounts included) before the audit starts. The environment variables exist so tests can use
 * small bounds; they are documented in the README.
 */
export const GLOB_MAX_ENTRIES = 200_000;
export const GLOB_MAX_MS = 10_000;

/** Kernel pseudo-filesystems: never databases, and /proc alone has thousands of self-referencing entries. */
const PSEUDO_TREES = ['/proc', '/sys', '/dev'];

/** A glob that went past its bounds: the command stops with this one line (exit 2). */
export class GlobLimitError extends Error {}

function envLimit(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function inTree(path: string, tree: string): boolean {
  return path === tree || path.startsWith(`${tree}/`);
}

/** The leading directories of an absolute pattern that hold no glob character: where the walk starts. */
function staticBase(absPattern: string): string {
  const parts = absPattern.split('/');
  const base: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (isDynamicPattern(part)) break;
    base.push(part);
  }
  return base.join('/') || '/';
}

function deviceOf(path: string): number | null {
  try {
    return statSync(path).dev;
  } catch {
    return null;
  }
}

/**
 * Expands one glob with a bounded walk: /proc, /sys and /dev are not entered (unless the pattern starts
 * inside one of them), and the walk stops with GlobLimitError after `maxEntries` directory entries or
 * `maxMs`. Symbolic links are followed; a link back to a directory already being walked is followed once
 * (fdir's recursive-symlink check), so a loop ends.
 */
function boundedGlob(pattern: string, baseDir: string, env: NodeJS.ProcessEnv): string[] {
  const maxEntries = envLimit(env, 'LOCKSCOPE_GLOB_MAX_ENTRIES', GLOB_MAX_ENTRIES);
  const maxMs = envLimit(env, 'LOCKSCOPE_GLOB_MAX_MS', GLOB_MAX_MS);
  const base = staticBase(isAbsolute(pattern) ? pattern : resolve(baseDir, pattern));
  const skipTrees = PSEUDO_TREES.filter((t) => !inTree(base, t));
  // A directory reached through a symlink keeps its link path: compare devices too.
  const skipDevices = new Set(skipTrees.map(deviceOf).filter((d): d is number => d !== null));
  const started = Date.now();
  let entries = 0;
  let stopped: 'entries' | 'time' | null = null;
  const readdirSync = ((path: fs.PathLike, options?: unknown) => {
    if (stopped) return [];
    const dir = String(path);
    const abs = resolve(baseDir, dir);
    if (skipTrees.some((t) => inTree(abs, t))) return [];
    const dev = deviceOf(abs);
    if (dev !== null && skipDevices.has(dev)) return [];
    const list = fs.readdirSync(path, options as { withFileTypes: true });
    entries += list.length;
    if (entries > maxEntries) stopped = 'entries';
    else if (Date.now() - started > maxMs) stopped = 'time';
    return stopped ? [] : list;
  }) as typeof fs.readdirSync;
  const matches = globSync(pattern, {
    cwd: baseDir,
    absolute: true,
    onlyFiles: true,
    dot: false,
    ignore: ['**/node_modules/**'],
    fs: { readdirSync },
  });
  if (stopped) {
    const bound = stopped === 'entries' ? `visited more than ${maxEntries.toLocaleString('en-US')} entries` : `ran for more than ${maxMs / 1000} s`;
    throw new GlobLimitError(
      `${pattern}: the pattern ${bound} under ${base} without finishing; start it from the directory the databases are in (e.g. /srv/app/data/*.db) or name the files`,
    );
  }
  return matches;
}

/**
 * A walk that follows a symlink back into its own tree meets the same file under a longer name
 * (`dir/up/dir/x.db`): keep the shortest name of each file (device and inode).
 */
function shortestSpellings(matches: readonly string[]): string[] {
  const byFile = new Map<string, string>();
  for (const m of matches) {
    let key = m;
    try {
      const st = statSync(m, { bigint: true });
      key = `${st.dev}:${st.ino}`;
    } catch {
      // Gone since the walk: keep it under its own name; the audit reports it as missing.
    }
    const kept = byFile.get(key);
    if (kept === undefined || m.length < kept.length || (m.length === kept.length && m < kept)) byFile.set(key, m);
  }
  return [...byFile.values()];
}

/**
 * Each entry is a path or a glob. An existing file is taken as is (even if its name has glob characters);
 * a glob is expanded relative to `baseDir` and its matches sorted; a plain path that does not exist is kept,
 * so the audit reports it as missing.
 */
export function expandDatabases(
  entries: readonly string[],
  baseDir: string,
  display: 'as-given' | 'relative-to-cwd',
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): DatabaseList {
  const paths: string[] = [];
  const unmatched: DatabaseReport[] = [];
  const show = (abs: string) => (display === 'as-given' ? abs : relative(cwd, abs) || abs);
  for (const entry of entries) {
    const abs = isAbsolute(entry) ? entry : resolve(baseDir, entry);
    if (existsSync(abs) || !isDynamicPattern(entry)) {
      paths.push(display === 'as-given' ? entry : show(abs));
      continue;
    }
    const matches = shortestSpellings(boundedGlob(entry, baseDir, env).filter((m) => !/-(wal|shm|journal)$/.test(m))).sort();
    if (matches.length === 0) {
      unmatched.push({ path: entry, error: { code: 'NO_MATCH', message: `${entry}: no file matches this pattern` } });
      continue;
    }
    for (const m of matches) paths.push(display === 'as-given' ? (isAbsolute(entry) ? m : relative(cwd, m) || m) : show(m));
  }
  return { paths: [...new Set(paths)], unmatched };
}

/**
 * One spelling per file: `a.db`, `./a.db`, `/abs/a.db`, a symlink to it and a hard link to it are the same
 * file (same device and inode) and are audited once, under the spelling met first. A path that does not
 * exist is keyed by its absolute path, so it is still reported (once) as missing.
 */
export function dedupeByFile<T extends string | DatabaseReport>(targets: readonly T[], cwd: string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const t of targets) {
    if (typeof t !== 'string') {
      out.push(t);
      continue;
    }
    const abs = resolve(cwd, t);
    let key: string;
    try {
      const st = statSync(abs, { bigint: true });
      key = `${st.dev}:${st.ino}`;
    } catch {
      key = `path:${abs.split(sep).join('/')}`;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}
