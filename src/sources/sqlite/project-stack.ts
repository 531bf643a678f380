/**
 * The app's stack, read from the project around a database: its manifests (package.json, requirements*.txt,
 * pyproject.toml, Pipfile, setup.py, go.mod, Gemfile, composer.json). The one detector: `lockscope init` writes
 * what it finds, and audit, locks and stress pick the fixes they show with it when no stack is declared.
 *
 * It is a guess from what the project depends on, never a declaration: a detected stack chooses which fixes are
 * shown, and does not stand in for undeclared settings in a verdict (README "Stack detection").
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Stack } from '../../core/model.js';

export interface DetectedStack {
  stack: Stack;
  /** The manifest that named it (absolute path). */
  file: string;
  /** Why, in a few words: "depends on drizzle-orm". */
  because: string;
}

/** Manifests are small; anything larger, or not a regular file (a FIFO would block a read), is not read. */
const MANIFEST_MAX_BYTES = 1024 * 1024;

function readManifest(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MANIFEST_MAX_BYTES) return null;
    const buf = Buffer.alloc(st.size);
    let length = 0;
    for (let n = 1; n > 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, length);
    return buf.subarray(0, length).toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * npm packages → stack, ORMs before the drivers they run on: the ORM decides when transactions begin
 * (src/sources/sqlite/stacks.ts), so drizzle-orm over better-sqlite3 is drizzle.
 */
const NODE_PACKAGES: readonly [string, Stack][] = [
  ['@prisma/client', 'prisma'],
  ['prisma', 'prisma'],
  ['drizzle-orm', 'drizzle'],
  ['sequelize', 'sequelize'],
  ['knex', 'knex'],
  ['better-sqlite3', 'better-sqlite3'],
  ['sqlite3', 'node-sqlite3'],
];

function fromPackageJson(text: string): { stack: Stack; because: string } | null {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  // The app's runtime dependencies only: devDependencies are test and build tools (a CLI's own test suite
  // may depend on every driver), so they would name a stack the app does not run.
  for (const field of ['dependencies', 'optionalDependencies']) {
    const deps = pkg[field];
    if (!deps || typeof deps !== 'object') continue;
    for (const [name, stack] of NODE_PACKAGES) if (name in deps) return { stack, because: `${field} has ${name}` };
  }
  return null;
}

/**
 * A Python requirement: the package name at the start of a line (requirements, Pipfile, Poetry's
 * `django = "^4"`) or as a quoted list entry (PEP 621 `dependencies = ["django>=4"]`); any case, any extras.
 */
const requirement = (name: string) => new RegExp(`(?:^|["'\\[,])\\s*${name}\\b`, 'im');
const PYTHON_PACKAGES: readonly [RegExp, Stack, string][] = [
  [requirement('django'), 'django', 'django'],
  [requirement('sqlalchemy'), 'sqlalchemy', 'sqlalchemy'],
  [requirement('peewee'), 'peewee', 'peewee'],
];

/** One directory's manifests; undefined when none names a SQLite stack. */
export function detectStackIn(dir: string): DetectedStack | undefined {
  const pkgFile = join(dir, 'package.json');
  const pkg = readManifest(pkgFile);
  const node = pkg === null ? null : fromPackageJson(pkg);
  if (node) return { ...node, file: pkgFile };

  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const python = names.filter((n) => /^requirements.*\.txt$/.test(n) || ['pyproject.toml', 'Pipfile', 'setup.py'].includes(n)).sort();
  for (const [pattern, stack, name] of PYTHON_PACKAGES) {
    for (const n of python) {
      if (pattern.test(readManifest(join(dir, n)) ?? '')) return { stack, file: join(dir, n), because: `lists ${name}` };
    }
  }
  if (python.length > 0) return { stack: 'python', file: join(dir, python[0]!), because: 'a Python project (no Django, SQLAlchemy or peewee listed)' };

  const goMod = join(dir, 'go.mod');
  const go = /\b(github\.com\/mattn\/go-sqlite3|modernc\.org\/sqlite)\b/.exec(readManifest(goMod) ?? '');
  if (go) return { stack: 'go', file: goMod, because: `requires ${go[1]}` };

  const gemfile = join(dir, 'Gemfile');
  if (/^\s*gem\s+["']rails["']/m.test(readManifest(gemfile) ?? '')) return { stack: 'rails', file: gemfile, because: 'has gem "rails"' };

  const composer = join(dir, 'composer.json');
  if (/"laravel\/framework"\s*:/.test(readManifest(composer) ?? '')) return { stack: 'laravel', file: composer, because: 'requires laravel/framework' };
  return undefined;
}

/**
 * The first directory from `start` upwards whose manifests name a stack, up to the project's root: the
 * directory holding `.git` (included), or the filesystem root.
 */
export function detectStackAbove(start: string): DetectedStack | undefined {
  let dir = resolve(start);
  for (;;) {
    const found = detectStackIn(dir);
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir || existsSync(join(dir, '.git'))) return undefined;
    dir = parent;
  }
}

/** What the project around the databases (else the current directory) says the stack is. */
export type StackDetection =
  | { kind: 'detected'; detected: DetectedStack }
  /** Databases in projects of different stacks: no one stack's fixes fit them all. */
  | { kind: 'conflict'; detections: readonly DetectedStack[] }
  | { kind: 'none' };

export function detectProjectStack(databases: readonly string[], cwd: string): StackDetection {
  const found: DetectedStack[] = [];
  for (const db of databases) {
    const d = detectStackAbove(dirname(resolve(cwd, db)));
    if (d && !found.some((f) => f.file === d.file)) found.push(d);
  }
  if (found.length === 0) {
    const here = detectStackAbove(cwd);
    if (here) found.push(here);
  }
  if (found.length === 0) return { kind: 'none' };
  if (new Set(found.map((f) => f.stack)).size > 1) return { kind: 'conflict', detections: found };
  return { kind: 'detected', detected: found[0]! };
}
