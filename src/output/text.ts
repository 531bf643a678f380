/**
 * The text report, read like a good `doctor`: one line per check with a status symbol, indented
 * evidence and `→ fix` lines for what is not passing, one summary line at the end.
 */
import { EVIDENCE_MAX_CHARS, cutText, escapeControl, visibleControls } from '../core/escape.js';
import { type AppSettingRow, type DatabaseReport, type Finding, type Fix, type Report, type FixFilter, type SourceFacts, type Status } from '../core/model.js';
import type { SummaryRow } from '../core/source.js';
import { sourceOf } from '../sources/index.js';
import type { Style } from './style.js';
import { type Layout, fitTable, layoutOf, shown, statusMark, toAscii, widthOf, wrapCode, wrapHanging } from './terminal.js';

export interface TextOptions {
  style: Style;
  verbose?: boolean;
  /** Show fixes for this stack only (plus the stack-independent ones). */
  stack?: FixFilter;
  /** The terminal's width (default 80): tables and wrapped text fit it. */
  columns?: number;
  /** ASCII only: no box drawing, no ✔⚠✖ (a locale that is not UTF-8, TERM=dumb). */
  ascii?: boolean;
  /** Only what needs attention: warnings, failures and errors (no facts table, no passing checks). */
  quiet?: boolean;
}

/**
 * The order a reader needs: what broke (errors, failures) first, then warnings, then info, skipped and
 * passed. Stable: within a status, the registry's order.
 */
export const READING_ORDER: readonly Status[] = ['error', 'fail', 'warn', 'info', 'skip', 'pass'];

/** What --quiet keeps. */
export const NEEDS_ATTENTION: ReadonlySet<Status> = new Set(['error', 'fail', 'warn']);

export function inReadingOrder<T extends Pick<Finding, 'status'>>(findings: readonly T[], opts: { quiet?: boolean } = {}): T[] {
  const kept = opts.quiet ? findings.filter((f) => NEEDS_ATTENTION.has(f.status)) : [...findings];
  return kept.map((f, i) => [f, i] as const).sort((a, b) => READING_ORDER.indexOf(a[0].status) - READING_ORDER.indexOf(b[0].status) || a[1] - b[1]).map(([f]) => f);
}

function paint(style: Style, status: Status, text: string): string {
  switch (status) {
    case 'pass':
      return style.green(text);
    case 'warn':
      return style.yellow(text);
    case 'fail':
    case 'error':
      return style.red(text);
    case 'info':
      return style.cyan(text);
    default:
      return style.gray(text);
  }
}

function evidenceValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The fixes a report shows for `stack`: every fix (undefined, 'all'), the stack-independent ones ('generic'), or those and the stack's. */
export function fixesFor(fixes: readonly Fix[], stack: FixFilter | undefined): Fix[] {
  if (!stack || stack === 'all') return [...fixes];
  if (stack === 'generic') return fixes.filter((f) => f.stack === undefined);
  return fixes.filter((f) => f.stack === undefined || f.stack === stack);
}

const INDENT = '    ';
const CODE_INDENT = '        ';

function fixLines(fix: Fix, style: Style, layout: Layout): string[] {
  // Fixes can quote paths and command lines from outside: escaped like the message.
  const arrow = `${INDENT}${style.bold(shown('→', layout))} `;
  const summary = `${fix.stack ? `${style.dim(`[${fix.stack}]`)} ` : ''}${escapeControl(fix.summary)}`;
  const lines = wrapHanging(summary, layout, arrow);
  for (const [snippet, lang] of [[fix.sql, 'code'], [fix.code, 'code'], [fix.shell, 'shell']] as const) {
    if (!snippet) continue;
    // Code is never re-flowed like prose: it is cut only where pasting it still runs (wrapCode).
    for (const l of visibleControls(snippet).replace(/\t/g, '    ').split('\n')) {
      lines.push(...wrapCode(l, layout, CODE_INDENT, lang).map((c) => style.cyan(c)));
    }
  }
  if (fix.caution) lines.push(...wrapHanging(`caution: ${escapeControl(fix.caution)}`, layout, CODE_INDENT).map((l) => style.dim(l)));
  if (fix.docs) lines.push(...wrapHanging(escapeControl(fix.docs), layout, CODE_INDENT).map((l) => style.dim(l)));
  return lines;
}

