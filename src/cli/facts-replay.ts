/** --save-facts / --from-facts for a command: flag checks, writing and reading the facts file (facts-file.ts), the replayed settings. */
import { resolve as resolvePath } from 'node:path';
import type { Io } from './io.js';
import { escapeControl } from '../core/escape.js';
import type { AppSettings } from '../core/facts.js';
import type { Report, Stack } from '../core/model.js';
import type { ThresholdOverrides } from '../core/runner.js';
import { mergeApp, mergeThresholds } from './config.js';
import { type FactsCommand, type FactsFile, FactsFileError, type SavedSettings, factsFileText, readFactsFile } from './facts-file.js';
import { OutputRefused, writeReportFile } from './output-file.js';
import { type OutputOptions, checkOutputTarget } from './report-output.js';

export interface FactsFlags {
  saveFacts?: string;
  fromFacts?: string;
}

/**
 * False (after one line on stderr) when --from-facts is combined with something it cannot honour: database
 * arguments, a config file, or a flag that gathers or writes (`conflicts`, by flag name).
 */
export function checkReplayFlags(opts: FactsFlags & { config?: string }, args: readonly string[], conflicts: readonly string[], io: Io): boolean {
  if (!opts.fromFacts) return true;
  const problem =
    args.length > 0
      ? `names the databases itself: give no database (got ${escapeControl(args[0]!)})`
      : opts.config !== undefined
        ? 'carries the settings that were in force: --config is not read (give a flag to override one setting)'
        : opts.saveFacts !== undefined
          ? 'cannot be combined with --save-facts (copy the file instead)'
          : conflicts.length > 0
            ? `reads no database: ${conflicts[0]} cannot be combined with it`
            : null;
  if (problem === null) return true;
  io.stderr(`lockscope: --from-facts ${problem}\n`);
  return false;
}

/** False (after one line on stderr) when --save-facts may not be written: the rules of --output, and not the --output file itself. */
export function checkSaveFactsTarget(opts: FactsFlags & Pick<OutputOptions, 'output'>, databases: readonly string[], io: Io): boolean {
  if (!opts.saveFacts) return true;
  if (opts.output !== undefined && resolvePath(io.cwd, opts.output) === resolvePath(io.cwd, opts.saveFacts)) {
    io.stderr(`lockscope: refusing --save-facts ${escapeControl(opts.saveFacts)}: it is also the --output file; nothing was written
`);
    return false;
  }
  return checkOutputTarget({ output: opts.saveFacts }, databases, io, '--save-facts');
}

/** Writes the facts file for `report` (never onto a database, its side files or SQLite content). False when it could not be written. */
export function saveFactsFile(file: string, command: FactsCommand, report: Report, settings: SavedSettings, io: Io): boolean {
  const databases = report.databases.map((db) => db.path);
  try {
    writeReportFile(file, factsFileText(command, report.databases, settings), databases, io.cwd);
    const n = report.databases.length;
    io.stderr(`lockscope: saved the facts of ${n} database${n === 1 ? '' : 's'} to ${escapeControl(file)} (replay: lockscope ${command} --from-facts ${escapeControl(file)})\n`);
    return true;
  } catch (err) {
    if (err instanceof OutputRefused) {
      io.stderr(`lockscope: refusing --save-facts ${escapeControl(file)}: ${escapeControl(err.message)}; nothing was written\n`);
      return false;
    }
    const e = err as NodeJS.ErrnoException;
    io.stderr(`lockscope: cannot write ${escapeControl(e.path ?? file)}: ${e.code ?? e.message}\n`);
    return false;
  }
}

/** Reads --from-facts; null after one line on stderr when the file is missing, unreadable or not a facts file of `command`. */
export function loadFactsFile(file: string, command: FactsCommand, io: Io): FactsFile | null {
  try {
    return readFactsFile(file, io.cwd, command);
  } catch (err) {
    if (!(err instanceof FactsFileError)) throw err;
    io.stderr(`lockscope: ${err.message}\n`);
    return null;
  }
}

/**
 * Runs a replay's checks and rendering: facts whose shape the renderers cannot read (a hand-edited or
 * truncated file) end in one line naming the file and exit 2, not in a bare TypeError. Nothing has been
 * written when it throws: the report is rendered before it is written.
 */
export function replayStep<T>(file: string, io: Io, step: () => T): T | null {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof TypeError || err instanceof RangeError)) throw err;
    io.stderr(`lockscope: --from-facts ${escapeControl(file)}: the facts are not in the shape this lockscope reads (${escapeControl(err.message)})\n`);
    return null;
  }
}

/** The settings a saved database is replayed with: the saved ones, each replaced by the flag of the same setting when given. */
export function replaySettings(saved: SavedSettings, flags: { app: AppSettings; stack?: Stack; threshold?: ThresholdOverrides }): SavedSettings {
  return {
    app: mergeApp(saved.app, flags.app),
    stack: flags.stack ?? saved.stack,
    thresholds: mergeThresholds(saved.thresholds, flags.threshold),
    severity: saved.severity,
  };
}
