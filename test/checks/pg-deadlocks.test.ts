import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-deadlocks.js';
import { runCheck } from '../../src/core/runner.js';
import { makePgFacts } from '../helpers/pg-facts.js';

const win = (deadlocks: number) => ({ durationMs: 3000, samples: 30, deadlocks, sessions: [], roots: [] });

describe('pg-deadlocks', () => {
  it('does not apply without a window (audit, locks without --for)', () => expect(runCheck(check, makePgFacts(), { app: {} })).toBeNull());
  it("'no-deadlocks'", () => expect(runCheck(check, makePgFacts({ window: win(0) }), { app: {} })).toMatchObject({ status: 'pass', messageId: 'no-deadlocks' }));
  it("'deadlocks'", () => expect(runCheck(check, makePgFacts({ window: win(2) }), { app: {} })).toMatchObject({ status: 'fail', messageId: 'deadlocks', evidence: { deadlocks: 2 } }));
  it('SQLite facts never run a PostgreSQL check', async () => {
    const { makeFacts } = await import('../helpers/facts.js');
    expect(runCheck(check, makeFacts(), { app: {} })).toBeNull();
  });
});