export function formatFinding(f: Finding, opts: TextOptions): string[] {
  const { style } = opts;
  const layout = layoutOf(opts);
  const mark = statusMark(f.status, layout);
  const head = wrapHanging(`${style.bold(escapeControl(f.title))} ${style.dim(`(${f.id})`)}`, layout, `${paint(style, f.status, mark)} `, ' '.repeat(widthOf(mark) + 1));
  const showDetail = f.status !== 'pass' || opts.verbose;
  if (!showDetail) return head;
  const lines = [...head, ...wrapHanging(escapeControl(f.message), layout, INDENT)];
  for (const loc of f.locations ?? []) lines.push(...wrapHanging(`${style.bold(`${escapeControl(loc.file)}:${loc.line}`)}${loc.message ? ` ${escapeControl(loc.message)}` : ''}`, layout, INDENT));
  const entries = Object.entries(f.evidence);
  // Evidence backs a problem (warn, fail, error); for info and skip the message says enough unless --verbose.
  const problem = f.status === 'warn' || f.status === 'fail' || f.status === 'error';
  if (entries.length > 0 && (problem || opts.verbose)) {
    const evidence = entries.map(([k, v]) => `${k}=${escapeControl(cutText(evidenceValue(v), EVIDENCE_MAX_CHARS))}`).join('  ');
    lines.push(...wrapHanging(evidence, layout, INDENT).map((l) => style.dim(l)));
  }
  if (f.status !== 'pass') for (const fix of fixesFor(f.fixes, opts.stack)) lines.push(...fixLines(fix, style, layout));
  return lines;
}

/** The app's settings in one row: the four the verdicts hang on always (known or not), the others when set. */
export function appRow(app: readonly AppSettingRow[]): SummaryRow | null {
  const always = new Set(['busy_timeout', 'transaction mode', 'synchronous', 'writers']);
  const shown = app.filter((a) => always.has(a.setting) || a.value !== null);
  if (shown.length === 0) return null;
  // A stack default's citation is in the JSON and the check's doc; the row names the stack only.
  const origin = (a: AppSettingRow) => (a.from === 'stack-default' ? a.origin.split(' (')[0]! : a.origin);
  const text = shown.map((a) => (a.value === null ? `${a.setting} ${origin(a)}` : `${a.setting} ${a.value}${a.unit === 'ms' ? ' ms' : ''} (${origin(a)})`));
  return ['app', text.join(' · ')];
}

/** The facts table at the top of a database's section: the rows its source summarises (src/core/source.ts). */
export function factsTable(facts: SourceFacts, app?: readonly AppSettingRow[], layout: Layout = layoutOf({})): string | null {
  const rows = [...sourceOf(facts).summarise(facts)];
  const appLine = app ? appRow(app) : null;
  if (appLine) rows.push(appLine);
  if (rows.length === 0) return null;
  return fitTable({ rows: rows.map(([label, value]) => [label, value]), layout, keep: [0] });
}

function databaseSection(db: DatabaseReport, opts: TextOptions): string[] {
  const { style } = opts;
  const layout = layoutOf(opts);
  const lines = wrapHanging(style.bold(escapeControl(db.path)), layout, '');
  if (db.error) {
    lines.push(...errorLines(db.error, style, layout));
    return lines;
  }
  const table = db.facts && !opts.quiet ? factsTable(db.facts, db.app, layout) : null;
  if (table) lines.push(table);
  for (const f of inReadingOrder(db.findings ?? [], opts)) lines.push(...formatFinding(f, opts));
  return lines;
}

/** A database that could not be examined: its error, wrapped under the error mark. */
export function errorLines(error: { message: string; code: string }, style: Style, layout: Layout): string[] {
  const mark = statusMark('error', layout);
  return wrapHanging(`${escapeControl(error.message)} ${style.dim(`[${error.code}]`)}`, layout, `${style.red(mark)} `);
}

export function summaryLine(report: Report, style: Style): string {
  const s = report.summary;
  const dbs = report.databases.length;
  const errors = report.databases.filter((d) => d.error).length;
  const parts = [
    `${dbs} database${dbs === 1 ? '' : 's'}`,
    style.green(`${s.pass} passed`),
    style.yellow(`${s.warn} warning${s.warn === 1 ? '' : 's'}`),
    style.red(`${s.fail} failed`),
    style.cyan(`${s.info} info`),
    style.gray(`${s.skip} skipped`),
  ];
  if (s.error > 0) parts.push(style.red(`${s.error} check error${s.error === 1 ? '' : 's'}`));
  if (errors > 0) parts.push(style.red(`${errors} could not be audited`));
  const exit = report.interrupted ? style.yellow(`exit ${report.exitCode} (interrupted by ${report.interrupted}: partial results)`) : `exit ${report.exitCode}`;
  return `${parts.join(' · ')} · ${exit}`;
}

export function formatText(report: Report, opts: TextOptions, extraSections?: (db: DatabaseReport) => string[]): string {
  const out: string[] = [];
  for (const db of report.databases) {
    out.push(...databaseSection(db, opts), ...(extraSections?.(db) ?? []), '');
  }
  out.push(...wrapHanging(summaryLine(report, opts.style), layoutOf(opts), ''));
  return finish(out, layoutOf(opts));
}

/** The lines as one text; in ASCII, whatever a section added unconverted is converted too. */
export function finish(lines: readonly string[], layout: Layout): string {
  const text = `${lines.join('\n')}\n`;
  return layout.ascii ? toAscii(text) : text;
}
