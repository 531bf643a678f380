/** Where a report goes: the chosen format rendered, then stdout or --output (never over SQLite data), the GitHub step summary, stderr errors. */
import { appendFileSync } from 'node:fs';
import { REGISTRY } from '../../checks/index.js';
import type { Io } from './io.js';
import { escapeControl } from '../core/escape.js';
import { loadCatalogue } from '../core/catalogue.js';
import { type DatabaseReport, type Report, type Stack, isFactsOf } from '../core/model.js';
import type { FailOn } from '../core/exit-code.js';
import { type Format, type RenderOptions, formatGithubSummary, isFormat, renderReport } from '../output/index.js';
import { formatLocksText } from '../output/locks-text.js';
import { formatStressText, stressTextSection } from '../output/stress-text.js';
import { isGatherError } from '../core/facts.js';
import { colorLevel, makeStyle } from '../output/style.js';
import { OutputRefused, outputRefusal, ownStreamFd, writeReportFile } from './output-file.js';

export interface OutputOptions {
  json?: boolean;
  format?: string;
  output?: string;
  junitWarnAs?: 'failure' | 'property';
  failOn: FailOn;
  verbose?: boolean;
  stack?: Stack;
}

export function outputFormat(opts: OutputOptions): Format {
  if (opts.json) return 'json';
  return opts.format && isFormat(opts.format) ? opts.format : 'text';
}

/** Renders the report in the chosen format (pure apart from reading the check docs for SARIF rules). */
export function render(report: Report, opts: OutputOptions, io: Io, extraSections?: (db: DatabaseReport) => string[]): string {
  const format = outputFormat(opts);
  // Colour only for the terminal: never in a file written with --output.
  const style = makeStyle(format === 'text' && !opts.output ? colorLevel(io.env, io.stdoutIsTTY) : 0);
  const renderOpts: RenderOptions = { style, verbose: opts.verbose, warnAs: opts.junitWarnAs ?? 'failure' };
  if (opts.stack) renderOpts.stack = opts.stack;
  if (extraSections) renderOpts.extraSections = extraSections;
  if (format === 'sarif') renderOpts.catalogue = loadCatalogue(REGISTRY);
  return renderReport(report, format, renderOpts);
}

/**
 * False (after one line on stderr) when --output names a file the report must not replace: one of
 * `databases`, their -wal/-shm/-journal, a file holding SQLite data, a FIFO (src/cli/output-file.ts).
 * Commands call it before their work, so a refused run reads and writes nothing.
 */
export function checkOutputTarget(opts: Pick<OutputOptions, 'output'>, databases: readonly string[], io: Io, label = '--output'): boolean {
  if (!opts.output) return true;
  const reason = outputRefusal(opts.output, databases, io.cwd);
  if (reason === null) return true;
  io.stderr(`lockscope: refusing ${label} ${escapeControl(opts.output)}: ${escapeControl(reason)}; nothing was written\n`);
  return false;
}

/**
 * Writes rendered output to stdout, or to --output <file> unless it is one of `databases` or their side files
 * or holds SQLite data. False (after one line on stderr) when the file cannot or must not be written.
 */
export function writeOutput(text: string, opts: OutputOptions, io: Io, databases: readonly string[] = []): boolean {
  if (!opts.output) {
    io.stdout(text);
    return true;
  }
  try {
    // --output /dev/stdout or /dev/stderr on a pipe, socket or terminal: the stream lockscope already has.
    const fd = ownStreamFd(opts.output, io.cwd);
    if (fd === 1 || fd === 2) {
      (fd === 1 ? io.stdout : io.stderr)(text);
      return true;
    }
    writeReportFile(opts.output, text, databases, io.cwd);
    io.stderr(`lockscope: wrote the ${outputFormat(opts)} report to ${escapeControl(opts.output)}\n`);
    return true;
  } catch (err) {
    if (err instanceof OutputRefused) {
      io.stderr(`lockscope: refusing --output ${escapeControl(opts.output)}: ${escapeControl(err.message)}; nothing was written\n`);
      return false;
    }
    const e = err as NodeJS.ErrnoException;
    io.stderr(`lockscope: cannot write ${e.path ?? opts.output}: ${e.code ?? e.message}\n`);
    return false;
  }
}

/**
 * Writes the report where it was asked for: stdout, or --output <file>; with --format github and
 * $GITHUB_STEP_SUMMARY set, also appends the markdown summary there. Returns false when a file could not
 * be written (the caller exits 2).
 */
export function emitReport(report: Report, opts: OutputOptions, io: Io, extraSections?: (db: DatabaseReport) => string[]): boolean {
  const databases = report.databases.map((db) => db.path);
  if (!writeOutput(render(report, opts, io, extraSections), opts, io, databases)) return false;
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (outputFormat(opts) !== 'github' || !summaryFile) return true;
  // The summary is appended, not replaced, but appended bytes would still corrupt a database or WAL.
  if (!checkOutputTarget({ output: summaryFile }, databases, io, '$GITHUB_STEP_SUMMARY')) return false;
  try {
    appendFileSync(summaryFile, formatGithubSummary(report, opts.stack ? { stack: opts.stack } : {}));
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`lockscope: cannot write ${e.path ?? summaryFile}: ${e.code ?? e.message}\n`);
    return false;
  }
}

/** One line per database that could not be audited, on stderr (stdout stays a clean report). */
export function reportErrors(report: Report, io: Io): void {
  for (const db of report.databases) if (db.error) io.stderr(`lockscope: ${escapeControl(db.error.message)}\n`);
}

/** The text report of `locks` (holders table, summary, sampling, findings); colour only on a terminal. */
export function renderLocksText(report: Report, opts: OutputOptions, io: Io): string {
  const style = makeStyle(opts.output ? 0 : colorLevel(io.env, io.stdoutIsTTY));
  return formatLocksText(report, { style, verbose: opts.verbose, stack: opts.stack });
}

/**
 * Writes the report: the locks text layout for `text`, the shared renderers (json, junit, sarif, github,
 * markdown) through emitReport otherwise. False when --output could not be written.
 */
export function emitLocksReport(report: Report, opts: OutputOptions, io: Io): boolean {
  if (outputFormat(opts) !== 'text') return emitReport(report, opts, io);
  return writeOutput(renderLocksText(report, opts, io), opts, io, report.databases.map((db) => db.path));
}

/** The text section `audit --stress` adds under each database: what its short stress measured. */
export function auditStressSections(io: Io, opts: OutputOptions): (db: DatabaseReport) => string[] {
  const style = makeStyle(colorLevel(io.env, io.stdoutIsTTY && !opts.output));
  return (db: DatabaseReport) => {
    const s = db.facts && isFactsOf(db.facts, 'sqlite') ? db.facts.stress : undefined;
    if (!s) return [];
    const head = ['', style.bold('stress (scratch database, short run)')];
    return isGatherError(s) ? [...head, `  ${style.yellow(escapeControl(s.error.message))}`] : [...head, ...stressTextSection(s, null, style)];
  };
}

/** Text: the stress layout (measurements before findings); every other format: the shared renderers. */
export function emitStressReport(report: Report, opts: OutputOptions, io: Io): boolean {
  if (outputFormat(opts) !== 'text') return emitReport(report, opts, io);
  const style = makeStyle(opts.output ? 0 : colorLevel(io.env, io.stdoutIsTTY));
  return writeOutput(formatStressText(report, opts, style), opts, io, report.databases.map((db) => db.path));
}
