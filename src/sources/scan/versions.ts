/**
 * The version of each stack's package, from the project's lockfiles or requirements (read as data: JSON,
 * TOML, go.mod and requirements lines), never from an installed package and never by running anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { Stack } from '../../core/model.js';

const PACKAGES: Partial<Record<Stack, { npm?: string; pypi?: string; go?: string; composer?: string; gem?: string }>> = {
  laravel: { composer: 'laravel/framework' },
  prisma: { npm: '@prisma/client' },
  rails: { gem: 'rails' },
  django: { pypi: 'django' },
  sqlalchemy: { pypi: 'sqlalchemy' },
  peewee: { pypi: 'peewee' },
  'better-sqlite3': { npm: 'better-sqlite3' },
  'node-sqlite3': { npm: 'sqlite3' },
  knex: { npm: 'knex' },
  sequelize: { npm: 'sequelize' },
  drizzle: { npm: 'drizzle-orm' },
  go: { go: 'github.com/mattn/go-sqlite3' },
};

const read = (path: string): string | null => {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
};

/** Finds a stack's version in the folder `dir` (the scanned root), or null. */
export function stackVersion(root: string, stack: Stack): { value: string; from: string } | null {
  const p = PACKAGES[stack];
  if (!p) return null;
  if (p.npm) {
    const lock = read(join(root, 'package-lock.json'));
    if (lock) {
      try {
        const v = (JSON.parse(lock) as { packages?: Record<string, { version?: string }> }).packages?.[`node_modules/${p.npm}`]?.version;
        if (v) return { value: v, from: 'package-lock.json' };
      } catch {
        // not JSON: fall through to package.json
      }
    }
    const pkg = read(join(root, 'package.json'));
    if (pkg) {
      try {
        const j = JSON.parse(pkg) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
        const v = j.dependencies?.[p.npm] ?? j.devDependencies?.[p.npm];
        if (v) return { value: v, from: 'package.json (range)' };
      } catch {
        return null;
      }
    }
  }
  if (p.pypi) {
    const req = read(join(root, 'requirements.txt'));
    for (const line of (req ?? '').split('\n')) {
      const [name, version] = line.split('#')[0]!.trim().split(/==|~=|>=/);
      if (name && version && name.trim().toLowerCase() === p.pypi) return { value: version.trim(), from: 'requirements.txt' };
    }
    const pyproject = read(join(root, 'pyproject.toml'));
    if (pyproject) {
      try {
        const t = parseToml(pyproject) as { project?: { dependencies?: string[] }; tool?: { poetry?: { dependencies?: Record<string, unknown> } } };
        const dep = t.project?.dependencies?.find((d) => d.toLowerCase().startsWith(p.pypi!));
        if (dep) return { value: dep.slice(p.pypi.length).trim(), from: 'pyproject.toml (range)' };
        const poetry = Object.entries(t.tool?.poetry?.dependencies ?? {}).find(([k]) => k.toLowerCase() === p.pypi);
        if (poetry && typeof poetry[1] === 'string') return { value: poetry[1], from: 'pyproject.toml (range)' };
      } catch {
        return null;
      }
    }
  }
  if (p.composer) {
    const lock = read(join(root, 'composer.lock'));
    if (lock) {
      try {
        const v = (JSON.parse(lock) as { packages?: { name?: string; version?: string }[] }).packages?.find((x) => x.name === p.composer)?.version;
        if (v) return { value: v, from: 'composer.lock' };
      } catch {
        return null;
      }
    }
  }
  if (p.gem) {
    // Gemfile.lock lists each gem as "    name (version)" under specs:.
    for (const line of (read(join(root, 'Gemfile.lock')) ?? '').split('\n')) {
      const t = line.trim();
      if (line.startsWith('    ') && !line.startsWith('     ') && t.startsWith(`${p.gem} (`) && t.endsWith(')')) return { value: t.slice(p.gem.length + 2, -1), from: 'Gemfile.lock' };
    }
  }
  if (p.go) {
    const mod = read(join(root, 'go.mod'));
    for (const line of (mod ?? '').split('\n')) {
      const parts = line.trim().replace(/^require\s+/, '').split(/\s+/);
      if (parts[0] === p.go && parts[1]) return { value: parts[1], from: 'go.mod' };
    }
  }
  return null;
}
