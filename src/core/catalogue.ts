/**
 * The check catalogue: every registered check with its category, thresholds, default severity and documentation.
 * `lockscope checks`, `lockscope explain` and the SARIF rules all come from here, so they cannot disagree.
 * `buildCatalogue` is pure; `loadCatalogue` reads checks/<id>.md from the installed package.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyCheck, CheckCategory, Severity, ThresholdUnit } from './check.js';
import type { Status } from './model.js';
import { PACKAGE_ROOT, VERSION } from './version.js';

/** Where lockscope is described (SARIF tool.driver.informationUri). */
export const INFORMATION_URI = 'https://www.npmjs.com/package/lockscope';

/**
 * Where a check's documentation is published: the checks/<id>.md shipped in this version's npm package
 * (package.json "files" includes checks/*.md), so the link shows the text that matches the findings.
 */
export function helpUri(id: string, version: string = VERSION): string {
  return `https://unpkg.com/lockscope@${encodeURIComponent(version)}/checks/${encodeURIComponent(id)}.md`;
}

export type { Severity };

export interface CatalogueThreshold {
  name: string;
  default: number;
  unit: ThresholdUnit;
  description: string;
}

export interface CatalogueEntry {
  id: string;
  title: string;
  failureTitle: string;
  /** One line: what it measures. */
  description: string;
  /** The first paragraph of the doc's "What it measures" section (the description when there is no doc). */
  summary: string;
  thresholds: CatalogueThreshold[];
  /** Which command runs it (checks/index.ts CATEGORIES). */
  category: CheckCategory;
  /** The worst status the check gives with default thresholds (declared on the check). */
  defaultSeverity: Severity;
  /** checks/<id>.md, verbatim; null when the file is missing (the meta test forbids that). */
  doc: string | null;
  /** Path of the doc inside the package. */
  docPath: string;
  helpUri: string;
}

/** The body of a `## heading` section, up to the next `## `; null when absent. */
export function docSection(doc: string, heading: string): string | null {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return null;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^## /.test(line)) break;
    body.push(line);
  }
  return body.join('\n').trim();
}

function firstParagraph(section: string | null): string | null {
  if (!section) return null;
  const para: string[] = [];
  for (const line of section.split('\n')) {
    if (line.trim() === '') {
      if (para.length > 0) break;
      continue;
    }
    if (/^\s*(\||#|```)/.test(line)) break;
    para.push(line.trim());
  }
  return para.length > 0 ? para.join(' ') : null;
}

export function catalogueEntry(check: AnyCheck, doc: string | null, version: string = VERSION): CatalogueEntry {
  const thresholds = Object.entries(check.thresholds).map(([name, spec]) => ({
    name,
    default: spec.default,
    unit: spec.unit,
    description: spec.description,
  }));
  return {
    id: check.id,
    title: check.title,
    failureTitle: check.failureTitle,
    description: check.description,
    summary: firstParagraph(doc === null ? null : docSection(doc, 'What it measures')) ?? check.description,
    thresholds,
    category: check.category,
    defaultSeverity: check.defaultSeverity,
    doc,
    docPath: `checks/${check.id}.md`,
    helpUri: helpUri(check.id, version),
  };
}

/** Pure: the catalogue from a registry and a doc lookup (id → markdown, or null when there is none). */
export function buildCatalogue(registry: readonly AnyCheck[], docFor: (id: string) => string | null = () => null): CatalogueEntry[] {
  return registry.map((check) => catalogueEntry(check, docFor(check.id)));
}

/** The directory the check docs are read from at run time: the package's own checks/. */
export const DOCS_DIR = join(PACKAGE_ROOT, 'checks');

/** Reads checks/<id>.md from the package; null when it is missing or unreadable. */
export function readCheckDoc(id: string, dir: string = DOCS_DIR): string | null {
  // Ids are kebab-case (meta test); refuse anything else so an argument can never name another file.
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) return null;
  try {
    return readFileSync(join(dir, `${id}.md`), 'utf8');
  } catch {
    return null;
  }
}

export function loadCatalogue(registry: readonly AnyCheck[], dir: string = DOCS_DIR): CatalogueEntry[] {
  return buildCatalogue(registry, (id) => readCheckDoc(id, dir));
}

/** SARIF level for a status or severity: fail → error, warn → warning, info → note. */
export function sarifLevel(status: Status | Severity | null): 'error' | 'warning' | 'note' | 'none' {
  if (status === 'fail' || status === 'error') return 'error';
  if (status === 'warn') return 'warning';
  if (status === 'info') return 'note';
  return 'none';
}
