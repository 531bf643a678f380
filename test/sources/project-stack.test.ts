/**
 * The stack detector (src/sources/sqlite/project-stack.ts) on real project trees: which manifest names which
 * stack, ORMs over their drivers, the walk up from the database's folder and from the current directory to
 * the project root, and what it refuses to read.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProjectStack, detectStackAbove, detectStackIn } from '../../src/sources/sqlite/project-stack.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

function project(files: Record<string, string>): string {
  const dir = scratch.tempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('detectStackIn: one directory', () => {
  it.each([
    // The ORM wins over the driver it runs on: the ORM decides when transactions begin.
    ['package.json', '{"dependencies":{"better-sqlite3":"12","drizzle-orm":"0.45"}}', 'drizzle', 'dependencies has drizzle-orm'],
    ['package.json', '{"dependencies":{"sqlite3":"6","sequelize":"6"}}', 'sequelize', 'dependencies has sequelize'],
    ['package.json', '{"dependencies":{"better-sqlite3":"12","knex":"3"}}', 'knex', 'dependencies has knex'],
    ['package.json', '{"dependencies":{"@prisma/client":"6"}}', 'prisma', 'dependencies has @prisma/client'],
    ['package.json', '{"dependencies":{"better-sqlite3":"12"}}', 'better-sqlite3', 'dependencies has better-sqlite3'],
    ['package.json', '{"optionalDependencies":{"sqlite3":"6"}}', 'node-sqlite3', 'optionalDependencies has sqlite3'],
    ['requirements.txt', 'peewee==3.17\n', 'peewee', 'lists peewee'],
    ['requirements-prod.txt', 'gunicorn\nDjango>=5.1\n', 'django', 'lists django'],
    ['pyproject.toml', '[project]\ndependencies = ["fastapi", "SQLAlchemy>=2"]\n', 'sqlalchemy', 'lists sqlalchemy'],
    ['Pipfile', '[packages]\nflask = "*"\n', 'python', 'a Python project (no Django, SQLAlchemy or peewee listed)'],
    ['go.mod', 'module x\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n', 'go', 'requires github.com/mattn/go-sqlite3'],
    ['go.mod', 'module x\n\nrequire modernc.org/sqlite v1.30.0\n', 'go', 'requires modernc.org/sqlite'],
    ['Gemfile', 'source "https://rubygems.org"\ngem "rails", "~> 8.0"\ngem "sqlite3"\n', 'rails', 'has gem "rails"'],
    ['composer.json', '{"require":{"laravel/framework":"^12.0"}}', 'laravel', 'requires laravel/framework'],
  ])('%s %j → %s', (file, content, stack, because) => {
    const dir = project({ [file]: content });
    expect(detectStackIn(dir)).toEqual({ stack, file: join(dir, file), because });
  });

  it.each([
    // devDependencies are test and build tools, not the app's driver.
    ['package.json', '{"devDependencies":{"better-sqlite3":"12"}}'],
    ['package.json', '{"dependencies":{"pg":"8"}}'],
    ['package.json', '{ not json'],
    ['go.mod', 'module x\n\nrequire github.com/lib/pq v1.10.9\n'],
    ['Gemfile', 'gem "sinatra"\ngem "sqlite3"\n'],
    ['composer.json', '{"require":{"symfony/framework-bundle":"^7"}}'],
    ['README.md', 'uses django'],
  ])('%s %j → nothing', (file, content) => {
    expect(detectStackIn(project({ [file]: content }))).toBeUndefined();
  });

  it('a FIFO named package.json is not read (the detector never blocks on it)', () => {
    const dir = scratch.tempDir();
    execFileSync('mkfifo', [join(dir, 'package.json')]);
    writeFileSync(join(dir, 'requirements.txt'), 'django\n');
    expect(detectStackIn(dir)?.stack).toBe('django');
  });
});

describe('detectStackAbove / detectProjectStack: the walk to the project root', () => {
  it("walks up from the database's folder to the manifest", () => {
    const dir = project({ 'package.json': '{"dependencies":{"better-sqlite3":"12"}}', 'var/data/app.db': '' });
    expect(detectStackAbove(join(dir, 'var', 'data'))?.file).toBe(join(dir, 'package.json'));
  });

  it('stops at the directory holding .git: a manifest above the project root is not the project', () => {
    const dir = project({ 'package.json': '{"dependencies":{"better-sqlite3":"12"}}', 'repo/.git/HEAD': 'ref: refs/heads/main\n', 'repo/data/app.db': '' });
    expect(detectStackAbove(join(dir, 'repo', 'data'))).toBeUndefined();
  });

  it("the database's project first, then the current directory's", () => {
    const dir = project({ 'app/requirements.txt': 'django\n', 'app/db.sqlite3': '', 'tool/package.json': '{"dependencies":{"knex":"3"}}' });
    const fromDb = detectProjectStack([join(dir, 'app', 'db.sqlite3')], join(dir, 'tool'));
    expect(fromDb).toMatchObject({ kind: 'detected', detected: { stack: 'django' } });
    const fromCwd = detectProjectStack([join(dir, 'elsewhere.db')], join(dir, 'tool'));
    expect(fromCwd).toMatchObject({ kind: 'detected', detected: { stack: 'knex' } });
  });

  it('databases in projects of different stacks: a conflict, not a pick', () => {
    const dir = project({ 'a/requirements.txt': 'django\n', 'b/go.mod': 'require github.com/mattn/go-sqlite3 v1\n' });
    const d = detectProjectStack([join(dir, 'a', 'x.db'), join(dir, 'b', 'y.db')], dir);
    expect(d.kind).toBe('conflict');
  });
});
