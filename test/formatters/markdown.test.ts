/** The markdown report: a well-formed GFM table per database, escaped cells, fixes in a details block. */
import { describe, expect, it } from 'vitest';
import { formatMarkdown, mdInline } from '../../src/output/markdown.js';
import { HOSTILE, finding, hostileReport, mixedReport, report } from './reports.js';

/** Splits a GFM table row on unescaped pipes. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function tables(md: string): string[][] {
  const lines = md.split('\n');
  const out: string[][] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i] === '| | check | status | finding |') {
      expect(lines[i + 1]).toBe('| --- | --- | --- | --- |');
      const rows: string[] = [];
      for (let j = i + 2; lines[j]?.startsWith('|'); j += 1) rows.push(lines[j]!);
      out.push(rows);
    }
  }
  return out;
}

describe('markdown', () => {
  it('heading, summary line, one table per audited database, one row per check', () => {
    const md = formatMarkdown(mixedReport());
    const lines = md.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '## lockscope audit',
      '',
      '**3 databases · 2 passed · 1 warning · 1 failed · 1 info · 1 skipped · 1 check error · 1 could not be audited · exit 2**',
    ]);
    const [app, other] = tables(md);
    // Reading order: what broke first, then warnings, info, skipped, passed.
    expect(app!.map((r) => cells(r).slice(0, 3))).toEqual([
      ['☠', 'hot-journal', 'error'],
      ['✖', 'busy-timeout', 'fail'],
      ['⚠', 'journal-mode', 'warn'],
      ['ℹ', 'sqlite-version', 'info'],
      ['–', 'checkpoint', 'skip'],
      ['✔', 'synchronous', 'pass'],
    ]);
    expect(cells(app![1]!)[3]).toBe('**Writers may fail at once with SQLITE\\_BUSY**<br>busy\\_timeout is 0 ms.<br><sub>declaredBusyTimeoutMs=0  minMs=1000</sub>');
    expect(cells(app![5]!)[3]).toBe('**synchronous title**');
    expect(other!.map((r) => cells(r)[1])).toEqual(['journal-mode']);
    expect(md).toContain('### missing.db\n\n☠ Could not be audited: missing.db: no such file (ENOENT)');
    expect(md).toContain('<details><summary>Fixes</summary>');
    expect(md).toContain('  ```sql\n  PRAGMA busy_timeout = 5000;\n  ```');
    expect(md.endsWith('\n')).toBe(true);
    expect(md.endsWith('\n\n')).toBe(false);
  });

  it('--verbose shows passing checks\' messages; --stack filters fixes', () => {
    const md = formatMarkdown(mixedReport(), { verbose: true, stack: 'python' });
    expect(md).toContain('**synchronous title**<br>synchronous is NORMAL.');
    expect(md).toContain('sqlite3.connect(path, timeout=5)');
    expect(md).not.toContain('_busy_timeout=5000');
  });

  it('cells escape | and line breaks, so hostile text cannot add columns or rows', () => {
    const md = formatMarkdown(hostileReport());
    const [rows] = tables(md);
    expect(rows).toHaveLength(5);
    for (const row of rows!) expect(cells(row)).toHaveLength(4);
    expect(md).not.toContain('\u001b');
    // Raw markup only inside fenced code blocks (shown verbatim), never in the text around them.
    const outsideFences = md.replace(/^ *(`{3,})[^\n]*\n[\s\S]*?^ *\1\n/gm, '');
    expect(outsideFences).not.toContain('<tag');
    expect(outsideFences).toContain('&lt;tag');
    expect(mdInline('a|b\nc\r\nd')).toBe('a\\|b<br>c<br>d');
    expect(mdInline('<script>&')).toBe('&lt;script&gt;&amp;');
    expect(mdInline('*x* _y_ `z` [l](u)')).toBe('\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u)');
    expect(HOSTILE).toContain('|');
  });

  it('a fence longer than any backtick run in the fix code', () => {
    const md = formatMarkdown(report([{ path: 'a.db', findings: [finding('x', 'fail', { fixes: [{ summary: 's', code: 'a ``` b' }] })] }]));
    expect(md).toContain('  ````\n  a ``` b\n  ````');
  });

  it('maxBytes: databases past the limit are counted, not silently dropped', () => {
    const many = report(Array.from({ length: 10 }, (_, i) => ({ path: `d${i}.db`, findings: [finding('a', 'fail')] })));
    const md = formatMarkdown(many, { maxBytes: 1200 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(1200);
    const shown = md.split('\n').filter((l) => l.startsWith('### ')).length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`_${10 - shown} more databases not shown`);
  });
});
