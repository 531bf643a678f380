/**
 * The source contract (src/core/source.ts) and its registry (src/sources/index.ts): every check category is
 * fed by a registered source, and the SQLite source's members give what the commands get from the functions
 * they delegate to, on a real database file.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CATEGORIES, REGISTRY } from '../../checks/index.js';
import { buildDatabase } from '../../fixtures/databases.js';
import { STACKS } from '../../src/core/model.js';
import { factsTable } from '../../src/output/text.js';
import { SOURCES, sourceFor, sourceOf } from '../../src/sources/index.js';
import { runCli } from '../helpers/cli.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import { sqliteSource } from '../../src/sources/sqlite/source.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();
let dir: string;
beforeEach(() => {
  dir = scratch.tempDir('lockscope-sources-');
  buildDatabase(join(dir, 'app.db'), { journalMode: 'wal' });
});

describe('the source registry', () => {
  it('picks the source that claims an entry: paths and globs are SQLite\'s, postgres:// URLs PostgreSQL\'s, other URLs nobody\'s', () => {
    for (const entry of ['app.db', './data/app.sqlite', '/var/lib/x.db', '**/*.db', 'C:relative.db']) expect(sourceFor(entry)?.id, entry).toBe('sqlite');
    for (const entry of ['postgres://u@localhost/db', 'postgresql://h/db', 'POSTGRES://h/db']) expect(sourceFor(entry)?.id, entry).toBe('postgres');
    for (const entry of ['mysql://u@localhost/db', 'file:///tmp/app.db']) expect(sourceFor(entry), entry).toBeUndefined();
  });

  it('an entry no source claims is one line and exit 2, beside the targets that are audited', () => {
    const db = join(dir, 'app.db');
    const r = runCli(['audit', 'mysql://user@localhost/app', db, '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.databases.map((d: { path: string }) => d.path)).toEqual([db, 'mysql://user@localhost/app']);
    expect(report.databases[1].error.code).toBe('NO_SOURCE');
    expect(report.databases[0].findings.length).toBeGreaterThan(0);
  });

  it('has one entry per source id, and every check category is fed by a source', () => {
    const ids = SOURCES.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const fed = new Set(SOURCES.flatMap((s) => s.categories));
    for (const c of CATEGORIES) expect(fed.has(c.id), c.id).toBe(true);
    for (const check of REGISTRY) expect(fed.has(check.category), check.id).toBe(true);
  });

  it("the SQLite source's fixes speak to every stack --stack accepts", () => {
    expect(sqliteSource.stacks).toEqual(STACKS);
  });
});

describe('the SQLite source', () => {
  it('resolves a path, its glob and a symlink to it to one target; a glob that matches nothing is an unmatched entry', () => {
    symlinkSync(join(dir, 'app.db'), join(dir, 'link.db'));
    const r = sqliteSource.resolveTargets({ entries: ['app.db', '*.db', 'link.db', 'none-*.sqlite'], baseDir: dir, display: 'relative-to-cwd', cwd: dir });
    expect(r.targets).toEqual(['app.db']);
    expect(r.unmatched.map((u) => u.error?.code)).toEqual(['NO_MATCH']);
  });

  it('keeps the order of the entries: an unmatched entry stands where it was named, between the targets', () => {
    buildDatabase(join(dir, 'other.db'), { journalMode: 'wal' });
    symlinkSync(join(dir, 'app.db'), join(dir, 'link.db'));
    const r = sqliteSource.resolveTargets({ entries: ['app.db', 'none-*.sqlite', 'other.db', 'link.db'], baseDir: dir, display: 'relative-to-cwd', cwd: dir });
    expect(r.inOrder.map((t) => (typeof t === 'string' ? t : t.error?.code))).toEqual(['app.db', 'NO_MATCH', 'other.db']);
    expect(r.targets).toEqual(['app.db', 'other.db']);
  });

  it('gathers the same facts as gatherAuditFacts, and they are its own', () => {
    const path = join(dir, 'app.db');
    const facts = sqliteSource.gather(path, {});
    expect(facts.header.walEnabled).toBe(true);
    expect(facts.files.db.exists).toBe(true);
    expect(sourceOf(facts)).toBe(sqliteSource);
    const again = gatherAuditFacts(path);
    expect(facts.header).toEqual(again.header);
    expect(facts.files.db.sizeBytes).toBe(again.files.db.sizeBytes);
  });

  it('stops before reading when the signal is already aborted', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => sqliteSource.gather(join(dir, 'app.db'), { signal: controller.signal })).toThrow();
  });

  it("summarises its facts as the text output's facts table", () => {
    const facts = sqliteSource.gather(join(dir, 'app.db'), {});
    const rows = sqliteSource.summarise(facts);
    expect(rows.map(([label]) => label)).toEqual(expect.arrayContaining(['mode', 'page size', 'written by', 'files', 'filesystem']));
    expect(rows.find(([l]) => l === 'mode')?.[1]).toBe('WAL (stored in the file)');
    const table = factsTable(facts) ?? '';
    for (const [label] of rows) expect(table).toContain(label);
  });
});
