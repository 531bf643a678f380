import { describe, expect, it } from 'vitest';
import c from '../../checks/scan-journal-mode-per-connection.js';
import { EMPTY, at, check, scanFixture } from '../scan/helpers.js';

describe('scan-journal-mode-per-connection', () => {
  it.each([
    ['django', 'fixtures/scan/django/mysite/settings.py:15', /init_command/],
    ['flask-sqlalchemy', 'fixtures/scan/flask-sqlalchemy/app.py:14', /"connect" listener/],
    ['knex', 'fixtures/scan/knex/db.js:9', /afterCreate/],
  ])('%s: info on the line that sets WAL for every connection', async (name, where, how) => {
    const f = check(c, await scanFixture(name));
    expect(f.messageId).toBe('every-connection');
    expect(f.status).toBe('info');
    expect(at(f)).toEqual([where]);
    expect(f.locations![0]!.message).toMatch(how);
  });

  it('passes when WAL is set once (better-sqlite3 db.pragma at module level)', async () => {
    expect(check(c, await scanFixture('express-better-sqlite3')).messageId).toBe('not-per-connection');
  });

  it('skips when there is no connection site', () => {
    expect(check(c, EMPTY).messageId).toBe('no-connections');
  });
});
