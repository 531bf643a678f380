/**
 * Plain-text pieces shared by the CI formats (JUnit, GitHub, Markdown): a finding's details without colour,
 * and control characters made visible while keeping line breaks for the formats that carry them.
 */
import { EVIDENCE_MAX_CHARS, cutText, visibleControls } from '../core/escape.js';
import type { Finding, Fix, FixFilter } from '../core/model.js';
import { fixesFor } from './text.js';

// Line breaks kept, control, format and bidi characters made visible: one escaping module (src/core/escape.ts).
export { visibleControls };

export function evidenceValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `key=value  key=value`, or '' when there is no evidence. */
export function evidenceLine(evidence: Finding['evidence']): string {
  return Object.entries(evidence ?? {})
    .map(([k, v]) => `${k}=${cutText(evidenceValue(v), EVIDENCE_MAX_CHARS)}`)
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
export function findingDetail(f: Finding, stack: FixFilter | undefined): string {
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
