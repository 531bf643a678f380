/**
 * GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per non-passing
 * finding, and `formatGithubSummary` for $GITHUB_STEP_SUMMARY (the command layer appends it; formatters
 * never write files).
 *
 * GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, and 50 per job
 * (actions/toolkit docs/problem-matchers.md, "Limitations"); the rest are silently dropped. So at most
 * `perLevelLimit` of each kind are printed, then one line says how many more there are.
 */
import type { DatabaseReport, Finding, Report, FixFilter } from '../core/model.js';
import { plural } from '../core/units.js';
import { formatMarkdown } from './markdown.js';
import { findingDetail, visibleControls } from './plain.js';
import { summaryLine } from './text.js';
import { makeStyle } from './style.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

/** Annotations of each level GitHub shows per step. */
export const ANNOTATIONS_PER_LEVEL = 10;

/** GitHub refuses a step summary above 1024 KiB ("$GITHUB_STEP_SUMMARY upload aborted"); keep a margin. */
export const STEP_SUMMARY_MAX_BYTES = 1_000_000;

export interface GithubOptions {
  /** Fixes for this stack only (plus the stack-independent ones). */
  stack?: FixFilter;
  /** Annotations of each level to print before counting the rest (default 10, GitHub's per-step limit). */
  perLevelLimit?: number;
}

/** Workflow-command data: % \r \n percent-encoded (actions/toolkit command.ts escapeData). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow-command property value: as data, plus : and , (actions/toolkit command.ts escapeProperty). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(level: AnnotationLevel, properties: Record<string, string>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(visibleControls(v))}`)
    .join(',');
  return `::${level}${props ? ` ${props}` : ''}::${escapeData(visibleControls(message))}`;
}

function levelOf(f: Finding): AnnotationLevel | null {
  switch (f.status) {
    case 'fail':
    case 'error':
      return 'error';
    case 'warn':
      return 'warning';
    case 'info':
      return 'notice';
    default:
      return null;
  }
}

interface Pending {
  level: AnnotationLevel;
  line: string;
}

function annotationsFor(db: DatabaseReport, opts: GithubOptions): Pending[] {
  if (db.error) {
    return [{ level: 'error', line: annotation('error', { title: 'lockscope: database not audited', file: db.path }, db.error.message) }];
  }
  const out: Pending[] = [];
  for (const f of db.findings ?? []) {
    const level = levelOf(f);
    if (!level) continue;
    const title = f.status === 'error' ? `lockscope bug: check crashed (${f.id})` : `${f.title} (${f.id})`;
    if (f.locations && f.locations.length > 0) {
      // On the lines of code (lockscope scan): one annotation per line, as a pull request shows them.
      for (const loc of f.locations) {
        const props: Record<string, string> = { title, file: loc.file, line: String(loc.line) };
        if (loc.endLine && loc.endLine > loc.line) props.endLine = String(loc.endLine);
        out.push({ level, line: annotation(level, props, loc.message ?? findingDetail(f, opts.stack)) });
      }
      continue;
    }
    out.push({ level, line: annotation(level, { title, file: db.path }, findingDetail(f, opts.stack)) });
  }
  return out;
}

export function formatGithub(report: Report, opts: GithubOptions = {}): string {
  const limit = opts.perLevelLimit ?? ANNOTATIONS_PER_LEVEL;
  const shown: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  const hidden: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  const lines: string[] = [];
  for (const db of report.databases) {
    for (const a of annotationsFor(db, opts)) {
      if (shown[a.level] < limit) {
        shown[a.level] += 1;
        lines.push(a.line);
      } else {
        hidden[a.level] += 1;
      }
    }
  }
  const more = hidden.error + hidden.warning + hidden.notice;
  if (more > 0) {
    const parts = (['error', 'warning', 'notice'] as const).filter((l) => hidden[l] > 0).map((l) => plural(hidden[l], l));
    lines.push(
      `lockscope: ${plural(more, 'more finding')} not annotated (${parts.join(', ')}): GitHub shows at most ${limit} errors, ${limit} warnings and ${limit} notices per step; the step summary and --format text list every finding`,
    );
  }
  lines.push(visibleControls(summaryLine(report, makeStyle(0))));
  return `${lines.join('\n')}\n`;
}

/**
 * The markdown summary to append to $GITHUB_STEP_SUMMARY: the same table as `--format markdown`, kept
 * under GitHub's per-step size limit (databases past it are counted, not dropped silently).
 */
export function formatGithubSummary(report: Report, opts: { stack?: FixFilter } = {}): string {
  return formatMarkdown(report, { stack: opts.stack, maxBytes: STEP_SUMMARY_MAX_BYTES });
}
