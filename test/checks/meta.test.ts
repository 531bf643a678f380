/**
 * Registry, check files, ids, docs and tests stay in step (after eslint's checkRuleFiles): what a check declares
 * (messages and their statuses, default severity, thresholds and their defaults) is what its doc says and what
 * its tests exercise.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, REGISTRY } from '../../checks/index.js';
import { STATUSES } from '../../src/core/model.js';
import { defineCheck } from '../../src/core/check.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { ROOT } from '../helpers/cli.js';
import { severityFromDoc, statusesFromDoc } from '../helpers/check-docs.js';

const CHECKS_DIR = join(ROOT, 'checks');
const files = readdirSync(CHECKS_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
const HEADINGS = ['## What it measures', '## Why it matters', '## How lockscope detects it', '## How to fix it', '## When to ignore it'];
/** Facts every gather produces without a GatherError: requiring them can never skip a check. */
const ALWAYS_GATHERED = new Set(['path', 'realPath', 'files', 'header']);
/**
 * Declared messageIds no test can reach through the public inputs today, with why. Keep this short: a new entry
 * needs a reason a reviewer accepts.
 */
const UNREACHABLE: Record<string, Record<string, string>> = {
  'transaction-mode': { 'stack-default-immediate': "no stack in src/sources/sqlite/stacks.ts has 'immediate' as its verified default yet" },
};
const UNIT_FACTORS: Record<string, number> = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

const docOf = (id: string) => readFileSync(join(CHECKS_DIR, `${id}.md`), 'utf8');
const testOf = (id: string) => readFileSync(join(ROOT, 'test', 'checks', `${id}.test.ts`), 'utf8');

