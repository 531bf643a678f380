import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-connections.js';
import { runCheck } from '../../src/core/runner.js';
import { makePgFacts } from '../helpers/pg-facts.js';

const at = (backends: number) => makePgFacts({ database: { name: 'appdb', backends, deadlocks: 0, conflicts: 0 } });

describe('pg-connections', () => {
  it("'room-to-spare': lockscope's own session is not counted", () => expect(runCheck(check, at(11), { app: {} })).toMatchObject({ status: 'pass', messageId: 'room-to-spare', evidence: { connections: 10, limit: 97 } }));
  it("'near-limit' warn", () => expect(runCheck(check, at(80), { app: {} })).toMatchObject({ status: 'warn', messageId: 'near-limit' }));
  it("'near-limit' fail", () => expect(runCheck(check, at(97), { app: {} })).toMatchObject({ status: 'fail', messageId: 'near-limit' }));
});
