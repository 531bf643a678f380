/**
 * Reads the status table of a check's doc (checks/<id>.md, section "What it measures"), for the meta tests that
 * keep the doc in step with what the check declares. lockscope itself never parses severities from markdown.
 */
import { docSection } from '../../src/core/catalogue.js';
import type { Severity } from '../../src/core/check.js';
import { STATUSES, type Status } from '../../src/core/model.js';

/**
 * Statuses listed in the "status" column (the first column when no header says "status") of the tables in
 * the "What it measures" section: `| warn | … |` or `| warn, fail | … |`. The doc format requires this
 * status table (COMMON: a status table listing messageIds).
 */
export function statusesFromDoc(doc: string): Status[] {
  const section = docSection(doc, 'What it measures') ?? '';
  const found = new Set<Status>();
  let column: number | null = null;
  for (const line of section.split('\n')) {
    if (!/^\s*\|/.test(line)) {
      column = null; // a new table starts with a new header
      continue;
    }
    const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim().toLowerCase());
    if (column === null) {
      const header = cells.indexOf('status');
      column = header >= 0 ? header : 0;
      if (header >= 0) continue;
    }
    for (const word of (cells[column] ?? '').split(/[^a-z]+/)) {
      if ((STATUSES as readonly string[]).includes(word)) found.add(word as Status);
    }
  }
  return STATUSES.filter((s) => found.has(s));
}

/** The worst of fail > warn > info a doc's status table lists; null when it lists none of them. */
export function severityFromDoc(doc: string): Severity | null {
  const statuses = statusesFromDoc(doc);
  for (const s of ['fail', 'warn', 'info'] as const) if (statuses.includes(s)) return s;
  return null;
}

