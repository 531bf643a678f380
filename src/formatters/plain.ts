/**
 * Plain-text pieces shared by the CI formats (JUnit, GitHub, Markdown): a finding's details without colour,
 * and control characters made visible while keeping line breaks for the formats that carry them.
 */
import type { Finding, Fix, Stack } from '../model.js';
import { fixesFor } from './text.js';

// C0 controls except \t and \n, DEL, C1 controls: \x1b[2J in a message must not reach a log viewer raw.
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_TAB_LF = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Line breaks normalised to \n, other control characters written as \xNN (as escapeControl does). */
export function visibleControls(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL_EXCEPT_TAB_LF, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function evidenceValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `key=value  key=value`, or '' when there is no evidence. */
export function evidenceLine(evidence: Finding['evidence']): string {
  return Object.entries(evidence ?? {})
    .map(([k, v]) => `${k}=${evidenceValue(v)}`)
    .join('  ');
}

export function fixText(fix: Fix): string[] {
  const lines = [`→ ${fix.stack ? `[${fix.stack}] ` : ''}${fix.summary}`];
  for (const snippet of [fix.sql, fix.code, fix.shell]) {
    if (snippet) for (const l of snippet.split('\n')) lines.push(`    ${l}`);
  }
  if (fix.caution) lines.push(`    caution: ${fix.caution}`);
  if (fix.docs) lines.push(`    ${fix.docs}`);
  return lines;
}

/** A finding as plain lines: message, evidence, then the fixes for `stack` (all stacks when undefined). */
export function findingDetail(f: Finding, stack: Stack | undefined): string {
  const lines = [f.message];
  const evidence = evidenceLine(f.evidence);
  if (evidence) lines.push(evidence);
  for (const fix of fixesFor(f.fixes ?? [], stack)) lines.push(...fixText(fix));
  return lines.join('\n');
}

/** "title. message" (no doubled punctuation): the one-line form SARIF and annotations use. */
export function titleAndMessage(f: Pick<Finding, 'title' | 'message'>): string {
  const title = f.title.trim();
  if (!title) return f.message;
  return /[.!?:]$/.test(title) ? `${title} ${f.message}` : `${title}. ${f.message}`;
}
