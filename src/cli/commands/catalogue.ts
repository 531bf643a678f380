/**
 * `lockscope checks`: every check, what it measures, its default thresholds and default severity.
 * `lockscope explain <check-id>`: the check's documentation, read at run time from the package's checks/<id>.md.
 */
import type { Command } from 'commander';
import { CATEGORIES, REGISTRY } from '../../../checks/index.js';
import { type CatalogueEntry, type CatalogueThreshold, DOCS_DIR, loadCatalogue, readCheckDoc } from '../../core/catalogue.js';
import type { Io } from '../io.js';
import { type Layout, fitTable, layoutOf, shown, wrapHanging } from '../../output/terminal.js';
import { outputLayout } from '../terminal.js';
import { escapeControl } from '../../core/escape.js';
import { formatCount } from '../../core/units.js';
import { VERSION } from '../../core/version.js';
import { suggestIds } from '../suggest.js';

// Kept importable from here too (test/commands/catalogue.test.ts).
export { suggestIds };

const BINARY_UNITS: readonly [number, string][] = [
  [1024 ** 4, 'TiB'],
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
];

/** A threshold's default with its unit, exact (64 MiB, 1,000 ms, 1,000 pages). */
export function formatThresholdValue(t: Pick<CatalogueThreshold, 'default' | 'unit'>): string {
  const n = t.default;
  switch (t.unit) {
    case 'bytes': {
      for (const [size, name] of BINARY_UNITS) if (n !== 0 && n % size === 0) return `${formatCount(n / size)} ${name}`;
      return `${formatCount(n)} B`;
    }
    case 'ms':
      return `${formatCount(n)} ms`;
    case 'percent':
      return `${n}%`;
    case 'ratio':
      return String(n);
    default:
      return `${formatCount(n)} ${n === 1 ? t.unit.replace(/s$/, '') : t.unit}`;
  }
}

/** What "default severity" means, said once under the table and in --json. */
export const DEFAULT_SEVERITY_MEANING =
  'the worst status the check gives with its default thresholds; a config "checks" entry (off|info|warn|fail) replaces it';

/** One table per category (checks/index.ts CATEGORIES order), each under its title; checks in registry order. */
export function formatChecksTable(catalogue: readonly CatalogueEntry[], layout: Layout = layoutOf({})): string {
  const sections: string[] = [];
  for (const category of CATEGORIES) {
    const entries = catalogue.filter((e) => e.category === category.id);
    if (entries.length === 0) continue;
    const rows = entries.map((entry) => {
      const lines = [entry.description];
      // The check id is in the first column: the threshold's own name is enough here (and fits).
      for (const t of entry.thresholds) lines.push(`${t.name} = ${formatThresholdValue(t)}: ${t.description}`);
      return [entry.id, entry.defaultSeverity, lines.join('\n')];
    });
    // Ids never wrap (scripts grep the rows); the description takes the rest of the width.
    const table = fitTable({ head: ['check', 'severity', 'what it measures · thresholds (default)'], rows, layout, keep: [0, 1] });
    sections.push(...wrapHanging(`${category.id}: ${category.title}`, layout, ''), table, '');
  }
  const n = catalogue.length;
  const footer = [
    `${n} check${n === 1 ? '' : 's'}. Severity: the worst status a check gives with its default thresholds (a config "checks" entry off|info|warn|fail replaces it).`,
    'Thresholds: --threshold <check>.<name>=<value> or the config\'s "thresholds".',
    'Documentation: lockscope explain <check>',
  ].flatMap((line) => wrapHanging(line, layout, ''));
  return shown([...sections, ...footer, ''].join('\n'), layout);
}

export function checksJson(catalogue: readonly CatalogueEntry[]): string {
  const doc = {
    schemaVersion: 1,
    tool: { name: 'lockscope', version: VERSION },
    defaultSeverityMeaning: DEFAULT_SEVERITY_MEANING,
    categories: CATEGORIES.map((c) => ({ id: c.id, title: c.title })),
    checks: catalogue.map((e) => ({
      id: e.id,
      category: e.category,
      title: e.title,
      failureTitle: e.failureTitle,
      description: e.description,
      defaultSeverity: e.defaultSeverity,
      thresholds: e.thresholds,
      docs: e.docPath,
      helpUri: e.helpUri,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function unknownCheckMessage(id: string, known: readonly string[]): string {
  const suggestions = suggestIds(id, known);
  const hint = suggestions.length > 0 ? `did you mean ${suggestions.join(', ')}?` : `known checks: ${known.join(', ')}`;
  return `lockscope: unknown check "${escapeControl(id)}"; ${hint} (lockscope checks lists them all)\n`;
}

export function registerCatalogue(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('checks')
    .description('list every check: what it measures, default thresholds, default severity')
    .option('--json', 'print the catalogue as one JSON document')
    .action((opts: { json?: boolean }) => {
      const catalogue = loadCatalogue(REGISTRY);
      io.stdout(opts.json ? checksJson(catalogue) : formatChecksTable(catalogue, outputLayout(io)));
    });

  program
    .command('explain')
    .description("print a check's documentation: what it measures, why it matters, how it is detected, how to fix it")
    .argument('<check-id>', 'a check id, as listed by `lockscope checks`')
    .action((id: string) => {
      const known = REGISTRY.map((c) => c.id);
      if (!known.includes(id)) {
        io.stderr(unknownCheckMessage(id, known));
        setExit(2);
        return;
      }
      const doc = readCheckDoc(id);
      if (doc === null) {
        io.stderr(`lockscope: the documentation of ${id} is missing (${DOCS_DIR}/${id}.md): the package is incomplete\n`);
        setExit(2);
        return;
      }
      io.stdout(doc.endsWith('\n') ? doc : `${doc}\n`);
    });
}
