import { describe, expect, it } from 'vitest';
import check from '../../checks/pg-ddl-race.js';
import { runCheck } from '../../src/core/runner.js';
import { classify, checkDdlStatements, type DdlRaceArm } from '../../src/sources/postgres/ddl-race.js';
import { makePgFacts } from '../helpers/pg-facts.js';

const arm = (name: DdlRaceArm['arm'], failed: Partial<DdlRaceArm['errors']>): DdlRaceArm => {
  const errors = { tupleConcurrentlyUpdated: 0, uniqueViolation: 0, alreadyExists: 0, deadlock: 0, other: 0, ...failed };
  const n = Object.values(errors).reduce((a, b) => a + b, 0);
  return { arm: name, rounds: 10, sessions: 8, succeeded: 80 - n, errors, examples: {}, durationMs: 500 };
};
const facts = (arms: DdlRaceArm[], interrupted: string | null = null) => makePgFacts({ ddlRace: { schema: 's', statements: [], arms, interrupted, leftoversDropped: [] } });

describe('pg-ddl-race', () => {
  it('does not apply without a race run', () => expect(runCheck(check, makePgFacts(), { app: {} })).toBeNull());
  it("'no-race'", () => expect(runCheck(check, facts([arm('plain', {})]), { app: {} })).toMatchObject({ status: 'pass', messageId: 'no-race' }));
  it("'race': counts by kind, and asks for --compare", () => {
    const f = runCheck(check, facts([arm('plain', { uniqueViolation: 20, tupleConcurrentlyUpdated: 2 })]), { app: {} })!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'race', evidence: { failed: 22, runs: 80 } });
    expect(f.message).toContain('22 of 80 start-ups failed (27.5 %)');
    expect(f.message).toContain('2 "tuple concurrently updated" (XX000)');
    expect(f.message).toContain('--compare');
  });
  it("'race-fixed-by-lock': the advisory-lock arm had none", () => {
    const f = runCheck(check, facts([arm('plain', { uniqueViolation: 20 }), arm('advisory-lock', {})]), { app: {} })!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'race-fixed-by-lock', evidence: { lockedFailed: 0 } });
    expect(f.fixes[0]!.sql).toContain('pg_advisory_xact_lock');
  });
  it("'interrupted': not judged", () => expect(runCheck(check, facts([arm('plain', { uniqueViolation: 3 })], 'SIGINT'), { app: {} })).toMatchObject({ status: 'skip', messageId: 'interrupted' }));
  it('classifies by SQLSTATE, and refuses DDL that names a schema or leaves the scratch schema', () => {
    expect(classify({ code: 'XX000', message: 'tuple concurrently updated' })).toBe('tupleConcurrentlyUpdated');
    expect(classify({ code: '23505' })).toBe('uniqueViolation');
    expect(classify({ code: '42P07' })).toBe('alreadyExists');
    expect(checkDdlStatements("CREATE TABLE a (id int);\nCOMMENT ON TABLE a IS 'x.y';\n")).toHaveLength(2);
    expect(() => checkDdlStatements('CREATE TABLE public.a (id int);')).toThrow(/names a schema/);
    expect(() => checkDdlStatements('DROP SCHEMA x CASCADE;')).toThrow(/outside/);
  });
});
