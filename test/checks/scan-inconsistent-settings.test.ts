import { describe, expect, it } from 'vitest';
import c from '../../checks/scan-inconsistent-settings.js';
import { EMPTY, at, check, scanFixture } from '../scan/helpers.js';

describe('scan-inconsistent-settings', () => {
  it('warns when two sites open one database differently, listing each (not averaged)', async () => {
    const f = check(c, await scanFixture('django'));
    expect(f.messageId).toBe('differ');
    expect(f.status).toBe('warn');
    expect(f.message).toMatch(/busy timeout 5000 ms at fixtures\/scan\/django\/mysite\/settings.py:11 vs 0 ms at fixtures\/scan\/django\/mysite\/settings.py:18/);
    expect(at(f)).toContain('fixtures/scan/django/mysite/settings.py:18');
  });

  it('passes when the sites agree', async () => {
    const facts = await scanFixture('sequelize');
    const site = facts.connections[0]!;
    const f = check(c, { ...facts, connections: [site, { ...site, line: 40 }] });
    expect(f.messageId).toBe('consistent');
  });

  it('skips when no database is opened twice', async () => {
    expect(check(c, await scanFixture('knex')).messageId).toBe('no-shared-database');
    expect(check(c, EMPTY).messageId).toBe('no-shared-database');
  });
});

describe('scan-inconsistent-settings: a PRAGMA on one pooled connection', () => {
  it('warns on a PRAGMA run through engine.connect() instead of a "connect" listener, on its line', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { scanTree } = await import('../../src/sources/scan/scan.js');
    const dir = mkdtempSync(join(tmpdir(), 'lockscope-pooled-'));
    try {
      writeFileSync(
        join(dir, 'db.py'),
        'from sqlalchemy import create_engine, text\n\nengine = create_engine("sqlite:///app.db")\n\nwith engine.connect() as conn:\n    conn.execute(text("PRAGMA busy_timeout = 10000"))\n    conn.execute(text("PRAGMA journal_mode = WAL"))\n',
      );
      const f = check(c, await scanTree(dir, 'app'));
      expect(f.messageId).toBe('one-pooled-connection');
      expect(f.status).toBe('warn');
      expect(at(f)).toEqual(['app/db.py:6']);
      expect(f.locations![0]!.message).toMatch(/PRAGMA busy_timeout = 10000 runs on the one connection checked out here/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scan-inconsistent-settings: what is one database', () => {
  it('the same variable name in two modules is not taken for one database', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { scanTree } = await import('../../src/sources/scan/scan.js');
    const dir = mkdtempSync(join(tmpdir(), 'lockscope-samename-'));
    try {
      writeFileSync(join(dir, 'a.py'), 'import sqlite3\n\ndef open_a(path):\n    return sqlite3.connect(path, timeout=2)\n');
      writeFileSync(join(dir, 'b.py'), 'import sqlite3\n\ndef open_b(path):\n    return sqlite3.connect(path, timeout=30)\n');
      expect(check(c, await scanTree(dir, 'app')).messageId).toBe('no-shared-database');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
