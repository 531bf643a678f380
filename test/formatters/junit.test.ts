/**
 * JUnit XML, read back with a strict XML 1.0 parser (@rgrove/parse-xml rejects anything not well-formed) and
 * validated with xmllint against the JUnit schema of Jenkins' xunit plugin (test/fixtures-schemas/README.md).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XmlElement, parseXml } from '@rgrove/parse-xml';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { formatJunit, xmlAttr, xmlText } from '../../src/output/junit.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { HOSTILE, finding, hostileReport, mixedReport, report } from './reports.js';

const JENKINS_XSD = join(ROOT, 'test', 'fixtures-schemas', 'jenkins-xunit-junit-10.xsd');
const scratch = scratchPerTest();

/** xmllint's verdict on `xml` against Jenkins' JUnit schema: '' when valid, its complaints otherwise. */
function jenkinsSchemaErrors(xml: string): string {
  const file = join(scratch.tempDir(), 'report.xml');
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', JENKINS_XSD, file], { encoding: 'utf8' });
  if (r.error) throw r.error; // xmllint missing: .ci/run installs libxml2-utils
  return r.status === 0 ? '' : r.stderr;
}

function elements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c): c is XmlElement => c instanceof XmlElement && c.name === name);
}

function root(xml: string): XmlElement {
  const doc = parseXml(xml);
  const el = doc.root;
  if (!el) throw new Error('no root element');
  return el;
}

const counts = (el: XmlElement) => ({
  tests: Number(el.attributes.tests),
  failures: Number(el.attributes.failures),
  errors: Number(el.attributes.errors),
  skipped: Number(el.attributes.skipped),
});
/** <testsuites> carries no `skipped` (Jenkins' schema refuses it): the skipped are counted per <testsuite>. */
const totals = (el: XmlElement) => {
  expect(el.attributes.skipped).toBeUndefined();
  const skipped = elements(el, 'testsuite').reduce((n, s) => n + Number(s.attributes.skipped), 0);
  return { ...counts(el), skipped };
};

