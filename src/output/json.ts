import type { Report, FixFilter } from '../core/model.js';
import { fixesFor } from './text.js';

export interface JsonOptions {
  /** Fixes for this stack only (plus the stack-independent ones), exactly as the text report shows them. */
  stack?: FixFilter;
}

/** One JSON document (schemaVersion 1, documented in README.md). */
export function formatJson(report: Report, opts: JsonOptions = {}): string {
  const stack = opts.stack;
  const shown: Report = stack
    ? {
        ...report,
        databases: report.databases.map((db) =>
          db.findings ? { ...db, findings: db.findings.map((f) => ({ ...f, fixes: fixesFor(f.fixes, stack) })) } : db,
        ),
      }
    : report;
  return `${JSON.stringify(shown, null, 2)}\n`;
}
