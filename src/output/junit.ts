/**
 * JUnit XML for CI test-report importers (Jenkins, GitLab, GitHub test reporters): one <testsuite> per
 * database (classname = its path), one <testcase> per check (name = check id).
 *
 * fail → <failure>; warn → <failure> or, with warnAs 'property', a passing testcase whose <system-out> says
 * "warn", and the status as <property> elements of its <testsuite> (lockscope.<check>.status …); skip →
 * <skipped/>; info and pass → a plain testcase; error (a check crashed) → <error>; a database that could not
 * be audited → a testsuite with one <error> testcase.
 *
 * Valid against the JUnit schema of Jenkins' xunit plugin (test/fixtures-schemas/jenkins-xunit-junit-10.xsd):
 * <testcase> takes no <properties> there, and <testsuites> no `skipped` attribute (each <testsuite> has it).
 *
 * The XML is written by hand: it needs five escapes and one filter, which are below and tested with a strict
 * parser; the small XML builders either pass forbidden characters through (producing XML no parser reads)
 * or cost megabytes of install for every `npx lockscope` user.
 */
import { codeEscape } from '../core/escape.js';
import type { DatabaseReport, Finding, Report, FixFilter } from '../core/model.js';
import { findingDetail, titleAndMessage } from './plain.js';

export interface JunitOptions {
  /** How a warning is reported: a <failure> (default: the CI run shows it) or a <property> on a passing testcase. */
  warnAs?: 'failure' | 'property';
  /** Fixes for this stack only (plus the stack-independent ones). */
  stack?: FixFilter;
}

/**
 * Characters XML 1.0 does not allow anywhere (§2.2 Char): C0 controls other than \t \n \r, lone surrogates,
 * U+FFFE and U+FFFF. DEL and C1 controls are allowed but are terminal escapes, so they go too.
 * Each is written visibly (\x1b, \ud800) rather than dropped, so two paths differing by one stay distinct.
 * Unicode format characters (bidi overrides, zero-width) and U+2028/9 are made visible too, as src/core/escape.ts does.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff\u2028\u2029\p{Cf}]|[\ud800-\udfff]/gu;

function xmlSafe(text: string): string {
  return text.replace(NOT_XML, codeEscape);
}

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Element content. `>` is escaped too, so `]]>` can never appear. \r is kept as a character reference. */
export function xmlText(text: string): string {
  return xmlSafe(text).replace(/[&<>"']/g, (c) => ENTITY[c]!).replace(/\r/g, '&#13;');
}

/** Attribute value: also \t \n \r as references, which attribute-value normalisation would turn into spaces. */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function attrs(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** A warning reported as properties (warnAs 'property'): on the <testsuite>, named after the check. */
function warningProperties(f: Finding): string[] {
  return [
    `      <property${attrs({ name: `lockscope.${f.id}.status`, value: 'warn' })}/>`,
    `      <property${attrs({ name: `lockscope.${f.id}.messageId`, value: f.messageId })}/>`,
    `      <property${attrs({ name: `lockscope.${f.id}.message`, value: titleAndMessage(f) })}/>`,
  ];
}

function testcase(db: DatabaseReport, f: Finding, opts: JunitOptions, counts: Counts): string[] {
  counts.tests += 1;
  const open = `    <testcase${attrs({ classname: db.path, name: f.id, time: 0 })}`;
  const detail = findingDetail(f, opts.stack);
  const summary = titleAndMessage(f);
  switch (f.status) {
    case 'fail':
      counts.failures += 1;
      return [`${open}>`, `      <failure${attrs({ type: 'fail', message: summary })}>${xmlText(detail)}</failure>`, '    </testcase>'];
    case 'warn':
      if (opts.warnAs === 'property') {
        return [`${open}>`, `      <system-out>${xmlText(`warn: ${f.title}\n${detail}`)}</system-out>`, '    </testcase>'];
      }
      counts.failures += 1;
      return [`${open}>`, `      <failure${attrs({ type: 'warn', message: summary })}>${xmlText(detail)}</failure>`, '    </testcase>'];
    case 'skip':
      counts.skipped += 1;
      return [`${open}>`, `      <skipped${attrs({ message: f.message })}/>`, '    </testcase>'];
    case 'error':
      counts.errors += 1;
      return [`${open}>`, `      <error${attrs({ type: 'check-crashed', message: f.message })}>${xmlText(detail)}</error>`, '    </testcase>'];
    case 'info':
      return [`${open}>`, `      <system-out>${xmlText(detail)}</system-out>`, '    </testcase>'];
    default:
      return [`${open}/>`];
  }
}

function testsuite(db: DatabaseReport, opts: JunitOptions, total: Counts, version: string): string[] {
  const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const body: string[] = [];
  const properties = [`      <property${attrs({ name: 'lockscope.version', value: version })}/>`];
  if (db.error) {
    counts.tests = 1;
    counts.errors = 1;
    body.push(
      `    <testcase${attrs({ classname: db.path, name: 'audit', time: 0 })}>`,
      `      <error${attrs({ type: db.error.code, message: db.error.message })}>${xmlText(db.error.message)}</error>`,
      '    </testcase>',
    );
  } else {
    for (const f of db.findings ?? []) {
      body.push(...testcase(db, f, opts, counts));
      if (f.status === 'warn' && opts.warnAs === 'property') properties.push(...warningProperties(f));
    }
  }
  total.tests += counts.tests;
  total.failures += counts.failures;
  total.errors += counts.errors;
  total.skipped += counts.skipped;
  return [
    `  <testsuite${attrs({ name: db.path, tests: counts.tests, failures: counts.failures, errors: counts.errors, skipped: counts.skipped, time: 0 })}>`,
    '    <properties>',
    ...properties,
    '    </properties>',
    ...body,
    '  </testsuite>',
  ];
}

export function formatJunit(report: Report, opts: JunitOptions = {}): string {
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const suites = report.databases.flatMap((db) => testsuite(db, opts, total, report.tool.version));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // No `skipped` here: Jenkins' schema allows it on <testsuite> only.
    `<testsuites${attrs({ name: `lockscope ${report.command}`, tests: total.tests, failures: total.failures, errors: total.errors, time: 0 })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
