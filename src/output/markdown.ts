/**
 * The report as GitHub-flavoured Markdown, for PR comments and the GitHub step summary: the summary line,
 * then per database a table (status, check, finding) and the fixes of what is not passing.
 * Everything from outside (paths, messages, evidence) is escaped so it can neither break the table nor
 * inject markup.
 */
import type { DatabaseReport, Finding, Report, FixFilter, Status } from '../core/model.js';
import { evidenceLine, visibleControls } from './plain.js';
import { fixesFor, inReadingOrder, summaryLine } from './text.js';
import { makeStyle } from './style.js';

export interface MarkdownOptions {
  /** Fixes for this stack only (plus the stack-independent ones). */
  stack?: FixFilter;
  /** Show passing checks' messages too (they are always listed). */
  verbose?: boolean;
  /** Stop adding databases before the document passes this many UTF-8 bytes (GitHub step summary: 1 MiB). */
  maxBytes?: number;
}

const SYMBOL: Record<Status, string> = { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ', skip: '–', error: '☠' };

/** Inline text: markdown punctuation backslash-escaped, HTML specials as entities, line breaks as <br>. */
export function mdInline(text: string): string {
  return visibleControls(text)
    .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\t/g, ' ')
    .trim()
    .replace(/\n/g, '<br>');
}

/** A fenced code block whose fence is longer than any backtick run inside it. */
function codeBlock(code: string, lang: string): string[] {
  const longest = Math.max(0, ...(visibleControls(code).match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${lang}`, ...visibleControls(code).split('\n'), fence];
}

function findingCell(f: Finding, verbose: boolean): string {
  const title = `**${mdInline(f.title)}**`;
  if (f.status === 'pass' && !verbose) return title;
  const parts = [title, mdInline(f.message)];
  const evidence = evidenceLine(f.evidence);
  if (evidence && (f.status !== 'pass' || verbose)) parts.push(`<sub>${mdInline(evidence)}</sub>`);
  return parts.join('<br>');
}

function fixesSection(db: DatabaseReport, stack: FixFilter | undefined): string[] {
  const out: string[] = [];
  for (const f of inReadingOrder(db.findings ?? [])) {
    if (f.status === 'pass' || f.status === 'skip') continue;
    const fixes = fixesFor(f.fixes ?? [], stack);
    if (fixes.length === 0) continue;
    out.push(`**${mdInline(f.id)}**`, '');
    for (const fix of fixes) {
      out.push(`- ${fix.stack ? `[${mdInline(fix.stack)}] ` : ''}${mdInline(fix.summary)}`);
      if (fix.sql) out.push('', ...codeBlock(fix.sql, 'sql').map((l) => `  ${l}`));
      if (fix.code) out.push('', ...codeBlock(fix.code, '').map((l) => `  ${l}`));
      if (fix.shell) out.push('', ...codeBlock(fix.shell, 'sh').map((l) => `  ${l}`));
      if (fix.caution) out.push(`  <br>caution: ${mdInline(fix.caution)}`);
      if (fix.docs) out.push(`  <br>${mdInline(fix.docs)}`);
    }
    out.push('');
  }
  if (out.length === 0) return [];
  return ['<details><summary>Fixes</summary>', '', ...out, '</details>', ''];
}

export function databaseMarkdown(db: DatabaseReport, opts: MarkdownOptions): string[] {
  const lines = [`### ${mdInline(db.path)}`, ''];
  if (db.error) {
    lines.push(`${SYMBOL.error} Could not be audited: ${mdInline(db.error.message)} (${mdInline(db.error.code)})`, '');
    return lines;
  }
  const findings = db.findings ?? [];
  if (findings.length === 0) {
    lines.push('No check applied.', '');
    return lines;
  }
  lines.push('| | check | status | finding |', '| --- | --- | --- | --- |');
  for (const f of inReadingOrder(findings)) {
    lines.push(`| ${SYMBOL[f.status]} | ${mdInline(f.id)} | ${f.status} | ${findingCell(f, Boolean(opts.verbose))} |`);
  }
  lines.push('', ...fixesSection(db, opts.stack));
  return lines;
}

export function formatMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const head = [`## lockscope ${mdInline(report.command)}`, '', `**${mdInline(summaryLine(report, makeStyle(0)))}**`, ''];
  const out = [...head];
  let bytes = Buffer.byteLength(out.join('\n'), 'utf8');
  let omitted = 0;
  for (const db of report.databases) {
    const section = databaseMarkdown(db, opts);
    const size = Buffer.byteLength(section.join('\n'), 'utf8') + 1;
    // 200 bytes stay free for the "not shown" line.
    if (omitted > 0 || (opts.maxBytes !== undefined && bytes + size > opts.maxBytes - 200)) {
      omitted += 1;
      continue;
    }
    out.push(...section);
    bytes += size;
  }
  if (omitted > 0) {
    out.push(`_${omitted} more database${omitted === 1 ? '' : 's'} not shown: the summary would pass GitHub's size limit. Run \`lockscope --format text\` for the full report._`, '');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
