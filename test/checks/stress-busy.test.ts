import { describe, expect, it } from 'vitest';
import check from '../../checks/stress-busy.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { factsWithStress, makeStress } from '../stress/fixtures.js';

const run = (stress: Parameters<typeof factsWithStress>[0], thresholds?: Record<string, number>) =>
  runCheck(check, factsWithStress(stress), { app: {}, thresholds: thresholds ? { 'stress-busy': thresholds } : undefined });

const errors = (busy: number, snapshot = 0) => ({ SQLITE_BUSY: busy, SQLITE_BUSY_SNAPSHOT: snapshot, SQLITE_BUSY_RECOVERY: 0, SQLITE_BUSY_TIMEOUT: 0, SQLITE_LOCKED: 0, other: 0 });

describe('stress-busy', () => {
  it('produces no finding when no stress ran', () => {
    expect(runCheck(check, makeFacts(), { app: {} })).toBeNull();
    expect(run(undefined)).toBeNull();
  });

  it('skips when the stress could not run', () => {
    const f = run({ error: { code: 'EACCES', message: 'cannot create a scratch database' } })!;
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('facts-unavailable');
  });

  it('passes with no BUSY, saying how many attempts were made', () => {
    const f = run(makeStress())!;
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-busy');
    expect(f.evidence).toMatchObject({ attempts: 4000, busyErrors: 0 });
  });

  it('warns on any BUSY at or below 1% of attempts, with the timeout fix when it was waited out', () => {
    const f = run(makeStress({ errors: errors(20), busyAfterTimeout: 20, attempts: 4020, failed: 20 }))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('busy-some');
    expect(f.evidence).toMatchObject({ busyErrors: 20, busyAfterTimeout: 20, busyPercent: 0.498 });
    expect(f.message).toMatch(/20 after waiting out the 5000 ms busy timeout/);
    expect(f.fixes.some((x) => /shorter than the busy timeout/.test(x.summary))).toBe(true);
  });

  it('fails above 1% of attempts: rollback + busy 0 gets WAL and busy-timeout fixes', () => {
    const f = run(
      makeStress({
        workload: { ...makeStress().workload, journalMode: 'delete', busyTimeoutMs: 0, tx: 'deferred' },
        errors: errors(900),
        busyAtOnce: 900,
        attempts: 1000,
        failed: 900,
      }),
    )!;
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('busy-many');
    expect(f.message).toMatch(/because busy_timeout is 0 ms \(declared\)/);
    expect(f.fixes.map((x) => x.sql)).toEqual(expect.arrayContaining(['PRAGMA journal_mode = WAL;', 'PRAGMA busy_timeout = 5000;']));
  });

  it('recommends BEGIN IMMEDIATE for upgrade-trap BUSY, and cites the measured recommended arm', () => {
    const base = makeStress({
      workload: { ...makeStress().workload, tx: 'deferred', pattern: 'read-then-write' },
      errors: errors(90, 10),
      busyAtOnce: 100,
      attempts: 1000,
      upgradeAttempts: 1000,
      upgradeBusy: { SQLITE_BUSY: 90, SQLITE_BUSY_SNAPSHOT: 10, total: 100 },
    });
    const recommended = { ...makeStress(), arm: 'recommended' as const, settings: { journalMode: 'wal' as const, busyTimeoutMs: 5000, tx: 'immediate' as const, synchronous: 'normal' as const } };
    const f = run({ ...base, recommended })!;
    expect(f.status).toBe('fail');
    expect(f.fixes.some((x) => x.sql === 'BEGIN IMMEDIATE;')).toBe(true);
    expect(f.fixes.some((x) => x.stack === 'go' && /_txlock=immediate/.test(x.code ?? ''))).toBe(true);
    expect(f.message).toMatch(/recommended settings .* 0 BUSY errors/);
    expect(f.evidence.recommendedBusyErrors).toBe(0);
  });

  it('honours a failPercent override', () => {
    const f = run(makeStress({ errors: errors(30), busyAtOnce: 30, attempts: 1000 }), { failPercent: 5 })!;
    expect(f.status).toBe('warn');
  });
});
