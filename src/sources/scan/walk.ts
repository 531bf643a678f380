/**
 * The files `lockscope scan` reads: a walk of the tree that never follows a symbolic link, skips dependency,
 * VCS, vendored and generated folders by name, honours each folder's .gitignore (the `ignore` package, the
 * matcher eslint uses, implements git's rules), and skips huge and binary files, counting each kind.
 */
import { type Dirent, closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Folders never scanned: dependencies, VCS data, virtualenvs, caches, build output. */
export const SKIP_DIRS = new Set([
  'node_modules', '.git', '.hg', '.svn', 'vendor', 'bower_components', '.venv', 'venv', 'env', '__pycache__', '.tox', '.mypy_cache',
  '.pytest_cache', 'dist', 'build', 'out', 'coverage', '.next', '.nuxt', '.cache', 'target', '.terraform', 'site-packages', '.bundle', 'tmp',
]);
/** Folders whose code does not run in production: searched for nothing (counted). */
export const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'spec', 'specs', 'migrations', 'testdata']);
const TEST_FILE = /(^test_.*\.py$|_test\.py$|_test\.go$|\.(test|spec)\.[cm]?[jt]sx?$|_spec\.rb$|_test\.rb$)/;

export const MAX_FILE_BYTES = 1024 * 1024;

/** The file kinds scan parses, by extension or name. */
export type FileKind = 'python' | 'javascript' | 'typescript' | 'tsx' | 'go' | 'ruby' | 'php' | 'yaml' | 'env' | 'prisma' | 'toml';

export function kindOf(name: string): FileKind | null {
  if (name === '.env' || name.startsWith('.env.')) return 'env';
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  switch (ext) {
    case 'py':
      return 'python';
    case 'js':
    case 'mjs':
    case 'cjs':
    case 'jsx':
      return 'javascript';
    case 'ts':
    case 'mts':
    case 'cts':
      return name.endsWith('.d.ts') ? null : 'typescript';
    case 'tsx':
      return 'tsx';
    case 'go':
      return 'go';
    case 'rb':
      return 'ruby';
    case 'php':
      return 'php';
    case 'yml':
    case 'yaml':
      return 'yaml';
    case 'prisma':
      return 'prisma';
    case 'toml':
      return 'toml';
    default:
      return null;
  }
}

export interface WalkedFile {
  /** Path relative to the root, '/'-separated. */
  rel: string;
  abs: string;
  kind: FileKind;
  text: string;
}

export interface WalkCounts {
  skippedLarge: number;
  skippedBinary: number;
  skippedSymlinks: number;
  skippedDirs: number;
  skippedTestFiles: number;
  bytes: number;
}

function isBinary(abs: string): boolean {
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.alloc(8192);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

/** Every file of a kind scan parses under `root`, read once; the counts of what was skipped and why. */
export function* walk(root: string, counts: WalkCounts, signal?: AbortSignal): Generator<WalkedFile> {
  const stack: { dir: string; rules: { base: string; ig: Ignore }[] }[] = [{ dir: root, rules: [] }];
  while (stack.length > 0) {
    if (signal?.aborted) return;
    const { dir, rules: parentRules } = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    let rules = parentRules;
    if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
      try {
        rules = [...parentRules, { base: dir, ig: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }];
      } catch {
        // an unreadable .gitignore ignores nothing
      }
    }
    const ignored = (abs: string, isDir: boolean) =>
      rules.some(({ base, ig }) => {
        const rel = relative(base, abs).split(sep).join('/');
        return rel !== '' && ig.ignores(isDir ? `${rel}/` : rel);
      });
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const files: WalkedFile[] = [];
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.isSymbolicLink()) {
        counts.skippedSymlinks += 1;
        continue;
      }
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || ignored(abs, true)) {
          counts.skippedDirs += 1;
          continue;
        }
        if (TEST_DIRS.has(e.name)) {
          counts.skippedTestFiles += 1;
          continue;
        }
        stack.push({ dir: abs, rules });
        continue;
      }
      if (!e.isFile()) continue;
      const kind = kindOf(e.name);
      if (!kind) continue;
      if (ignored(abs, false) && kind !== 'env') continue;
      if (TEST_FILE.test(e.name)) {
        counts.skippedTestFiles += 1;
        continue;
      }
      let size: number;
      try {
        size = statSync(abs).size;
      } catch {
        continue;
      }
      if (size > MAX_FILE_BYTES) {
        counts.skippedLarge += 1;
        continue;
      }
      try {
        if (isBinary(abs)) {
          counts.skippedBinary += 1;
          continue;
        }
        const text = readFileSync(abs, 'utf8');
        counts.bytes += size;
        files.push({ rel: relative(root, abs).split(sep).join('/'), abs, kind, text });
      } catch {
        continue;
      }
    }
    files.reverse();
    yield* files;
  }
}
