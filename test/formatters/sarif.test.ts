/** SARIF output validated against the official OASIS SARIF 2.1.0 schema (draft-04) with ajv, formats included. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY } from '../../checks/index.js';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { loadCatalogue } from '../../src/core/catalogue.js';
import { artifactUri, formatSarif, ruleName } from '../../src/output/sarif.js';
import { markInterrupted } from '../../src/core/report.js';
import type { Report } from '../../src/core/model.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { HOSTILE, hostileReport, mixedReport } from './reports.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures-schemas', 'sarif-schema-2.1.0.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

// SARIF is loosely typed JSON here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function valid(text: string): Json {
  const log = JSON.parse(text);
  const ok = validate(log);
  expect(ok, JSON.stringify(validate.errors, null, 2)).toBe(true);
  return log;
}

const catalogue = loadCatalogue(REGISTRY);

describe('sarif', () => {
  it('the schema copy is the official one, and the validator rejects a broken log', () => {
    expect(schema.id).toBe('https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json');
    expect(validate({ version: '2.1.0', runs: [{ tool: {} }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ level: 'fatal', message: { text: 'x' } }] }] })).toBe(false);
  });

  it('valid; rules from the catalogue; one result per non-passing finding with error/warning/note', () => {
    const log = valid(formatSarif(mixedReport(), { catalogue }));
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe(schema.id);
    const run = log.runs[0];
    const driver = run.tool.driver;
    expect(driver).toMatchObject({ name: 'lockscope', version: '0.1.0', semanticVersion: '0.1.0', informationUri: expect.stringMatching(/^https:\/\//) });

    // Every registered check is a rule, in registry order, with its doc as help.
    const ruleIds = driver.rules.map((r: Json) => r.id);
    expect(ruleIds.slice(0, REGISTRY.length)).toEqual(REGISTRY.map((c) => c.id));
    for (const check of REGISTRY) {
      const rule = driver.rules.find((r: Json) => r.id === check.id);
      expect(rule.shortDescription.text).toBe(check.description);
      expect(rule.help.markdown).toBe(readFileSync(join(ROOT, 'checks', `${check.id}.md`), 'utf8'));
      expect(rule.helpUri).toBe(`https://unpkg.com/lockscope@0.1.0/checks/${check.id}.md`);
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration.level);
      expect(Object.keys(rule.properties.thresholds)).toEqual(Object.keys(check.thresholds));
    }

    // warn, fail, info → results; pass, skip → none; the crashed check → a notification.
    expect(run.results.map((r: Json) => [r.ruleId, r.level])).toEqual([
      ['journal-mode', 'warning'],
      ['busy-timeout', 'error'],
      ['sqlite-version', 'note'],
    ]);
    for (const r of run.results) expect(driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    const fail = run.results[1];
    expect(fail.message.text).toBe('Writers may fail at once with SQLITE_BUSY. busy_timeout is 0 ms.');
    expect(fail.locations[0].physicalLocation.artifactLocation.uri).toBe('db/app.db');
    expect(fail.properties.evidence).toEqual({ declaredBusyTimeoutMs: 0, minMs: 1000 });
    expect(fail.properties).toMatchObject({ status: 'fail', messageId: 'zero' });

    const invocation = run.invocations[0];
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.exitCode).toBe(2);
    const notes = invocation.toolExecutionNotifications;
    expect(notes.map((n: Json) => n.message.text)).toEqual(['db/app.db: lockscope bug: the check threw boom', 'missing.db: no such file']);
    expect(notes[0].associatedRule.id).toBe('hot-journal');
    expect(notes[1].descriptor.id).toBe('ENOENT');
    expect(notes[1].locations[0].physicalLocation.artifactLocation.uri).toBe('missing.db');
  });

  it("rule names: the title in PascalCase, distinct from the id even ignoring case (sarif-multitool SARIF1001), and unique", () => {
    const rules = valid(formatSarif(mixedReport(), { catalogue })).runs[0].tool.driver.rules as Json[];
    for (const r of rules) {
      expect(r.name, r.id).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(r.name.toLowerCase(), r.id).not.toBe(r.id.toLowerCase());
    }
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
    expect(rules.find((r) => r.id === 'busy-timeout').name).toBe('ConnectionsWaitForLocks');
    // One-word ids were the case SARIF1001 flagged: Checkpoint vs checkpoint.
    expect(rules.find((r) => r.id === 'checkpoint').name.toLowerCase()).not.toBe('checkpoint');
    expect(ruleName('index', 'Index')).toBe('IndexCheck');
    expect(ruleName('wal-size', '')).toBe('WalSizeCheck');
  });

  it('without a catalogue: a minimal rule per finding id, still valid', () => {
    const log = valid(formatSarif(mixedReport()));
    expect(log.runs[0].tool.driver.rules.map((r: Json) => r.id)).toEqual(['journal-mode', 'busy-timeout', 'sqlite-version', 'hot-journal']);
  });

  it('artifact URIs: relative stays relative (percent-encoded), absolute becomes file://', () => {
    expect(artifactUri('db/app.db')).toBe('db/app.db');
    expect(artifactUri('./data/my db%.sqlite')).toBe('data/my%20db%25.sqlite');
    expect(artifactUri('/srv/data/other db.sqlite')).toBe('file:///srv/data/other%20db.sqlite');
    expect(artifactUri('../up.db')).toBe('../up.db');
    const hostile = artifactUri(`/x/${HOSTILE}`);
    // eslint-disable-next-line no-control-regex
    expect(hostile).not.toMatch(/[\u0000-\u0020\u007f-\u009f]/);
    expect(new URL(hostile).protocol).toBe('file:');
  });

  it('hostile strings: still valid SARIF, text carried exactly (JSON escapes it)', () => {
    const log = valid(formatSarif(hostileReport(), { catalogue }));
    const run = log.runs[0];
    expect(run.results[0].message.text).toBe(`${HOSTILE}. ${HOSTILE}`);
    expect(run.results[0].properties.evidence[HOSTILE]).toBe(HOSTILE);
    const uri = run.results[0].locations[0].physicalLocation.artifactLocation.uri;
    // eslint-disable-next-line no-control-regex
    expect(uri).not.toMatch(/[\u0000-\u0020<>"\\^`{|}]/);
    expect(decodeURIComponent(uri.split('/')[1])).toBe(`${HOSTILE}.db`.replace(/\ud800/, '\ufffd'));
  });
});

describe('sarif from a real audit', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
    buildDatabase(join(dir, 'rollback.db'), { journalMode: 'delete' });
  });
  afterAll(() => removeDir(dir));

  it('the JSON report of `lockscope audit` on a real database renders valid SARIF', () => {
    const r = runCli(['audit', join(dir, 'rollback.db'), join(dir, 'missing.db'), '--busy-timeout', '0', '--json']);
    const report = JSON.parse(r.stdout) as Report;
    const log = valid(formatSarif(report, { catalogue }));
    const run = log.runs[0];
    const byRule = Object.fromEntries(run.results.map((x: Json) => [x.ruleId, x.level]));
    expect(byRule['busy-timeout']).toBe('error');
    expect(byRule['journal-mode']).toBe('warning');
    expect(run.results[0].locations[0].physicalLocation.artifactLocation.uri).toMatch(/^file:\/\/\/.*\/rollback\.db$/);
    expect(run.invocations[0].toolExecutionNotifications).toHaveLength(1);
    expect(run.invocations[0].exitCode).toBe(r.code);
  });

  it('a run cut short by a signal: exit code 130, exitSignalName, not successful; still valid', () => {
    const log = valid(formatSarif(markInterrupted(mixedReport(), 'SIGINT'), { catalogue }));
    expect(log.runs[0].invocations[0]).toMatchObject({ exitCode: 130, exitSignalName: 'SIGINT', executionSuccessful: false });
  });
});
