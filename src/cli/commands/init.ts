/** `lockscope init`: writes a commented starting lockscope.config.json for the project in the current directory. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import busyTimeout from '../../../checks/busy-timeout.js';
import { globSync } from 'tinyglobby';
import type { Io } from '../io.js';
import { CONFIG_FILE, parseConfig } from '../config.js';
import { type Stack, describeOrigin } from '../../core/model.js';
import { type Discovered, discoverApp } from '../app-discover.js';

/** Guesses the app's stack from the project's manifest files; undefined when nothing is recognised. */
export function detectStack(dir: string): Stack | undefined {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const pkg = read('package.json');
  if (/"@prisma\/client"|"prisma"/.test(pkg)) return 'prisma';
  // ORMs before the drivers they run on: the ORM decides when transactions begin (src/sources/sqlite/stacks.ts).
  if (/"drizzle-orm"/.test(pkg)) return 'drizzle';
  if (/"sequelize"/.test(pkg)) return 'sequelize';
  if (/"knex"/.test(pkg)) return 'knex';
  if (/"better-sqlite3"/.test(pkg)) return 'better-sqlite3';
  if (/"sqlite3"/.test(pkg)) return 'node-sqlite3';
  const python = read('requirements.txt') + read('pyproject.toml') + read('Pipfile') + read('setup.py');
  if (/\bdjango\b/i.test(python)) return 'django';
  if (/\bsqlalchemy\b/i.test(python)) return 'sqlalchemy';
  if (/\bpeewee\b/i.test(python)) return 'peewee';
  if (python.length > 0 || existsSync(join(dir, 'manage.py'))) return 'python';
  if (/mattn\/go-sqlite3|modernc\.org\/sqlite/.test(read('go.mod'))) return 'go';
  if (/\brails\b/.test(read('Gemfile'))) return 'rails';
  if (/"laravel\/framework"/.test(read('composer.json'))) return 'laravel';
  return undefined;
}

/** SQLite databases under `dir` (by extension, not opened), for the starting `databases` list. */
export function findDatabases(dir: string): string[] {
  return globSync(['**/*.{db,sqlite,sqlite3}'], { cwd: dir, onlyFiles: true, deep: 4, ignore: ['**/node_modules/**', '**/.git/**', '**/dist/**'] }).sort();
}

/** The `app` block: what the scan of the project found is taken from the code (app.discover), the rest is a placeholder to edit. */
function appBlock(found: Omit<Discovered, 'facts'> | null): string {
  const placeholders: [key: 'busyTimeoutMs' | 'transactionMode' | 'synchronous', line: string][] = [
    ['busyTimeoutMs', '"busyTimeoutMs": 5000          // PRAGMA busy_timeout / the driver\'s timeout option'],
    ['transactionMode', '"transactionMode": "deferred"  // deferred | immediate | exclusive: how write transactions begin'],
    ['synchronous', '"synchronous": "full"          // off | normal | full | extra'],
  ];
  const entries: string[] = [];
  const notes: string[] = [];
  if (found) {
    entries.push('"discover": "."                // read from the app\'s code and config (lockscope scan) at each audit');
  }
  for (const [key, line] of placeholders) {
    const value = found?.app[key];
    if (value !== undefined) notes.push(`// ${key}: from the code, ${JSON.stringify(value)}${key === 'busyTimeoutMs' ? ' ms' : ''} ${describeOrigin(found!.app.origins?.[key])}`);
    else if (found?.conflicts[key]) {
      notes.push(`// ${key}: ${found.conflicts[key]}: declare the one in force`);
      entries.push(line);
    } else entries.push(line);
  }
  entries.push('"writers": 4                    // connections that write at the same time (stress default)');
  return [...notes, ...entries.map((e, i) => (i < entries.length - 1 ? e.replace(/^("[^"]+": ("[^"]*"|\d+))/, '$1,') : e))].map((l) => `    ${l}`).join('\n');
}

export function starterConfig(databases: readonly string[], stack: Stack | undefined, found: Omit<Discovered, 'facts'> | null = null): string {
  const list = databases.length > 0 ? databases.map((d) => JSON.stringify(d)).join(', ') : '"data/app.db"';
  return `{
  // lockscope configuration: https://github.com/lockscope/lockscope#configuration
  // Comments are allowed. Command-line flags override what is set here.

  // Databases to audit when none is named on the command line: paths or globs, relative to this file.
  "databases": [${list}],

  // How the app connects. These are per-connection settings lockscope cannot read from the file:
  // declare what the app really uses, so the checks judge the real set-up.
  "app": {
${appBlock(found)}
  },

  // Per-check thresholds (see \`lockscope checks\`); sizes and durations accept units.
  "thresholds": {
    "busy-timeout": { "minMs": ${busyTimeout.thresholds.minMs.default} }
  },

  // Per-check severity: off | info | warn | fail. Example: make a warning fail the CI gate.
  "checks": {
    "journal-mode": "fail"
  }${stack ? `,

  // Your stack: fixes are shown for it only, and its defaults (busy timeout, when transactions begin) stand in
  // for undeclared app settings, which can change a verdict.
  "stack": "${stack}"` : ''}
}
`;
}

export function registerInit(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('init')
    .description(`write a commented starting ${CONFIG_FILE} for the project in the current directory`)
    .option('--force', `overwrite an existing ${CONFIG_FILE}`)
    .action(async (opts: { force?: boolean }) => {
      const file = join(io.cwd, CONFIG_FILE);
      if (existsSync(file) && !opts.force) {
        io.stderr(`lockscope: ${file} already exists (use --force to overwrite it)\n`);
        return setExit(2);
      }
      const databases = findDatabases(io.cwd);
      // What the code says (lockscope scan): the settings it gives are read at each audit (app.discover).
      let found: Discovered | null = null;
      try {
        found = await discoverApp(io.cwd, '.');
      } catch {
        found = null;
      }
      const sites = found?.facts.connections ?? [];
      const stacks = [...new Set(sites.map((c) => c.stack))];
      const stack = detectStack(io.cwd) ?? (stacks.length === 1 ? stacks[0] : undefined);
      const text = starterConfig(databases, stack, sites.length > 0 ? found : null);
      parseConfig(text, file); // what init writes must load
      writeFileSync(file, text);
      io.stdout(
        `wrote ${file}\n` +
          `  databases: ${databases.length > 0 ? databases.join(', ') : 'none found (edit "databases")'}\n` +
          `  stack: ${stack ?? 'not recognised (all stacks are shown)'}\n` +
          `  code: ${sites.length > 0 ? `${sites.length} connection site(s) found (lockscope scan): app.discover reads their settings at each audit` : 'no connection site found'}\n` +
          `Edit "app" to match how the app connects, then run: lockscope audit\n`,
      );
    });
}
