/** GitHub workflow-command annotations, compared line by line, exactly. */
import { describe, expect, it } from 'vitest';
import { annotation, escapeData, escapeProperty, formatGithub, formatGithubSummary } from '../../src/output/github.js';
import { formatMarkdown } from '../../src/output/markdown.js';
import type { Finding } from '../../src/core/model.js';
import { finding, mixedReport, report } from './reports.js';

describe('github annotations', () => {
  it('one annotation per non-passing finding, GitHub escaping, the summary line last', () => {
    expect(formatGithub(mixedReport()).split('\n')).toEqual([
      '::warning title=Readers and writers block each other (rollback journal) (journal-mode),file=db/app.db::Rollback journal (header bytes 18-19 are 1/1).%0AwriteVersion=1  readVersion=1  walEnabled=false%0A→ Switch to WAL%0A    PRAGMA journal_mode = WAL;',
      '::error title=Writers may fail at once with SQLITE_BUSY (busy-timeout),file=db/app.db::busy_timeout is 0 ms.%0AdeclaredBusyTimeoutMs=0  minMs=1000%0A→ Set the busy timeout%0A    PRAGMA busy_timeout = 5000;%0A→ [python] Python sqlite3%0A    sqlite3.connect(path, timeout=5)%0A→ [go] Go%0A    file:app.db?_busy_timeout=5000',
      '::notice title=sqlite-version title (sqlite-version),file=db/app.db::SQLite 3.46.1 wrote the file.',
      '::error title=lockscope bug%3A check crashed (hot-journal),file=db/app.db::lockscope bug: the check threw boom',
      '::error title=lockscope%3A database not audited,file=missing.db::missing.db: no such file',
      '3 databases · 2 passed · 1 warning · 1 failed · 1 info · 1 skipped · 1 check error · 1 could not be audited · exit 2',
      '',
    ]);
  });

  it('--stack: only that stack\'s fixes in the annotation', () => {
    const line = formatGithub(mixedReport(), { stack: 'go' }).split('\n')[1];
    expect(line).toBe(
      '::error title=Writers may fail at once with SQLITE_BUSY (busy-timeout),file=db/app.db::busy_timeout is 0 ms.%0AdeclaredBusyTimeoutMs=0  minMs=1000%0A→ Set the busy timeout%0A    PRAGMA busy_timeout = 5000;%0A→ [go] Go%0A    file:app.db?_busy_timeout=5000',
    );
  });

  it('escaping: data % \\r \\n; properties also : and ,; control characters visible; one line per annotation', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
    expect(annotation('warning', { title: 'T: x, y', file: 'my,db:1.db' }, '50% of\nframes\u001b[2J')).toBe(
      '::warning title=T%3A x%2C y,file=my%2Cdb%3A1.db::50%25 of%0Aframes\\x1b[2J',
    );
    // A message cannot start a second workflow command: its line breaks are encoded.
    expect(annotation('notice', { file: 'a.db' }, 'x\n::error::injected')).toBe('::notice file=a.db::x%0A::error::injected');
    expect(annotation('error', {}, 'bare')).toBe('::error::bare');
    expect(annotation('error', { title: '' }, 'empty title dropped')).toBe('::error::empty title dropped');
  });

  it('capped at 10 errors, 10 warnings and 10 notices per step, then one line with how many more', () => {
    const findings: Finding[] = [];
    for (let i = 0; i < 12; i += 1) findings.push(finding(`f${i}`, 'fail'));
    for (let i = 0; i < 11; i += 1) findings.push(finding(`w${i}`, 'warn'));
    for (let i = 0; i < 3; i += 1) findings.push(finding(`n${i}`, 'info'));
    const lines = formatGithub(report([{ path: 'a.db', findings }, { path: 'gone.db', error: { code: 'ENOENT', message: 'gone.db: no such file' } }], 2)).split('\n');
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('::warning '))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('::notice '))).toHaveLength(3);
    expect(lines.at(-4)).toBe('::notice title=n2 title (n2),file=a.db::n2 is info');
    expect(lines.at(-3)).toBe(
      'lockscope: 4 more findings not annotated (3 errors, 1 warning): GitHub shows at most 10 errors, 10 warnings and 10 notices per step; the step summary and --format text list every finding',
    );
    expect(lines.at(-2)).toMatch(/^2 databases · .* · exit 2$/);
    expect(lines.at(-1)).toBe('');
    // The first ten of each level, in report order.
    expect(lines.filter((l) => l.startsWith('::error ')).at(-1)).toBe('::error title=f9 title (f9),file=a.db::f9 is fail');
  });

  it('nothing to annotate: only the summary line', () => {
    expect(formatGithub(report([{ path: 'ok.db', findings: [finding('a', 'pass'), finding('b', 'skip')] }], 0))).toBe(
      '1 database · 1 passed · 0 warnings · 0 failed · 0 info · 1 skipped · exit 0\n',
    );
  });

  it('the step summary is the markdown report, bounded by GitHub\'s 1 MiB per-step limit', () => {
    const r = mixedReport();
    expect(formatGithubSummary(r)).toBe(formatMarkdown(r));
    const big = report(
      Array.from({ length: 400 }, (_, i) => ({ path: `db${i}.db`, findings: [finding('busy-timeout', 'fail', { message: 'x'.repeat(4000) })] })),
    );
    const summary = formatGithubSummary(big);
    expect(Buffer.byteLength(summary, 'utf8')).toBeLessThanOrEqual(1_000_000);
    const shown = summary.split('\n').filter((l) => l.startsWith('### ')).length;
    expect(shown).toBeGreaterThan(100);
    expect(summary).toContain(`_${400 - shown} more databases not shown: the summary would pass GitHub's size limit.`);
  });
});
