/** `lockscope init`: writes a commented starting lockscope.config.json for the project in the current directory. */
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import busyTimeout from '../../../checks/busy-timeout.js';
import { globSync } from 'tinyglobby';
import type { Io } from '../io.js';
import { CONFIG_FILE, parseConfig } from '../config.js';
import { STACKS } from '../../core/model.js';
import { type DetectedStack, detectStackAbove } from '../../sources/sqlite/project-stack.js';
import { describeOrigin } from '../../core/model.js';
import { type Discovered, discoverApp } from '../app-discover.js';

/** SQLite databases under `dir` (by extension, not opened), for the starting `databases` list. */
export function findDatabases(dir: string): string[] {
  return globSync(['**/*.{db,sqlite,sqlite3}'], { cwd: dir, onlyFiles: true, deep: 4, ignore: ['**/node_modules/**', '**/.git/**', '**/dist/**'] }).sort();
}

/**
 * The starting config: only what init found (the databases on disk, the stack its manifests name) is set;
 * everything else is a commented example to fill in. An example value set for the user would be a setting the
 * app never declared, and the first audit would judge it (a busy timeout "declared" at 5000 ms passes).
 * The detected stack is written commented out too: declared, a stack's defaults stand in for undeclared
 * settings in verdicts, and a guess from a manifest must not decide a verdict (audit detects it anyway to
 * pick the fixes it shows).
 */
export function starterConfig(databases: readonly string[], detected: DetectedStack | undefined, dir: string, found: Omit<Discovered, 'facts'> | null = null): string {
  const lines = [
    '{',
    '  // lockscope configuration: https://github.com/lockscope/lockscope#configuration',
    '  // Comments are allowed. Command-line flags override what is set here.',
    '',
    '  // Databases to audit when none is named on the command line: paths or globs, relative to this file.',
  ];
  if (databases.length > 0) lines.push(`  "databases": [${databases.map((d) => JSON.stringify(d)).join(', ')}],`);
  else lines.push('  // None found here (*.db, *.sqlite, *.sqlite3, 4 levels deep). Example:', '  // "databases": ["data/app.db"],');
  lines.push('');
  if (found) {
    // The scan found connection sites: the settings they give are read from the code at each audit, with their
    // file and line; nothing is copied here (the code stays the one place they are written).
    lines.push("  // How the app connects, read from its code and config at each audit (lockscope scan):");
    for (const key of ['busyTimeoutMs', 'transactionMode', 'synchronous'] as const) {
      const value = found.app[key];
      if (value !== undefined) lines.push(`  //   ${key}: ${JSON.stringify(value)}${key === 'busyTimeoutMs' ? ' ms' : ''}, ${describeOrigin(found.app.origins?.[key])}`);
      else if (found.conflicts[key]) lines.push(`  //   ${key}: ${found.conflicts[key]}: declare the one in force below`);
      else lines.push(`  //   ${key}: not found in the code: not known unless declared below`);
    }
    lines.push('  "app": {', '    "discover": "."', '    // Declared values win over the code\'s, e.g. "writers": 4', '  },', '');
  }
  if (!found) {
    lines.push(
      "  // How the app connects: per-connection settings lockscope cannot read from the file. Declare the values",
      '  // the app really uses (an undeclared setting is reported as not known, never assumed). Examples:',
      '  // "app": {',
      '  //   "busyTimeoutMs": 5000,          // PRAGMA busy_timeout / the driver\'s timeout option',
      '  //   "transactionMode": "immediate", // deferred | immediate | exclusive: how write transactions begin',
      '  //   "synchronous": "normal",        // off | normal | full | extra',
      '  //   "writers": 4                    // connections that write at the same time',
      '  // },',
      '',
    );
  }
  lines.push(
    '  // Per-check thresholds (see `lockscope checks`); sizes and durations accept units. Example:',
    `  // "thresholds": { "busy-timeout": { "minMs": ${busyTimeout.thresholds.minMs.default} } },`,
    '',
    '  // Per-check severity: off | info | warn | fail. Example: make a warning fail the CI gate:',
    '  // "checks": { "journal-mode": "fail" },',
    '',
  );
  if (detected) {
    lines.push(
      `  // Stack detected: ${detected.stack} (${relative(dir, detected.file) || detected.file} ${detected.because}); lockscope shows its fixes.`,
      "  // Declaring it lets its verified defaults stand in for undeclared settings, which can change a verdict:",
      `  // "stack": "${detected.stack}"`,
    );
  } else {
    lines.push(
      '  // No stack detected. Your stack: its fixes are shown, and its verified defaults stand in for undeclared',
      `  // settings. One of ${STACKS.slice(0, 8).join(', ')},`,
      `  // ${STACKS.slice(8).join(', ')}. Example:`,
      '  // "stack": "python"',
    );
  }
  lines.push('}', '');
  return lines.join('\n');
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
      const detected = detectStackAbove(io.cwd);
      // What the code says (lockscope scan): the settings it gives are read at each audit (app.discover).
      let found: Discovered | null = null;
      try {
        found = await discoverApp(io.cwd, '.');
      } catch {
        found = null;
      }
      const sites = found?.facts.connections ?? [];
      const text = starterConfig(databases, detected, io.cwd, sites.length > 0 ? found : null);
      parseConfig(text, file); // what init writes must load
      writeFileSync(file, text);
      io.stdout(
        `wrote ${file}\n` +
          `  databases: ${databases.length > 0 ? databases.join(', ') : 'none found (fill in "databases", or name them on the command line)'}\n` +
          `  stack: ${detected ? `${detected.stack}, detected (${relative(io.cwd, detected.file) || detected.file} ${detected.because}); written commented out: uncomment "stack" to declare it` : 'none detected (see "stack" in the file)'}\n` +
          `  code: ${sites.length > 0 ? `${sites.length} connection site(s) found (lockscope scan): "app": { "discover": "." } reads their settings at each audit` : 'no connection site found (lockscope scan)'}\n` +
          `  app settings: none written as values: ${sites.length > 0 ? 'the code gives them; declare any the code does not set' : 'uncomment "app" and set what the app uses'}, then run: lockscope audit\n`,
      );
    });
}
