import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-prepared-transactions.js';
import { runCheck } from '../../src/core/runner.js';
import { makePgFacts } from '../helpers/pg-facts.js';

const prepared = (ageMs: number, locks: number) => [{ gid: "it's-1", owner: 'app', database: 'appdb', ageMs, locks }];

describe('pg-prepared-transactions', () => {
  it("'no-prepared'", () => expect(runCheck(check, makePgFacts(), { app: {} })).toMatchObject({ status: 'pass', messageId: 'no-prepared' }));
  it("'recent-prepared'", () => expect(runCheck(check, makePgFacts({ prepared: prepared(1000, 2) }), { app: {} })).toMatchObject({ status: 'pass', messageId: 'recent-prepared' }));
  it("'orphaned-prepared': the gid is quoted in the fix", () => {
    const f = runCheck(check, makePgFacts({ prepared: prepared(120_000, 2) }), { app: {} })!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'orphaned-prepared', evidence: { locks: 2 } });
    expect(f.fixes[0]!.sql).toBe("ROLLBACK PREPARED 'it''s-1';");
  });
  it('a gather error skips it', () => {
    expect(runCheck(check, makePgFacts({ prepared: { error: { code: '42501', message: 'permission denied' } } }), { app: {} })).toMatchObject({ status: 'skip' });
  });
});
