import { describe, expect, it } from 'vitest';
import check from '../../checks/busy-timeout.js';
import { runCheck } from '../../src/runner.js';
import { makeFacts } from '../helpers/facts.js';

const run = (app: { busyTimeoutMs?: number }, thresholds?: Record<string, number>) =>
  runCheck(check, makeFacts(), { app, thresholds: thresholds ? { 'busy-timeout': thresholds } : undefined })!;

describe('busy-timeout', () => {
  it('warns when undeclared, explaining it is per connection, with a fix per driver', () => {
    const f = run({});
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('undeclared');
    expect(f.message).toMatch(/per connection/);
    const stacks = f.fixes.map((x) => x.stack).filter(Boolean);
    expect(stacks).toEqual(expect.arrayContaining(['python', 'better-sqlite3', 'node-sqlite3', 'go', 'django', 'sqlalchemy', 'rails']));
    expect(f.fixes.some((x) => x.sql === 'PRAGMA busy_timeout = 5000;')).toBe(true);
  });

  it('fails when declared 0', () => {
    const f = run({ busyTimeoutMs: 0 });
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('zero');
  });

  it('warns when declared below the threshold', () => {
    const f = run({ busyTimeoutMs: 200 });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('small');
    expect(f.evidence).toMatchObject({ declaredBusyTimeoutMs: 200, minMs: 1000 });
  });

  it('passes at or above the threshold, and the threshold can be overridden', () => {
    expect(run({ busyTimeoutMs: 1000 }).status).toBe('pass');
    expect(run({ busyTimeoutMs: 1000 }, { minMs: 3000 }).status).toBe('warn');
  });
});
