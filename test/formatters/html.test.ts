/**
 * --format html without a browser: everything from outside is escaped, the chart data cannot close its
 * script element, the page loads nothing from anywhere, fixes follow --stack, and charts (and uPlot) appear
 * only when the facts carry series. The browser test (html-browser.test.ts) checks that the page draws.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/model.js';
import { escapeHtml, formatHtml } from '../../src/output/html.js';
import { makeFacts } from '../helpers/facts.js';
import { makePgFacts } from '../helpers/pg-facts.js';
import { makeStress } from '../stress/fixtures.js';
import { HOSTILE, finding, hostileReport, mixedReport, report } from './reports.js';
import { lockWindow, stressSeries } from './series-fixtures.js';

const MARKUP = '<script>alert(1)</script><img src=x onerror=alert(2)>';

function chartsReport(): Report {
  const facts = makeFacts({ lockSamples: lockWindow({ writer: `python3 ${MARKUP}` }) });
  return report([
    {
      path: `data/${MARKUP}.db`,
      facts: { ...facts, stress: makeStress({ series: stressSeries() }) },
      findings: [
        finding('long-write-lock', 'warn', { message: `PID 4242 (python3 ${MARKUP}) held the write lock 83% of the window`, evidence: { command: `python3 ${MARKUP}` } }),
        finding('journal-mode', 'pass'),
        finding('busy-timeout', 'fail', { fixes: [{ summary: 'Set it', sql: 'PRAGMA busy_timeout = 5000;', docs: 'javascript:alert(3)' }, { summary: 'Docs', docs: 'https://www.sqlite.org/pragma.html' }] }),
      ],
    },
  ]);
}

/** The JSON of the charts, read back as the page reads it. */
function chartData(html: string): Record<string, { kind: string; lanes?: { label: string }[] }> {
  const m = html.match(/<script type="application\/json" id="lockscope-charts">([^]*?)<\/script>/);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!);
}

describe('--format html', () => {
  it('escapes every string from outside: no markup from a path, a message, evidence or a command line reaches the page', () => {
    const html = formatHtml(chartsReport());
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('data/&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=alert(2)&#62;.db');
    // The command line in the chart data: written with \u escapes, read back whole.
    const lanes = Object.values(chartData(html)).find((c) => c.kind === 'timeline')!.lanes!;
    expect(lanes[0]!.label.startsWith('4242 python3 <script>')).toBe(true);
    // The only <script> elements are uPlot, the chart script and the data block.
    expect(html.match(/<script/g)).toHaveLength(3);
  });

  it('the hostile report: no raw control character, no unescaped markup', () => {
    const html = formatHtml(hostileReport());
    const body = html.slice(html.indexOf('<body>'));
    expect(body).not.toContain('<tag');
    expect(body).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u202e]/);
    expect(body).toContain('&#60;tag attr=&#34;x&#34;&#62;&#38;amp;');
    expect(escapeHtml(HOSTILE)).not.toMatch(/[<>"']/);
  });

  it('self-contained: nothing is loaded from anywhere, a CSP forbids any fetch, and only its own scripts may run (by hash)', () => {
    const html = formatHtml(chartsReport());
    expect(html).not.toMatch(/<(link|iframe|img|object|embed|video|audio)\b/i);
    expect(html).not.toMatch(/<[a-z][^<>]*\ssrc=/i);
    expect(html).not.toMatch(/url\(\s*['"]?(?!data:)/i);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)![1]!;
    expect(csp).toContain("default-src 'none'");
    const scripts = [...html.matchAll(/<script>([^]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toContain('uPlot');
    for (const s of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
    expect(csp).toMatch(/script-src 'sha256-[^']+' 'sha256-[^']+'$/);
  });

  it('the charts the series allow: throughput+BUSY and the WAL of the run, the lock timeline and the WAL of the window', () => {
    const data = chartData(formatHtml(chartsReport()));
    expect(Object.entries(data).map(([id, c]) => [id, c.kind])).toEqual([
      ['chart-0-0', 'rates'],
      ['chart-0-1', 'wal'],
      ['chart-0-2', 'timeline'],
      ['chart-0-3', 'wal'],
    ]);
    // The idle connection (DMS and SHARED on a WAL database) has no lane.
    const lanes = Object.values(data).find((c) => c.kind === 'timeline')!.lanes!;
    expect(lanes.map((l) => l.label.split(' ')[0])).toEqual(['4242', '4243']);
  });

  it('a PostgreSQL window draws its blocking timeline: one lane per session, escaped labels', () => {
    const facts = makePgFacts({
      window: {
        durationMs: 3000,
        samples: 30,
        deadlocks: 0,
        sessions: [{ pid: 10, user: 'app', application: MARKUP, longestWaitMs: 0, longestRootMs: 2000, samplesBlocking: 20, samplesWaiting: 0 }],
        roots: [{ pid: 10, maxWaiters: 1, longestWaitMs: 2000 }],
        timeline: { holds: [{ pid: 10, lock: 'ROOT-BLOCKER', mode: 'exclusive', startMs: 500, endMs: 2500, open: false }, { pid: 11, lock: 'WAITING', mode: 'shared', startMs: 600, endMs: 2500, open: false }], wal: [] },
      },
    });
    const html = formatHtml(report([{ path: facts.target, facts, findings: [finding('pg-root-blocker', 'fail')] }]));
    const data = chartData(html) as Record<string, { kind: string; lanes: { label: string; write: number[][]; read: number[][] }[] }>;
    const chart = Object.values(data)[0]!;
    expect(chart.kind).toBe('timeline');
    expect(chart.lanes.map((l) => [l.label.split(' ')[0], l.write.length, l.read.length])).toEqual([['10', 1, 0], ['11', 0, 1]]);
    expect(html).toContain('Blocking timeline per session');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('without series: the findings and facts, no chart, no script at all', () => {
    const html = formatHtml(report([{ path: 'app.db', facts: { ...makeFacts(), stress: makeStress() }, findings: [finding('journal-mode', 'warn')] }]));
    expect(html).not.toContain('<script');
    expect(html).not.toContain('uPlot');
    expect(html).toContain("script-src 'none'");
    expect(html).toContain('<h3>Stress run</h3>');
    expect(html).toContain('journal-mode title');
  });

  it('findings that need action first, passes folded away; only web links are links; --stack filters the fixes', () => {
    const html = formatHtml(chartsReport());
    const fail = html.indexOf('finding fail');
    const warn = html.indexOf('finding warn');
    const pass = html.indexOf('finding pass');
    expect(fail).toBeGreaterThan(0);
    expect(fail).toBeLessThan(warn);
    expect(warn).toBeLessThan(pass);
    expect(html.slice(html.indexOf('<details class="passed">'))).toContain('finding pass');
    expect(html).toContain('<a href="https://www.sqlite.org/pragma.html"');
    expect(html).not.toContain('href="javascript');
    const python = formatHtml(mixedReport(), { stack: 'python' });
    expect(python).toContain('sqlite3.connect(path, timeout=5)');
    expect(python).not.toContain('_busy_timeout=5000');
  });

  it('a database that could not be examined shows its error', () => {
    const html = formatHtml(report([{ path: 'missing.db', error: { code: 'ENOENT', message: 'missing.db: no such file' } }], 2));
    expect(html).toContain('missing.db: no such file');
    expect(html).toContain('<code>ENOENT</code>');
  });
});
