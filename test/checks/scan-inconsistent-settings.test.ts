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
