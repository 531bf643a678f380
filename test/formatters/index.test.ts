/** renderReport: every format from the same report; none changes the report or depends on extra sections. */
import { describe, expect, it } from 'vitest';
import { FORMATS, isFormat, renderReport } from '../../src/formatters/index.js';
import { formatJson } from '../../src/formatters/json.js';
import { formatJunit } from '../../src/formatters/junit.js';
import { formatSarif } from '../../src/formatters/sarif.js';
import { makeStyle } from '../../src/formatters/style.js';
import { formatText } from '../../src/formatters/text.js';
import { mixedReport } from './reports.js';

describe('renderReport', () => {
  it('the six formats, in this order', () => {
    expect(FORMATS).toEqual(['text', 'json', 'junit', 'sarif', 'github', 'markdown']);
    expect(isFormat('sarif')).toBe(true);
    expect(isFormat('xml')).toBe(false);
  });

  it.each(FORMATS.map((f) => [f]))('%s: renders a report with holders/stress sections and leaves the report unchanged', (format) => {
    const report = mixedReport();
    const before = JSON.stringify(report);
    const out = renderReport(report, format, { stack: 'python', verbose: true });
    expect(out.length).toBeGreaterThan(0);
    expect(out.endsWith('\n')).toBe(true);
    expect(JSON.stringify(report)).toBe(before);
    expect(report.exitCode).toBe(2);
  });

  it('dispatches to each formatter with its options', () => {
    const r = mixedReport();
    expect(renderReport(r, 'json')).toBe(formatJson(r));
    expect(renderReport(r, 'text')).toBe(formatText(r, { style: makeStyle(0) }));
    expect(renderReport(r, 'junit', { warnAs: 'property' })).toBe(formatJunit(r, { warnAs: 'property' }));
    expect(renderReport(r, 'sarif', { stack: 'go' })).toBe(formatSarif(r, { stack: 'go' }));
    expect(renderReport(r, 'text', { extraSections: (db) => [`extra for ${db.path}`] })).toContain('extra for db/app.db');
  });
});
