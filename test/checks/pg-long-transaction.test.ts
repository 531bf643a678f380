import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-long-transaction.js';
import { runCheck } from '../../src/core/runner.js';
import { makePgFacts, session } from '../helpers/pg-facts.js';

const inTx = (ms: number) => makePgFacts({ sessions: [session(10, { state: 'active', transactionAgeMs: ms, xactStart: '2026-12-02T11:00:00.000Z' }), session(11)] });

describe('pg-long-transaction', () => {
  it("'no-long-transaction'", () => expect(runCheck(check, inTx(5000), { app: {} })).toMatchObject({ status: 'pass', messageId: 'no-long-transaction', evidence: { oldestMs: 5000 } }));
  it("'long-transaction' warn at 2 min", () => expect(runCheck(check, inTx(120_000), { app: {} })).toMatchObject({ status: 'warn', messageId: 'long-transaction', evidence: { pid: 10 } }));
  it("'long-transaction' fail at 1 h, and a threshold override moves it", () => {
    expect(runCheck(check, inTx(3_600_000), { app: {} })).toMatchObject({ status: 'fail' });
    expect(runCheck(check, inTx(120_000), { app: {}, thresholds: { 'pg-long-transaction': { failMs: 100_000 } } })).toMatchObject({ status: 'fail' });
  });
});
