/** Registry, check files, ids, docs and tests stay in step (after eslint's checkRuleFiles). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../checks/index.js';
import { ROOT } from '../helpers/cli.js';

const CHECKS_DIR = join(ROOT, 'checks');
const files = readdirSync(CHECKS_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
const HEADINGS = ['## What it measures', '## Why it matters', '## How lockscope detects it', '## How to fix it', '## When to ignore it'];

describe('check catalogue', () => {
  it('every check file is registered, once', () => {
    const ids = REGISTRY.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
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
    const doc = readFileSync(join(CHECKS_DIR, `${id}.md`), 'utf8');
    expect(doc.startsWith(`# ${id}\n`)).toBe(true);
    for (const h of HEADINGS) expect(doc, `${id}.md lacks "${h}"`).toContain(`\n${h}\n`);
    expect(check.title.length).toBeGreaterThan(0);
    expect(check.failureTitle.length).toBeGreaterThan(0);
    expect(check.description.length).toBeGreaterThan(0);
    for (const name of Object.keys(check.thresholds ?? {})) expect(doc, `${id}.md documents threshold ${name}`).toContain(name);
    expect(existsSync(join(ROOT, 'test', 'checks', `${id}.test.ts`)), `test/checks/${id}.test.ts`).toBe(true);
  });
});
