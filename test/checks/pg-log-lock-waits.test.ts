import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-log-lock-waits.js';
import { runCheck } from '../../src/core/runner.js';
import { makePgFacts } from '../helpers/pg-facts.js';

describe('pg-log-lock-waits', () => {
  it("'logging-off': info with a title of its own", () => {
    const f = runCheck(check, makePgFacts(), { app: {} })!;
    expect(f).toMatchObject({ status: 'info', messageId: 'logging-off', title: 'PostgreSQL does not log lock waits (log_lock_waits off)' });
  });
  it("'logging-on'", () => {
    const facts = makePgFacts();
    facts.settings.log_lock_waits = { name: 'log_lock_waits', setting: 'on', unit: null, source: 'configuration file' };
    expect(runCheck(check, facts, { app: {} })).toMatchObject({ status: 'pass', messageId: 'logging-on' });
  });
});
