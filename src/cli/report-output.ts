/** Where a report goes: the chosen format rendered, then stdout or --output (never over SQLite data), the GitHub step summary, stderr errors. */
import { appendFileSync } from 'node:fs';
import { REGISTRY } from '../../checks/index.js';
import type { Io } from './io.js';
import { escapeControl } from '../core/escape.js';
import { loadCatalogue } from '../core/catalogue.js';
import { type DatabaseReport, type FixFilter, type Report, isFactsOf } from '../core/model.js';
import { stackLine } from '../output/stack-line.js';
import type { FailOn } from '../core/exit-code.js';
import { type Format, type RenderOptions, formatGithubSummary, isFormat, renderReport } from '../output/index.js';
import { formatLocksText } from '../output/locks-text.js';
import { formatStressText, stressTextSection } from '../output/stress-text.js';
import { isGatherError } from '../core/facts.js';
import { type Style, colorLevel, makeStyle } from '../output/style.js';
import { wrapHanging } from '../output/terminal.js';
import { NEEDS_ATTENTION, type TextOptions } from '../output/text.js';
import { outputLayout } from './terminal.js';
import { OutputRefused, outputRefusal, ownStreamFd, writeReportFile } from './output-file.js';

export interface OutputOptions {
  json?: boolean;
  format?: string;
  output?: string;
  junitWarnAs?: 'failure' | 'property';
  failOn: FailOn;
  verbose?: boolean;
  /** Which fixes to show (src/cli/stack-choice.ts fixFilter); undefined = every stack's. */
  stack?: FixFilter;
  /** --color / --no-color: wins over NO_COLOR and FORCE_COLOR (undefined: neither flag given). */
  color?: boolean;
  /** --quiet: only warnings, failures and errors, in every format (the summary still counts every check). */
  quiet?: boolean;
  /** --max-warnings: more warnings than this exit 1 whatever --fail-on says. */
  maxWarnings?: number;
}

/** Text layouts open with the line that says whose fixes they show (src/output/stack-line.ts). */
function withStackLine(report: Report, text: string, style: Style, layout: { columns?: number; ascii?: boolean }): string {
  if (!report.stack || report.stack.from === 'not-applicable') return text;
  const line = wrapHanging(stackLine(report.stack, style), { columns: layout.columns ?? 80, ascii: layout.ascii ?? false }, '', '  ').join('\n');
  return `${line}\n\n${text}`;
}

export function outputFormat(opts: OutputOptions): Format {
  if (opts.json) return 'json';
  return opts.format && isFormat(opts.format) ? opts.format : 'text';
}

/** The text formats' colours: the terminal's unless --color/--no-color; never in a --output file unless --color. */
export function textStyle(opts: Pick<OutputOptions, 'output' | 'color'>, io: Io): Style {
  if (opts.output && opts.color !== true) return makeStyle(0);
  return makeStyle(colorLevel(io.env, io.stdoutIsTTY, opts.color));
}

/** The report as --quiet shows it: only the findings that need attention (the summary and exit code unchanged). */
export function quietReport(report: Report, opts: Pick<OutputOptions, 'quiet'>): Report {
  if (!opts.quiet) return report;
  return { ...report, databases: report.databases.map((db) => (db.findings ? { ...db, findings: db.findings.filter((f) => NEEDS_ATTENTION.has(f.status)) } : db)) };
}

/** The text layouts' width and character set (src/cli/terminal.ts), with --quiet. */
function textLayout(opts: OutputOptions, io: Io): Pick<TextOptions, 'columns' | 'ascii' | 'quiet'> {
  return { ...outputLayout(io, Boolean(opts.output)), quiet: opts.quiet };
}

/**
 * --max-warnings <n>: a report with more than n warnings exits 1 even when --fail-on would let it pass
 * (ESLint's flag). An exit code of 2 (lockscope could not do what was asked) stays 2.
 */
export function applyMaxWarnings(report: Report, opts: Pick<OutputOptions, 'maxWarnings'>): Report {
  if (!tooManyWarnings(report, opts)) return report;
  return report.exitCode === 0 ? { ...report, exitCode: 1 } : report;
}

function tooManyWarnings(report: Report, opts: Pick<OutputOptions, 'maxWarnings'>): boolean {
  return opts.maxWarnings !== undefined && report.summary.warn > opts.maxWarnings;
}

/** Renders the report in the chosen format (pure apart from reading the check docs for SARIF rules). */
export function render(full: Report, opts: OutputOptions, io: Io, extraSections?: (db: DatabaseReport) => string[]): string {
  const format = outputFormat(opts);
  const report = quietReport(full, opts);
  const style = format === 'text' ? textStyle(opts, io) : makeStyle(0);
  const renderOpts: RenderOptions = { style, verbose: opts.verbose, warnAs: opts.junitWarnAs ?? 'failure', ...textLayout(opts, io) };
  if (opts.stack) renderOpts.stack = opts.stack;
  if (extraSections) renderOpts.extraSections = extraSections;
  if (format === 'sarif') renderOpts.catalogue = loadCatalogue(REGISTRY);
  const text = renderReport(report, format, renderOpts);
  return format === 'text' ? withStackLine(report, text, style, renderOpts) : text;
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
    appendFileSync(summaryFile, formatGithubSummary(quietReport(report, opts), opts.stack ? { stack: opts.stack } : {}));
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`lockscope: cannot write ${e.path ?? summaryFile}: ${e.code ?? e.message}\n`);
    return false;
  }
}

/**
 * One line per database that could not be audited, on stderr (stdout stays a clean report); and, when
 * --max-warnings set the exit code, why.
 */
export function reportErrors(report: Report, io: Io, opts: Pick<OutputOptions, 'maxWarnings'> = {}): void {
  for (const db of report.databases) if (db.error) io.stderr(`lockscope: ${escapeControl(db.error.message)}\n`);
  if (tooManyWarnings(report, opts)) {
    const n = report.summary.warn;
    io.stderr(`lockscope: ${n} warning${n === 1 ? '' : 's'}, more than --max-warnings ${opts.maxWarnings}: exit ${report.exitCode}\n`);
  }
}

/** The text report of `locks` (holders table, summary, sampling, findings); colour only on a terminal. */
export function renderLocksText(report: Report, opts: OutputOptions, io: Io): string {
  const style = textStyle(opts, io);
  const layout = textLayout(opts, io);
  return withStackLine(report, formatLocksText(quietReport(report, opts), { style, verbose: opts.verbose, stack: opts.stack, ...layout }), style, layout);
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
  const style = textStyle(opts, io);
  const layout = outputLayout(io, Boolean(opts.output));
  return (db: DatabaseReport) => {
    const s = db.facts && isFactsOf(db.facts, 'sqlite') ? db.facts.stress : undefined;
    if (!s) return [];
    const head = ['', style.bold('stress (scratch database, short run)')];
    return isGatherError(s) ? [...head, ...wrapHanging(style.yellow(escapeControl(s.error.message)), layout, '  ')] : [...head, ...stressTextSection(s, null, style, layout)];
  };
}

/** Text: the stress layout (measurements before findings); every other format: the shared renderers. */
export function emitStressReport(report: Report, opts: OutputOptions, io: Io): boolean {
  if (outputFormat(opts) !== 'text') return emitReport(report, opts, io);
  const style = textStyle(opts, io);
  const layout = textLayout(opts, io);
  return writeOutput(withStackLine(report, formatStressText(quietReport(report, opts), { ...opts, ...layout }, style), style, layout), opts, io, report.databases.map((db) => db.path));
}
