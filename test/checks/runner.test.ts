/**
 * The runner is the one place where gathered facts meet checks: it passes exactly the declared facts, turns a
 * failed required fact into a skip, a failed optional fact into undefined (with the reason), and leaves out a
 * check whose run-only fact (sampling, --checkpoint, stress) was not gathered.
 */
import { describe, expect, it } from 'vitest';
import { defineCheck } from '../../src/core/check.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const failed = { error: { code: 'EACCES', message: 'permission denied' } };
let seen: { keys: string[]; unavailable: object; thresholds: object } | null = null;

const probe = defineCheck({
  id: 'probe',
  source: 'sqlite',
  category: 'audit',
  title: 'Probe',
  failureTitle: 'Probe failed',
  description: 'Records what the runner passed.',
  requires: ['header', 'locks'],
  optional: ['shm', 'directory'],
  defaultSeverity: 'warn',
  messages: { seen: ['pass'], 'no-shm': ['warn'] },
  thresholds: { limitMs: { default: 1000, unit: 'ms', description: 'A limit.' } },
  run(facts, { unavailable, thresholds }) {
    seen = { keys: Object.keys(facts).sort(), unavailable, thresholds };
    return facts.shm === undefined ? { status: 'warn', messageId: 'no-shm', message: `no shm: ${unavailable.shm?.message}` } : { status: 'pass', messageId: 'seen', message: `limit ${thresholds.limitMs}` };
  },
});

const sampled = defineCheck({
  id: 'sampled',
  source: 'sqlite',
  category: 'locks',
  title: 'Sampled',
  failureTitle: 'Sampled failed',
  description: 'Needs sampling.',
  requires: ['lockSamples'],
  defaultSeverity: 'info',
  messages: { ok: ['pass'] },
  thresholds: {},
  run: () => ({ status: 'pass', messageId: 'ok', message: 'sampled' }),
});

const run = (facts: AuditFacts, thresholds?: Record<string, number>) => runCheck(probe, facts, { app: {}, thresholds: thresholds ? { probe: thresholds } : undefined });

describe('runner', () => {
  it('passes exactly the declared facts, and the declared thresholds with their defaults or the overrides', () => {
    const f = run(makeFacts())!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'seen', message: 'limit 1000' });
    expect(seen!.keys).toEqual(['directory', 'header', 'locks', 'shm']);
    expect(seen!.unavailable).toEqual({});
    expect(run(makeFacts(), { limitMs: 250 })!.message).toBe('limit 250');
  });

  it('a required fact that failed to gather skips the check, saying which and why', () => {
    const f = run({ ...makeFacts(), locks: failed })!;
    expect(f).toMatchObject({ status: 'skip', messageId: 'facts-unavailable', evidence: { fact: 'locks', errorCode: 'EACCES' } });
    expect(f.message).toBe('Skipped: lockscope could not read locks: permission denied');
  });

  it('an optional fact that failed to gather is undefined, with its error in ctx.unavailable', () => {
    const f = run({ ...makeFacts(), shm: failed })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'no-shm', message: 'no shm: permission denied', title: 'Probe failed' });
    expect(seen!.keys).toEqual(['directory', 'header', 'locks']);
    expect(seen!.unavailable).toEqual({ shm: failed.error });
  });

  it('an optional fact that is null (no such file) is passed as null, not as unavailable', () => {
    run(makeFacts({ shm: null }));
    expect(seen!.keys).toContain('shm');
    expect(seen!.unavailable).toEqual({});
  });

  it('a check whose run-only fact was not gathered does not apply; one whose gatherer failed skips', () => {
    expect(runCheck(sampled, makeFacts(), { app: {} })).toBeNull();
    const f = runCheck(sampled, { ...makeFacts(), lockSamples: failed }, { app: {} })!;
    expect(f).toMatchObject({ status: 'skip', messageId: 'facts-unavailable', evidence: { fact: 'lockSamples' } });
  });

  it('a check runs only on the facts of its own source: another source\'s facts leave it out', () => {
    // A source registered by declaration merging would carry `source: '<id>'`; the runner compares it with the check's.
    const other = { ...makeFacts(), source: 'elsewhere' } as unknown as AuditFacts;
    expect(runCheck(probe, other, { app: {} })).toBeNull();
    expect(runCheck(probe, { ...makeFacts(), source: 'sqlite' } as AuditFacts, { app: {} })).toMatchObject({ status: 'pass' });
  });
});
