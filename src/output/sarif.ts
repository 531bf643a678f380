/**
 * SARIF 2.1.0 (OASIS, errata 01) for code-scanning tools: one run, the check catalogue as the driver's rules,
 * one result per non-passing finding (fail → error, warn → warning, info → note; pass and skip are not
 * results), the database path as the artifact location. Databases that could not be audited and checks that
 * crashed are tool execution notifications, not results: they say nothing about the database.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CatalogueEntry, INFORMATION_URI, helpUri, sarifLevel } from '../core/catalogue.js';
import type { DatabaseReport, Finding, Report, FixFilter } from '../core/model.js';
import { fixesFor } from './text.js';
import { titleAndMessage } from './plain.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface SarifOptions {
  /** The rules (loadCatalogue(REGISTRY) gives docs as help text); findings whose id is missing get a minimal rule. */
  catalogue?: readonly CatalogueEntry[];
  /** Fixes (kept in result properties) for this stack only. */
  stack?: FixFilter;
}

/**
 * A path as a SARIF artifact URI: relative paths as relative references (resolved by the consumer against
 * the checkout, as SARIF §3.4.3 and GitHub code scanning expect), absolute paths as file:// URIs.
 */
export function artifactUri(path: string): string {
  // A lone surrogate cannot be percent-encoded (encodeURIComponent throws): it becomes U+FFFD.
  const wellFormed = path.replace(/[\ud800-\udfff]/gu, '\ufffd');
  if (isAbsolute(wellFormed)) return pathToFileURL(wellFormed).href;
  return wellFormed
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/**
 * The rule's `name`: its title in PascalCase ("Connections wait for locks" → ConnectionsWaitForLocks).
 * SARIF reportingDescriptor.name is an identifier that must differ from the id: sarif-multitool's SARIF1001
 * (DoNotUseFriendlyNameAsRuleId) compares them ignoring case, so PascalCase of the id (checkpoint →
 * Checkpoint) would still warn. When the title gives nothing distinct, "<Id>Check".
 */
export function ruleName(id: string, title: string): string {
  const pascal = (text: string) =>
    text
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('');
  const fromTitle = pascal(title);
  return fromTitle && fromTitle.toLowerCase() !== id.toLowerCase() ? fromTitle : `${pascal(id)}Check`;
}

function rule(entry: CatalogueEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: entry.id,
    name: ruleName(entry.id, entry.title),
    shortDescription: { text: entry.description },
    fullDescription: { text: entry.summary },
    helpUri: entry.helpUri,
    defaultConfiguration: { level: sarifLevel(entry.defaultSeverity) },
    properties: {
      title: entry.title,
      failureTitle: entry.failureTitle,
      thresholds: Object.fromEntries(entry.thresholds.map((t) => [t.name, { default: t.default, unit: t.unit, description: t.description }])),
    },
  };
  if (entry.doc !== null) out.help = { text: entry.doc, markdown: entry.doc };
  return out;
}

/** A rule for a finding id the catalogue does not know (another command's finding): id and title only. */
function minimalRule(f: Finding, version: string): Record<string, unknown> {
  return { id: f.id, name: ruleName(f.id, f.title), shortDescription: { text: f.title || f.id }, helpUri: helpUri(f.id, version) };
}

function location(db: DatabaseReport): Record<string, unknown> {
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(db.path) },
      // A database has no lines; GitHub code scanning places every alert on a line, so the alert is put on
      // line 1 of the file (as OpenSSF Scorecard does for binary files).
      region: { startLine: 1 },
    },
  };
}

export function formatSarif(report: Report, opts: SarifOptions = {}): string {
  const version = report.tool.version;
  const rules: Record<string, unknown>[] = [];
  const ruleIndex = new Map<string, number>();
  for (const entry of opts.catalogue ?? []) {
    if (ruleIndex.has(entry.id)) continue;
    ruleIndex.set(entry.id, rules.length);
    rules.push(rule(entry));
  }
  const indexOf = (f: Finding): number => {
    let i = ruleIndex.get(f.id);
    if (i === undefined) {
      i = rules.length;
      ruleIndex.set(f.id, i);
      rules.push(minimalRule(f, version));
    }
    return i;
  };

  const results: Record<string, unknown>[] = [];
  const notifications: Record<string, unknown>[] = [];
  for (const db of report.databases) {
    if (db.error) {
      notifications.push({
        level: 'error',
        message: { text: db.error.message },
        descriptor: { id: db.error.code },
        locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(db.path) } } }],
      });
      continue;
    }
    for (const f of db.findings ?? []) {
      if (f.status === 'pass' || f.status === 'skip') continue;
      const index = indexOf(f);
      if (f.status === 'error') {
        notifications.push({
          level: 'error',
          message: { text: `${db.path}: ${f.message}` },
          descriptor: { id: f.messageId },
          associatedRule: { id: f.id, index },
          locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(db.path) } } }],
        });
        continue;
      }
      // A finding about lines of code (lockscope scan) is one result per line, each on its region.
      for (const loc of f.locations ?? []) {
        results.push({
          ruleId: f.id,
          ruleIndex: index,
          level: sarifLevel(f.status),
          message: { text: loc.message ? `${f.title}: ${loc.message}` : titleAndMessage(f) },
          locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(loc.file) }, region: { startLine: loc.line, ...(loc.endLine && loc.endLine >= loc.line ? { endLine: loc.endLine } : {}) } } }],
          partialFingerprints: { 'lockscopeFinding/v1': `${f.id}/${f.messageId}/${loc.file}` },
          properties: { status: f.status, messageId: f.messageId, fixes: fixesFor(f.fixes ?? [], opts.stack) },
        });
      }
      if (f.locations && f.locations.length > 0) continue;
      results.push({
        ruleId: f.id,
        ruleIndex: index,
        level: sarifLevel(f.status),
        message: { text: titleAndMessage(f) },
        locations: [location(db)],
        partialFingerprints: { 'lockscopeFinding/v1': `${f.id}/${f.messageId}` },
        properties: {
          status: f.status,
          messageId: f.messageId,
          evidence: f.evidence,
          fixes: fixesFor(f.fixes ?? [], opts.stack),
        },
      });
    }
  }

  const invocation: Record<string, unknown> = {
    // A run cut short by a signal did not do all it was asked: its results are partial.
    executionSuccessful: notifications.length === 0 && !report.interrupted,
    exitCode: report.exitCode,
  };
  if (report.interrupted) invocation.exitSignalName = report.interrupted;
  if (notifications.length > 0) invocation.toolExecutionNotifications = notifications;

  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version,
            semanticVersion: version,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        invocations: [invocation],
        results,
        properties: { command: report.command, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