describe('junit', () => {
  it('one testsuite per database, one testcase per check, counts on <testsuites> and each <testsuite>', () => {
    const xml = formatJunit(mixedReport());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const suites = root(xml);
    expect(suites.name).toBe('testsuites');
    // app.db: 6 cases (fail + warn failures, 1 skipped, 1 error); other: 1 pass; missing.db: 1 error case.
    expect(totals(suites)).toEqual({ tests: 8, failures: 2, errors: 2, skipped: 1 });
    const [app, other, missing] = elements(suites, 'testsuite');
    expect(elements(suites, 'testsuite')).toHaveLength(3);

    expect(app!.attributes.name).toBe('db/app.db');
    expect(counts(app!)).toEqual({ tests: 6, failures: 2, errors: 1, skipped: 1 });
    const cases = elements(app!, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['journal-mode', 'busy-timeout', 'sqlite-version', 'checkpoint', 'synchronous', 'hot-journal']);
    for (const c of cases) expect(c.attributes.classname).toBe('db/app.db');
    const [warn, fail, info, skip, pass, error] = cases;
    expect(elements(warn!, 'failure')[0]!.attributes.type).toBe('warn');
    const failure = elements(fail!, 'failure')[0]!;
    expect(failure.attributes.type).toBe('fail');
    expect(failure.attributes.message).toBe('Writers may fail at once with SQLITE_BUSY. busy_timeout is 0 ms.');
    expect(failure.text).toContain('declaredBusyTimeoutMs=0');
    expect(failure.text).toContain('PRAGMA busy_timeout = 5000;');
    expect(failure.text).toContain('sqlite3.connect(path, timeout=5)');
    expect(elements(info!, 'failure')).toHaveLength(0);
    expect(elements(info!, 'system-out')[0]!.text).toContain('SQLite 3.46.1');
    expect(elements(skip!, 'skipped')[0]!.attributes.message).toBe('Skipped: no --checkpoint.');
    expect(pass!.children).toHaveLength(0);
    expect(elements(error!, 'error')[0]!.attributes.type).toBe('check-crashed');

    expect(other!.attributes.name).toBe('/srv/data/other db.sqlite');
    expect(counts(other!)).toEqual({ tests: 1, failures: 0, errors: 0, skipped: 0 });

    expect(missing!.attributes.name).toBe('missing.db');
    expect(counts(missing!)).toEqual({ tests: 1, failures: 0, errors: 1, skipped: 0 });
    const err = elements(elements(missing!, 'testcase')[0]!, 'error')[0]!;
    expect(err.attributes.type).toBe('ENOENT');
    expect(err.attributes.message).toBe('missing.db: no such file');
  });

  it('warnAs property: a warning is a passing testcase with lockscope.status=warn', () => {
    const suites = root(formatJunit(mixedReport(), { warnAs: 'property' }));
    expect(totals(suites)).toEqual({ tests: 8, failures: 1, errors: 2, skipped: 1 });
    const suite = elements(suites, 'testsuite')[0]!;
    const warn = elements(suite, 'testcase')[0]!;
    expect(elements(warn, 'failure')).toHaveLength(0);
    // Jenkins' schema allows no <properties> in a <testcase>: the warning's are on its <testsuite>.
    expect(elements(warn, 'properties')).toHaveLength(0);
    expect(elements(warn, 'system-out')[0]!.text).toMatch(/^warn: /);
    const props = elements(elements(suite, 'properties')[0]!, 'property');
    expect(Object.fromEntries(props.map((p) => [p.attributes.name, p.attributes.value]))).toMatchObject({
      'lockscope.version': '0.1.0',
      'lockscope.journal-mode.status': 'warn',
      'lockscope.journal-mode.messageId': 'rollback',
    });
    expect(props.some((p) => p.attributes.name === 'lockscope.busy-timeout.status')).toBe(false); // a fail stays a <failure>
  });

  it('--stack keeps only that stack\'s fixes (and the stack-independent ones)', () => {
    const xml = formatJunit(mixedReport(), { stack: 'go' });
    expect(xml).toContain('_busy_timeout=5000');
    expect(xml).not.toContain('sqlite3.connect');
    expect(xml).toContain('PRAGMA busy_timeout = 5000;');
  });

  it('hostile input: well-formed XML 1.0; markup, quotes and ]]> come back as text; control characters are visible', () => {
    const xml = formatJunit(hostileReport());
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe]/);
    expect(xml).not.toContain(']]>');
    const suites = root(xml); // throws on anything that is not well-formed
    const [suite, broken] = elements(suites, 'testsuite');
    const expected = 'a\\x00b\\x01c\\x1b[2Jd\\x07 <tag attr="x">&amp; \'q\' ]]> | pipe\nnew\rline\ttab \\x85 \\ufffe \\ud800 % : , ::error::x 😀';
    expect(suite!.attributes.name).toBe(`dir/${expected}.db`);
    const failure = elements(elements(suite!, 'testcase')[0]!, 'failure')[0]!;
    expect(failure.attributes.message).toBe(`${expected}. ${expected}`);
    expect(failure.text.startsWith(`${expected}\n`)).toBe(true);
    expect(broken!.attributes.name).toBe(expected);
    expect(totals(suites)).toEqual({ tests: 6, failures: 2, errors: 2, skipped: 1 });
    expect(HOSTILE).toContain('\u001b');
  });

  it('escapes: the five XML specials in text and attributes, whitespace kept in attributes', () => {
    expect(xmlText(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(xmlAttr('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
    expect(xmlText('\u001b[31m')).toBe('\\x1b[31m');
    expect(xmlText('😀')).toBe('😀');
  });

  it('an empty report is still a valid document', () => {
    const suites = root(formatJunit(report([], 0)));
    expect(totals(suites)).toEqual({ tests: 0, failures: 0, errors: 0, skipped: 0 });
    expect(elements(suites, 'testsuite')).toHaveLength(0);
    expect(root(formatJunit(report([{ path: 'x.db', findings: [finding('a', 'pass')] }], 0))).name).toBe('testsuites');
  });

  it.each([
    ['mixed', () => formatJunit(mixedReport())],
    ['mixed, warnings as properties', () => formatJunit(mixedReport(), { warnAs: 'property' })],
    ['hostile', () => formatJunit(hostileReport(), { warnAs: 'property' })],
    ['empty', () => formatJunit(report([], 0))],
  ])("valid against Jenkins' xunit JUnit schema: %s", (_name, xml) => {
    expect(jenkinsSchemaErrors(xml())).toBe('');
  });

  it("the schema test can fail: the old output (skipped on <testsuites>, <properties> in a <testcase>) is refused", () => {
    const old = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="x" tests="1" failures="0" errors="0" skipped="0" time="0"><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="b"><properties><property name="s" value="warn"/></properties></testcase></testsuite></testsuites>\n';
    const errors = jenkinsSchemaErrors(old);
    expect(errors).toContain("attribute 'skipped': The attribute 'skipped' is not allowed");
    expect(errors).toContain("Element 'properties': This element is not expected");
  });

  it("the built CLI's junit, with and without --junit-warn-as property, is valid against Jenkins' schema", () => {
    const dir = scratch.tempDir();
    buildDatabase(`${dir}/rollback.db`, { journalMode: 'delete' });
    for (const extra of [[], ['--junit-warn-as', 'property']]) {
      const r = runCli(['audit', `${dir}/rollback.db`, `${dir}/missing.db`, '--format', 'junit', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('<testsuites ');
      expect(jenkinsSchemaErrors(r.stdout), extra.join(' ')).toBe('');
    }
  });
});
