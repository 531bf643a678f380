/** renderReport: every format from the same report; none changes the report or depends on extra sections. */
import { describe, expect, it } from 'vitest';
import { FORMATS, isFormat, renderReport } from '../../src/output/index.js';
import { formatJson } from '../../src/output/json.js';
import { formatJunit } from '../../src/output/junit.js';
import { formatSarif } from '../../src/output/sarif.js';
import { makeStyle } from '../../src/output/style.js';
import { formatText } from '../../src/output/text.js';
import { mixedReport } from './reports.js';

describe('renderReport', () => {
  it('the seven formats, in this order', () => {
    expect(FORMATS).toEqual(['text', 'json', 'junit', 'sarif', 'github', 'markdown', 'html']);
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

  // --stack: every format shows the same fixes as the text report, no format ignores it (issue 8).
  it.each(FORMATS.map((f) => [f]))('%s honours --stack: the other stacks\' fixes are left out, the stack-independent ones kept', (format) => {
    const r = mixedReport();
    const all = renderReport(r, format, { verbose: true });
    const go = renderReport(r, format, { stack: 'go', verbose: true });
    expect(all).toContain('sqlite3.connect(path, timeout=5)');
    expect(go).not.toContain('sqlite3.connect(path, timeout=5)');
    expect(go).toContain('_busy_timeout=5000');
    expect(go).toContain('PRAGMA busy_timeout = 5000;');
  });

  it('json --stack: the fixes array holds only that stack\'s and the stack-independent fixes; the rest of the report is unchanged', () => {
    const r = mixedReport();
    const parsed = JSON.parse(formatJson(r, { stack: 'go' }));
    const busy = parsed.databases[0].findings.find((f: { id: string }) => f.id === 'busy-timeout');
    expect(busy.fixes.map((x: { stack?: string }) => x.stack ?? null)).toEqual([null, 'go']);
    const strip = (x: typeof r) => JSON.stringify({ ...x, databases: x.databases.map((d) => ({ ...d, findings: d.findings?.map((f) => ({ ...f, fixes: [] })) })) });
    expect(strip(parsed)).toBe(strip(r));
  });
});
