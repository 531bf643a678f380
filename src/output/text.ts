/**
 * The text report, read like a good `doctor`: one line per check with a status symbol, indented
 * evidence and `→ fix` lines for what is not passing, one summary line at the end.
 */
import Table from 'cli-table3';
import { EVIDENCE_MAX_CHARS, cutText, escapeControl, visibleControls } from '../core/escape.js';
import { type AppSettingRow, type DatabaseReport, type Finding, type Fix, type Report, type Stack, type SourceFacts, type Status } from '../core/model.js';
import type { SummaryRow } from '../core/source.js';
import { sourceOf } from '../sources/index.js';
import type { Style } from './style.js';

export interface TextOptions {
  style: Style;
  verbose?: boolean;
  /** Show fixes for this stack only (plus the stack-independent ones). */
  stack?: Stack;
}

const SYMBOL: Record<Status, string> = { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ', skip: '–', error: '☠' };

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

export function fixesFor(fixes: readonly Fix[], stack: Stack | undefined): Fix[] {
  if (!stack) return [...fixes];
  return fixes.filter((f) => f.stack === undefined || f.stack === stack);
}

function fixLines(fix: Fix, style: Style): string[] {
  // Fixes can quote paths and command lines from outside: escaped like the message.
  const lines = [`    ${style.bold('→')} ${fix.stack ? `${style.dim(`[${fix.stack}]`)} ` : ''}${escapeControl(fix.summary)}`];
  for (const snippet of [fix.sql, fix.code, fix.shell]) {
    if (snippet) for (const l of visibleControls(snippet).split('\n')) lines.push(`        ${style.cyan(l)}`);
  }
  if (fix.caution) lines.push(`        ${style.dim(`caution: ${escapeControl(fix.caution)}`)}`);
  if (fix.docs) lines.push(`        ${style.dim(escapeControl(fix.docs))}`);
  return lines;
}

export function formatFinding(f: Finding, opts: TextOptions): string[] {
  const { style } = opts;
  const head = `${paint(style, f.status, SYMBOL[f.status])} ${style.bold(escapeControl(f.title))} ${style.dim(`(${f.id})`)}`;
  const showDetail = f.status !== 'pass' || opts.verbose;
  if (!showDetail) return [head];
  const lines = [head, `    ${escapeControl(f.message)}`];
  for (const loc of f.locations ?? []) lines.push(`    ${style.bold(`${escapeControl(loc.file)}:${loc.line}`)}${loc.message ? ` ${escapeControl(loc.message)}` : ''}`);
  const entries = Object.entries(f.evidence);
  // Evidence backs a problem (warn, fail, error); for info and skip the message says enough unless --verbose.
  const problem = f.status === 'warn' || f.status === 'fail' || f.status === 'error';
  if (entries.length > 0 && (problem || opts.verbose)) {
    lines.push(`    ${style.dim(entries.map(([k, v]) => `${k}=${escapeControl(cutText(evidenceValue(v), EVIDENCE_MAX_CHARS))}`).join('  '))}`);
  }
  if (f.status !== 'pass') for (const fix of fixesFor(f.fixes, opts.stack)) lines.push(...fixLines(fix, style));
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
export function factsTable(facts: SourceFacts, app?: readonly AppSettingRow[]): string | null {
  const rows = [...sourceOf(facts).summarise(facts)];
  const appLine = app ? appRow(app) : null;
  if (appLine) rows.push(appLine);
  if (rows.length === 0) return null;
  const table = new Table({ style: { head: [], border: [] }, colWidths: [14, 62], wordWrap: true });
  table.push(...rows.map(([label, value]) => [label, value]));
  return table.toString();
}

function databaseSection(db: DatabaseReport, opts: TextOptions): string[] {
  const { style } = opts;
  const lines = [style.bold(`${escapeControl(db.path)}`)];
  if (db.error) {
    lines.push(`${style.red(SYMBOL.error)} ${escapeControl(db.error.message)} ${style.dim(`[${db.error.code}]`)}`);
    return lines;
  }
  const table = db.facts ? factsTable(db.facts, db.app) : null;
  if (table) lines.push(table);
  for (const f of db.findings ?? []) lines.push(...formatFinding(f, opts));
  return lines;
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
  return `${parts.join(' · ')} · exit ${report.exitCode}`;
}

export function formatText(report: Report, opts: TextOptions, extraSections?: (db: DatabaseReport) => string[]): string {
  const out: string[] = [];
  for (const db of report.databases) {
    out.push(...databaseSection(db, opts), ...(extraSections?.(db) ?? []), '');
  }
  out.push(summaryLine(report, opts.style));
  return `${out.join('\n')}\n`;
}
