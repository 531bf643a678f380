import { describe, expect, it } from 'vitest';
import c from '../../checks/scan-no-busy-timeout.js';
import { EMPTY, at, check, scanFixture } from '../scan/helpers.js';

describe('scan-no-busy-timeout', () => {
  it("fails on a 0 ms timeout set in the code, on the line that sets it (Go DSN through a const)", async () => {
    const f = check(c, await scanFixture('go-service'));
    expect(f.messageId).toBe('zero');
    expect(f.status).toBe('fail');
    expect(at(f)).toEqual(['fixtures/scan/go-service/main.go:10']);
    expect(f.locations![0]!.message).toMatch(/set here \(_busy_timeout=0\)/);
  });

  it('warns below the threshold (better-sqlite3 { timeout: 200 }, SQLAlchemy timeout 0.5 s)', async () => {
    const f = check(c, await scanFixture('express-better-sqlite3'));
    expect(f.messageId).toBe('small');
    expect(at(f)).toEqual(['fixtures/scan/express-better-sqlite3/src/db.js:3']);
    const g = check(c, await scanFixture('flask-sqlalchemy'));
    expect(g.messageId).toBe('small');
    expect(g.locations![0]!.message).toMatch(/500 ms/);
    expect(at(g)).toEqual(['fixtures/scan/flask-sqlalchemy/app.py:8']);
  });

  it('is info when a timeout cannot be read, and passes at or above the threshold', async () => {
    const facts = await scanFixture('sequelize');
    // Sequelize: node-sqlite3's 1000 ms default, cited: passes at 1000, warns when the threshold is raised.
    const ok = check(c, facts);
    expect(ok.messageId).toBe('ok');
    expect(check(c, facts, { minMs: 2000 }).messageId).toBe('small');
    const site = facts.connections[0]!;
    const unknown = check(c, { ...facts, connections: [{ ...site, busyTimeoutMs: { state: 'unknown', why: 'environment variable DB_TIMEOUT', line: 4 } }] });
    expect(unknown.messageId).toBe('unknown');
    expect(unknown.status).toBe('info');
  });

  it('skips when there is no connection site', () => {
    expect(check(c, EMPTY).messageId).toBe('no-connections');
  });
});