describe('check catalogue', () => {
  it('every check file is registered, once', () => {
    const ids = REGISTRY.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
  });

  it('every check is in a listed category, and every category has a check', () => {
    const categories = CATEGORIES.map((c) => c.id);
    for (const check of REGISTRY) expect(categories, check.id).toContain(check.category);
    for (const c of categories) expect(REGISTRY.some((check) => check.category === c), c).toBe(true);
  });

  it('README.md lists every check in its checks table', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- checks-start -->'), readme.indexOf('<!-- checks-end -->'));
    const listed = [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(REGISTRY.map((c) => c.id));
  });

  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s: kebab-case id = file name, doc with every heading, a test file', (id, check) => {
    expect(id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
    expect(existsSync(join(CHECKS_DIR, `${id}.ts`))).toBe(true);
    const doc = docOf(id);
    expect(doc.startsWith(`# ${id}\n`)).toBe(true);
    for (const h of HEADINGS) expect(doc, `${id}.md lacks "${h}"`).toContain(`\n${h}\n`);
    expect(check.title.length).toBeGreaterThan(0);
    expect(check.failureTitle.length).toBeGreaterThan(0);
    expect(check.description.length).toBeGreaterThan(0);
    expect(existsSync(join(ROOT, 'test', 'checks', `${id}.test.ts`)), `test/checks/${id}.test.ts`).toBe(true);
  });

  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s: the doc names every declared messageId, and its status table lists exactly the declared statuses', (id, check) => {
    const doc = docOf(id);
    const ids = Object.keys(check.messages);
    expect(ids.length).toBeGreaterThan(0);
    for (const m of ids) {
      expect(m, `${id}: messageIds are kebab-case`).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(doc, `checks/${id}.md names messageId \`${m}\``).toContain(`\`${m}\``);
    }
    // The runner's own ids: facts-unavailable (skip) when a required fact failed to gather, check-crashed (error).
    for (const runnerId of ['facts-unavailable', 'check-crashed']) expect(ids, `${id} must not declare the runner's ${runnerId}`).not.toContain(runnerId);
    const declared = new Set<string>(Object.values(check.messages).flat());
    const canBeUnavailable = check.requires.some((k) => !ALWAYS_GATHERED.has(k));
    if (doc.includes('`facts-unavailable`')) {
      expect(canBeUnavailable, `${id}.md documents facts-unavailable, but every fact it requires is always gathered`).toBe(true);
      declared.add('skip');
    }
    expect(statusesFromDoc(doc), `checks/${id}.md status table vs the declared messages`).toEqual(STATUSES.filter((st) => declared.has(st)));
  });

  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s: defaultSeverity is the worst declared status, as the doc says', (id, check) => {
    const statuses = new Set<string>(Object.values(check.messages).flat());
    const worst = (['fail', 'warn', 'info'] as const).find((s) => statuses.has(s));
    expect(check.defaultSeverity).toBe(worst);
    expect(severityFromDoc(docOf(id))).toBe(check.defaultSeverity);
  });

  it('an info result never reads under the passing title', () => {
    // The type requires a title on every info result (src/core/check.ts), and the runner turns one that reuses
    // the passing title into a check error; every info messageId has a test (below) asserting its status, so a
    // check that broke the rule would fail its own test. Here: the runner's half, on a check that breaks it.
    const broken = defineCheck({
      id: 'broken-info',
      source: 'sqlite',
      category: 'audit',
      title: 'All is well',
      failureTitle: 'All is not well',
      description: 'x',
      requires: ['header'],
      thresholds: {},
      messages: { odd: ['info'] },
      defaultSeverity: 'info',
      run: () => ({ status: 'info', messageId: 'odd', message: 'It predates the fix.' }) as unknown as { status: 'info'; messageId: 'odd'; message: string; title: string },
    });
    const finding = runCheck(broken, makeFacts(), { app: {} });
    expect(finding?.status).toBe('error');
    expect(finding?.message).toContain('under its passing title');
    const titled = runCheck({ ...broken, run: () => ({ status: 'info', messageId: 'odd', message: 'It predates the fix.', title: 'An old library' }) }, makeFacts(), { app: {} });
    expect(titled).toMatchObject({ status: 'info', title: 'An old library' });
    // And every check that can give info declares it in its messages, so the messageId test below covers it.
    for (const check of REGISTRY) {
      const infoIds = Object.entries(check.messages).filter(([, statuses]) => statuses.includes('info'));
      for (const [m] of infoIds) expect(testOf(check.id), `${check.id}: info messageId ${m} has a test`).toContain(m);
    }
  });

  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s: every declared messageId has a test', (id, check) => {
    const test = testOf(id);
    const unreachable = UNREACHABLE[id] ?? {};
    for (const m of Object.keys(check.messages)) {
      if (m in unreachable) {
        expect(test.includes(`'${m}'`), `${id}: ${m} is tested now; drop it from UNREACHABLE`).toBe(false);
        continue;
      }
      expect(test.includes(`'${m}'`) || test.includes(`"${m}"`), `test/checks/${id}.test.ts asserts messageId '${m}'`).toBe(true);
    }
    for (const m of Object.keys(unreachable)) expect(Object.keys(check.messages), `${id}: UNREACHABLE names an undeclared ${m}`).toContain(m);
  });

  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s: the doc states each threshold with its declared default', (id, check) => {
    const doc = docOf(id).replace(/\s+/g, ' ');
    for (const [name, spec] of Object.entries(check.thresholds)) {
      const m = new RegExp(`\`${id}\\.${name}\` \\(default ([0-9][0-9,.]*)(?: (KiB|MiB|GiB|ms|pages))?`).exec(doc);
      expect(m, `checks/${id}.md: "\`${id}.${name}\` (default …)"`).not.toBeNull();
      const value = Number(m![1]!.replace(/,/g, '')) * (UNIT_FACTORS[m![2] ?? ''] ?? 1);
      expect(value, `${id}.${name}: the doc's default`).toBe(spec.default);
      if (m![2] === 'ms') expect(spec.unit).toBe('ms');
    }
  });
});
