/**
 * `lockscope checks` and `lockscope explain`, run as the built CLI; and the catalogue kept in step with the
 * registry and the docs (default severity declared in code = the worst status in the doc's status table).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../checks/index.js';
import { loadCatalogue } from '../../src/core/catalogue.js';
import { severityFromDoc, statusesFromDoc } from '../helpers/check-docs.js';
import { formatThresholdValue, suggestIds } from '../../src/cli/commands/catalogue.js';
import { ROOT, runCli } from '../helpers/cli.js';

const docOf = (id: string) => readFileSync(join(ROOT, 'checks', `${id}.md`), 'utf8');

describe('catalogue ↔ registry ↔ docs', () => {
  it.each(REGISTRY.map((c) => [c.id, c] as const))('%s: the declared default severity, agreeing with the doc\'s status table', (id, check) => {
    const doc = docOf(id);
    expect(loadCatalogue([check])[0]!.defaultSeverity).toBe(check.defaultSeverity);
    expect(severityFromDoc(doc), `checks/${id}.md has a status table with fail, warn or info`).toBe(check.defaultSeverity);
    // A check either can pass, or only ever informs (e.g. synchronous states a trade-off).
    const statuses = statusesFromDoc(doc);
    expect(statuses.includes('pass') || statuses.every((s) => s === 'info' || s === 'warn' || s === 'skip')).toBe(true);
  });

  it('status tables are read from "What it measures" only', () => {
    const doc = '# x\n\n## What it measures\nText.\n\n| status | when |\n| --- | --- |\n| pass | ok |\n| warn, info | meh |\n\n## Why it matters\n| fail | not a status table |\n';
    expect(statusesFromDoc(doc)).toEqual(['pass', 'warn', 'info']);
    expect(severityFromDoc(doc)).toBe('warn');
    const other = '## What it measures\n| messageId | status |\n| --- | --- |\n| ok | pass |\n| big | fail |\n';
    expect(statusesFromDoc(other)).toEqual(['pass', 'fail']);
    expect(severityFromDoc('## What it measures\nNo table.\n')).toBeNull();
  });

  it('loadCatalogue: every check in registry order, with its doc and thresholds', () => {
    const catalogue = loadCatalogue(REGISTRY);
    expect(catalogue.map((e) => e.id)).toEqual(REGISTRY.map((c) => c.id));
    for (const e of catalogue) {
      expect(e.doc).toBe(docOf(e.id));
      expect(e.summary.length).toBeGreaterThan(0);
      expect(e.summary).not.toContain('\n');
    }
  });

  it('threshold defaults print with exact units', () => {
    expect(formatThresholdValue({ default: 64 * 1024 * 1024, unit: 'bytes' })).toBe('64 MiB');
    expect(formatThresholdValue({ default: 1000, unit: 'bytes' })).toBe('1,000 B');
    expect(formatThresholdValue({ default: 5000, unit: 'ms' })).toBe('5,000 ms');
    expect(formatThresholdValue({ default: 1000, unit: 'pages' })).toBe('1,000 pages');
    expect(formatThresholdValue({ default: 1, unit: 'frames' })).toBe('1 frame');
    expect(formatThresholdValue({ default: 5, unit: 'percent' })).toBe('5%');
  });

  it('suggestions: typos, prefixes and substrings', () => {
    const known = ['journal-mode', 'busy-timeout', 'journal-size-limit', 'wal-autocheckpoint'];
    expect(suggestIds('busy-timout', known)).toEqual(['busy-timeout']);
    expect(suggestIds('journal', known)).toEqual(expect.arrayContaining(['journal-mode', 'journal-size-limit']));
    expect(suggestIds('zzz', known)).toEqual([]);
  });
});

describe('lockscope checks', () => {
  it('text: a table with every check id, its severity, description and thresholds', () => {
    const r = runCli(['checks']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const check of REGISTRY) {
      const row = r.stdout.split('\n').find((l) => l.startsWith(`│ ${check.id} `));
      expect(row, `row for ${check.id}`).toBeDefined();
      const severity = loadCatalogue([check])[0]!.defaultSeverity;
      expect(row!.split('│')[2]!.trim()).toBe(severity);
      for (const name of Object.keys(check.thresholds)) expect(r.stdout.replace(/[│\s]+/g, ' ')).toContain(`${name} =`);
    }
    expect(r.stdout).toContain(`${REGISTRY.length} check${REGISTRY.length === 1 ? '' : 's'}. Severity: the worst status a check gives`);
    expect(r.stdout).toContain('lockscope explain <check>');
    // Fits an 80-column terminal.
    for (const line of r.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  });

  it('--json: the registry, thresholds with units and defaults, default severity, docs path', () => {
    const r = runCli(['checks', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.checks.map((c: { id: string }) => c.id)).toEqual(REGISTRY.map((c) => c.id));
    for (const [i, check] of REGISTRY.entries()) {
      const entry = doc.checks[i];
      expect(entry).toMatchObject({ id: check.id, title: check.title, failureTitle: check.failureTitle, description: check.description, docs: `checks/${check.id}.md` });
      expect(['fail', 'warn', 'info']).toContain(entry.defaultSeverity);
      expect(entry.thresholds).toEqual(Object.entries(check.thresholds).map(([name, t]) => ({ name, default: t.default, unit: t.unit, description: t.description })));
    }
  });
});

describe('lockscope explain', () => {
  it.each(REGISTRY.map((c) => [c.id]))('%s: prints checks/<id>.md exactly', (id) => {
    const r = runCli(['explain', id]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(docOf(id).endsWith('\n') ? docOf(id) : `${docOf(id)}\n`);
  });

  it('an unknown id: one line on stderr with a suggestion, exit 2, nothing on stdout', () => {
    const r = runCli(['explain', 'busy-timout']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('lockscope: unknown check "busy-timout"; did you mean busy-timeout? (lockscope checks lists them all)\n');
  });

  it('no close match: the known ids; hostile input escaped; path-like ids refused', () => {
    const r = runCli(['explain', 'zz\u001b[2J']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toContain('zz\\x1b[2J');
    expect(r.stderr).toContain(`known checks: ${REGISTRY.map((c) => c.id).join(', ')}`);
    const traversal = runCli(['explain', '../README']);
    expect(traversal.code).toBe(2);
    expect(traversal.stdout).toBe('');
  });

  it('no id: a usage error, exit 2', () => {
    expect(runCli(['explain']).code).toBe(2);
  });
});
