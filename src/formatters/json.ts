import type { Report } from '../model.js';

/** One JSON document (schemaVersion 1, documented in README.md). */
export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
