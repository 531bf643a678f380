import { describe, expect, it } from 'vitest';
import c from '../../checks/scan-deferred-transactions.js';
import { EMPTY, at, check, scanFixture } from '../scan/helpers.js';

describe('scan-deferred-transactions', () => {
  it.each([
    ['django', 'fixtures/scan/django/shop/views.py:10', /reads at line 11 and then writes at line 13/],
    ['express-better-sqlite3', 'fixtures/scan/express-better-sqlite3/src/server.js:7', /reads at line 8 and then writes at line 9/],
    ['knex', 'fixtures/scan/knex/db.js:15', /reads at line 16 and then writes at line 17/],
    ['sequelize', 'fixtures/scan/sequelize/models.js:12', /reads at line 13 and then writes at line 14/],
    ['drizzle', 'fixtures/scan/drizzle/db.ts:10', /reads at line 11 and then writes at line 12/],
    ['go-service', 'fixtures/scan/go-service/main.go:18', /reads at line 20 and then writes at line 21/],
    ['flask-sqlalchemy', 'fixtures/scan/flask-sqlalchemy/app.py:25', /deferred as set at fixtures\/scan\/flask-sqlalchemy\/app.py:20/],
  ])('%s: read-then-write in a deferred block fails on its line', async (name, where, detail) => {
    const f = check(c, await scanFixture(name));
    expect(f.messageId).toBe('read-then-write');
    expect(f.status).toBe('fail');
    expect(at(f)).toEqual([where]);
    expect(f.locations![0]!.message).toMatch(detail);
  });

  it('passes IMMEDIATE blocks and read-only blocks (false-positive corpus)', async () => {
    const f = check(c, await scanFixture('false-positives'));
    expect(f.messageId).toBe('ok');
    expect(f.status).toBe('pass');
  });

  it('skips when there is no transaction block', () => {
    expect(check(c, EMPTY).messageId).toBe('no-transactions');
  });
});
