/**
 * The HTML report in a real browser (Debian's chromium, driven by playwright-core; .ci/run installs it):
 * facts saved from a real database, with a stress run's series and a lock window's timeline added (the
 * recorders are tested where they live), are replayed with `--format html --output`; the page is opened from
 * file:// and must load with no console error, make no network request, draw every chart (a canvas of
 * non-zero size with painted pixels, and the points or hold bars the script reports it drew), run none of the
 * markup planted in a path and in command lines, and fit a phone's width.
 * LOCKSCOPE_SCREENSHOTS=<dir> keeps a desktop and a phone screenshot there for a person to look at.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { makeStress } from '../stress/fixtures.js';
import { lockWindow, stressSeries } from './series-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const PLANTED = `<script>window.__planted = 1</script><img src=x onerror="window.__planted = 2">`;

const scratch = scratchPerTest();
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 20_000);

afterAll(async () => {
  await browser?.close();
});

/** A real database's saved facts, with the series added and markup planted in the path and command lines. */
function factsFile(dir: string, command: 'audit' | 'locks'): string {
  buildDatabase(join(dir, 'app.db'), { journalMode: 'wal', rows: 20 });
  const saved = runCli([command, 'app.db', '--json', '--save-facts', 'facts.json'], { cwd: dir });
  expect(saved.stderr).toContain('saved the facts');
  const file = JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8'));
  const db = file.databases[0];
  db.path = `${PLANTED}.db`;
  db.facts.lockSamples = lockWindow({ writer: `python3 ${PLANTED}`, reader: 'node report.js' });
  if (command === 'audit') db.facts.stress = makeStress({ series: stressSeries() });
  writeFileSync(join(dir, 'facts.json'), JSON.stringify(file));
  return join(dir, 'facts.json');
}

interface PageCheck {
  errors: string[];
  requests: string[];
  charts: { id: string; kind: string; drawn: number; width: number; height: number; painted: number }[];
  planted: unknown;
  pathText: string;
  overflowX: number;
}

async function openReport(page: Page, html: string): Promise<PageCheck> {
  const url = pathToFileURL(html).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  const count = await page.locator('figure.chart').count();
  if (count > 0) await page.waitForFunction((n) => document.querySelectorAll('figure.chart[data-drawn]').length === n, count, { timeout: 5000 });
  const found = await page.evaluate(() => ({
    charts: [...document.querySelectorAll<HTMLElement>('figure.chart')].map((fig) => {
      // uPlot draws on one canvas per chart; painted = pixels that are not transparent.
      const canvas = fig.querySelector('canvas');
      let painted = 0;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) painted += 1;
      }
      return { id: fig.id, kind: fig.dataset.kind ?? '', drawn: Number(fig.dataset.drawn ?? 0), width: canvas?.width ?? 0, height: canvas?.height ?? 0, painted };
    }),
    planted: (window as unknown as { __planted?: unknown }).__planted,
    pathText: document.querySelector('section.db h2')?.textContent ?? '',
    overflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }));
  return { errors, requests, ...found };
}

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.LOCKSCOPE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name), fullPage: true });
}

describe('--format html in headless Chromium', () => {
  it('audit: loads from file:// with no console error and no request, draws throughput/BUSY, the lock timeline and both WAL charts, runs no planted markup', async () => {
    const dir = scratch.tempDir('lockscope-html-');
    const facts = factsFile(dir, 'audit');
    const run = runCli(['audit', '--from-facts', facts, '--format', 'html', '--output', 'report.html'], { cwd: dir });
    expect(run.stderr).toContain('wrote the html report to report.html');
    expect([0, 1]).toContain(run.code);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const check = await openReport(page, join(dir, 'report.html'));
    expect(check.errors).toEqual([]);
    expect(check.requests).toEqual([]);
    expect(check.charts.map((c) => c.kind)).toEqual(['rates', 'wal', 'timeline', 'wal']);
    for (const c of check.charts) {
      expect(c.width, c.id).toBeGreaterThan(200);
      expect(c.height, c.id).toBeGreaterThan(50);
      expect(c.painted, c.id).toBeGreaterThan(500);
    }
    // Points of the rates (40 intervals) and WAL series; hold bars of the timeline: 21 writes + 1 read.
    expect(check.charts.map((c) => c.drawn)).toEqual([40, 100, 22, 51]);
    expect(check.planted).toBeUndefined();
    expect(check.pathText).toBe(`${PLANTED}.db`);
    expect(check.overflowX).toBeLessThanOrEqual(0);
    await screenshot(page, 'audit-desktop.png');
    await page.setViewportSize({ width: 390, height: 844 });
    // The charts follow their box's width (ResizeObserver): wait until every canvas fits the phone.
    await page.waitForFunction(() => [...document.querySelectorAll('canvas')].every((c) => c.getBoundingClientRect().width <= 390), undefined, { timeout: 5000 });
    const phone = await page.evaluate(() => ({
      overflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      widest: Math.max(...[...document.querySelectorAll('canvas')].map((c) => c.getBoundingClientRect().width)),
    }));
    expect(phone.overflowX).toBeLessThanOrEqual(0);
    expect(phone.widest).toBeLessThanOrEqual(390);
    await screenshot(page, 'audit-phone.png');
    await page.close();
  }, 20_000);

  it('stress: a real run written as html loads with no console error and no request; every chart it has is drawn', async () => {
    const dir = scratch.tempDir('lockscope-html-');
    buildDatabase(join(dir, 'app.db'), { journalMode: 'wal', rows: 20 });
    const run = runCli(['stress', 'app.db', '--duration', '500ms', '--writers', '2', '--format', 'html', '--output', 'stress.html'], { cwd: dir });
    expect(run.stderr).toContain('wrote the html report to stress.html');
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const check = await openReport(page, join(dir, 'stress.html'));
    expect(check.errors).toEqual([]);
    expect(check.requests).toEqual([]);
    for (const c of check.charts) expect(c.painted, c.id).toBeGreaterThan(500);
    expect(await page.locator('h3', { hasText: 'Stress run' }).count()).toBe(1);
    await page.close();
  }, 20_000);

  it('locks: the lock timeline and the WAL over the window, the holders, no request', async () => {
    const dir = scratch.tempDir('lockscope-html-');
    const facts = factsFile(dir, 'locks');
    const run = runCli(['locks', '--from-facts', facts, '--format', 'html', '--output', 'locks.html'], { cwd: dir });
    expect(run.stderr).toContain('wrote the html report to locks.html');
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const check = await openReport(page, join(dir, 'locks.html'));
    expect(check.errors).toEqual([]);
    expect(check.requests).toEqual([]);
    expect(check.charts.map((c) => [c.kind, c.drawn])).toEqual([
      ['timeline', 22],
      ['wal', 51],
    ]);
    for (const c of check.charts) expect(c.painted, c.id).toBeGreaterThan(500);
    expect(check.planted).toBeUndefined();
    await screenshot(page, 'locks-desktop.png');
    await page.close();
  }, 20_000);
});
