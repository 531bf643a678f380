import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-missing-timeouts.js';
import { runCheck } from '../../src/core/runner.js';
import { makePgFacts, session } from '../helpers/pg-facts.js';

describe('pg-missing-timeouts', () => {
  it("'missing-timeouts': the server defaults (0) apply to the app's role", () => {
    const f = runCheck(check, makePgFacts(), { app: {} })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'missing-timeouts' });
    expect(f.message).toContain("app: lock_timeout off (the server's default)");
    expect(f.fixes[0]!.sql).toContain("ALTER ROLE app SET lock_timeout = '5s';");
  });
  it("'timeouts-set': ALTER ROLE … SET values win over the server's, per role", () => {
    const roleSettings = [
      { role: 'app', database: null, name: 'lock_timeout', value: '5s' },
      { role: 'app', database: 'appdb', name: 'idle_in_transaction_session_timeout', value: '1min' },
    ];
    const f = runCheck(check, makePgFacts({ roleSettings }), { app: {} })!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'timeouts-set' });
    expect(f.message).toContain('lock_timeout 5.00 s');
  });
  it('another role without them still warns, naming that role only', () => {
    const roleSettings = [
      { role: 'app', database: null, name: 'lock_timeout', value: '5s' },
      { role: 'app', database: null, name: 'idle_in_transaction_session_timeout', value: '60s' },
    ];
    const f = runCheck(check, makePgFacts({ roleSettings, sessions: [session(1), session(2, { user: 'worker' })] }), { app: {} })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'missing-timeouts' });
    expect(f.message).toMatch(/^worker: lock_timeout off/);
    expect(f.message).not.toContain('app: lock_timeout');
  });
});
