import { describe, expect, it } from 'vitest';
import c from '../../checks/scan-connection-per-call.js';
import { EMPTY, at, check, scanFixture } from '../scan/helpers.js';

describe('scan-connection-per-call', () => {
  it('warns on a connection opened in a Django view and in an Express handler, saying which rule matched', async () => {
    const d = check(c, await scanFixture('django'));
    expect(d.messageId).toBe('per-call');
    expect(at(d)).toEqual(['fixtures/scan/django/shop/views.py:19']);
    expect(d.locations![0]!.message).toMatch(/Django view/);
    const e = check(c, await scanFixture('express-better-sqlite3'));
    expect(at(e)).toEqual(['fixtures/scan/express-better-sqlite3/src/server.js:18']);
    expect(e.locations![0]!.message).toMatch(/handler passed to app.get\('\/audit'\)/);
  });

  it('passes a connection opened once at module level', async () => {
    expect(check(c, await scanFixture('knex')).messageId).toBe('opened-once');
  });

  it('skips when there is no connection site', () => {
    expect(check(c, EMPTY).messageId).toBe('no-connections');
  });
});
