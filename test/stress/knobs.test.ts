import { describe, expect, it } from 'vitest';
import { STACKS } from '../../src/core/model.js';
import { stackDefaults } from '../../src/sources/sqlite/stacks.js';
import { KnobError, driverKnobDefaults, knobLabel, recommendedWorkload, resolveWorkload } from '../../src/sources/stress/knobs.js';

const wal = { walEnabled: true, pageSizeBytes: 4096, autoVacuum: 'none' as const };
const rollback = { walEnabled: false, pageSizeBytes: 8192, autoVacuum: 'full' as const };

describe('stress knobs', () => {
  it("defaults to the issue's workload and SQLite's own defaults for undeclared settings", () => {
    const w = resolveWorkload({}, {}, wal);
    expect(w).toMatchObject({ writers: 4, readers: 0, durationMs: 5000, transactions: null, busyTimeoutMs: 0, busyTimeoutSource: 'default', tx: 'deferred', pattern: 'insert', batch: 1, holdMs: 0, thinkMs: 0, synchronous: 'full', synchronousSource: 'default', retry: 0, journalMode: 'wal', walAutocheckpointPages: 1000 });
  });

  it("takes the app's declared values, and flags over them", () => {
    const app = { busyTimeoutMs: 3000, transactionMode: 'immediate' as const, synchronous: 'normal' as const, walAutocheckpointPages: 200 };
    expect(resolveWorkload({}, app, wal)).toMatchObject({ busyTimeoutMs: 3000, busyTimeoutSource: 'app', tx: 'immediate', synchronous: 'normal', walAutocheckpointPages: 200 });
    expect(resolveWorkload({ busyTimeoutMs: 10 }, app, wal)).toMatchObject({ busyTimeoutMs: 10, busyTimeoutSource: 'flag' });
  });

  it("copies the target's set-up: page size, auto_vacuum, rollback variant", () => {
    expect(resolveWorkload({}, { journalMode: 'truncate' }, rollback)).toMatchObject({ journalMode: 'truncate', pageSizeBytes: 8192, autoVacuum: 'full' });
    expect(resolveWorkload({}, { journalMode: 'wal' }, rollback).journalMode).toBe('delete');
  });

  it('bounds by transactions instead of time', () => {
    expect(resolveWorkload({ transactions: 50 }, {}, wal)).toMatchObject({ transactions: 50, durationMs: null });
  });

  it.each([
    [{ writers: 0 }, /--writers/],
    [{ writers: -1 }, /--writers/],
    [{ readers: -2 }, /--readers/],
    [{ batch: 0 }, /--batch/],
    [{ durationMs: 0 }, /--duration/],
    [{ durationMs: 1000, transactions: 5 }, /either --duration or --transactions/],
    [{ tx: 'later' as never }, /--tx must be one of/],
    [{ pattern: 'random' as never }, /--pattern must be one of/],
    [{ synchronous: 'sometimes' as never }, /--synchronous must be one of/],
    [{ retry: 1.5 }, /--retry/],
  ])('rejects %j', (flags, message) => {
    expect(() => resolveWorkload(flags, {}, wal)).toThrow(KnobError);
    expect(() => resolveWorkload(flags, {}, wal)).toThrow(message);
  });

  it('recommends WAL, busy 5000 (never less than current), BEGIN IMMEDIATE, synchronous NORMAL', () => {
    const cur = resolveWorkload({ writers: 3, pattern: 'hot-row' }, {}, rollback);
    expect(recommendedWorkload(cur)).toMatchObject({ writers: 3, pattern: 'hot-row', journalMode: 'wal', busyTimeoutMs: 5000, tx: 'immediate', synchronous: 'normal' });
    expect(recommendedWorkload({ ...cur, busyTimeoutMs: 8000 }).busyTimeoutMs).toBe(8000);
  });

  it('labels every knob: declared, driver default (<stack>), SQLite default (no stack named), recommended', () => {
    expect(knobLabel('flag', null)).toBe('declared');
    expect(knobLabel('app', 'python')).toBe('declared');
    expect(knobLabel('stack', 'better-sqlite3')).toBe('driver default (better-sqlite3)');
    expect(knobLabel('default', null)).toBe('SQLite default (no stack named)');
    expect(knobLabel('default', 'rails')).toBe('SQLite default (none known for rails)');
    expect(knobLabel('recommended', 'python')).toBe('recommended');
  });
});

describe('stress knobs follow the named stack', () => {
  const forStack = (stack: Parameters<typeof driverKnobDefaults>[0], header = wal, flags = {}, app = {}) => resolveWorkload(flags, app, header, driverKnobDefaults(stack));

  it('without a stack: SQLite\'s own defaults, labelled so', () => {
    const w = forStack(null);
    expect(w).toMatchObject({ stack: null, busyTimeoutMs: 0, tx: 'deferred', txBegins: 'first-statement', synchronous: 'full' });
    expect(w.knobLabels).toEqual({ busyTimeout: 'SQLite default (no stack named)', tx: 'SQLite default (no stack named)', synchronous: 'SQLite default (no stack named)' });
  });

  it('better-sqlite3: synchronous NORMAL on a WAL file, FULL on a rollback journal; busy 5000; BEGIN before the read', () => {
    const onWal = forStack('better-sqlite3');
    expect(onWal).toMatchObject({ stack: 'better-sqlite3', busyTimeoutMs: 5000, busyTimeoutSource: 'stack', tx: 'deferred', txSource: 'stack', txBegins: 'first-statement', synchronous: 'normal', synchronousSource: 'stack' });
    expect(onWal.knobLabels).toEqual({ busyTimeout: 'driver default (better-sqlite3)', tx: 'driver default (better-sqlite3)', synchronous: 'driver default (better-sqlite3)' });
    expect(forStack('better-sqlite3', rollback).synchronous).toBe('full');
  });

  it('python: synchronous FULL even on WAL, busy 5000, and the transaction begins only before the first write', () => {
    expect(forStack('python')).toMatchObject({ busyTimeoutMs: 5000, tx: 'deferred', txBegins: 'first-write', synchronous: 'full', synchronousSource: 'stack' });
    expect(forStack('sqlalchemy').txBegins).toBe('first-write');
    expect(forStack('django')).toMatchObject({ busyTimeoutMs: 5000, txBegins: 'first-statement', synchronous: 'full' });
  });

  it('other stacks: node-sqlite3 1000 ms; go NORMAL; sqlite3-cli 0 ms; no transaction helper = SQLite\'s deferred, labelled as such', () => {
    const node = forStack('node-sqlite3');
    expect(node).toMatchObject({ busyTimeoutMs: 1000, busyTimeoutSource: 'stack', tx: 'deferred', txSource: 'default', synchronous: 'full' });
    expect(node.knobLabels.tx).toBe('SQLite default (none known for node-sqlite3)');
    expect(forStack('go')).toMatchObject({ busyTimeoutMs: 5000, synchronous: 'normal' });
    expect(forStack('sqlite3-cli')).toMatchObject({ busyTimeoutMs: 0, busyTimeoutSource: 'stack' });
  });

  it('a value nobody verified falls back to SQLite\'s default and says so (rails, prisma)', () => {
    const w = forStack('prisma');
    expect(w).toMatchObject({ busyTimeoutMs: 0, busyTimeoutSource: 'default', tx: 'deferred', txSource: 'default', synchronous: 'full', synchronousSource: 'default' });
    expect(w.knobLabels.busyTimeout).toBe('SQLite default (none known for prisma)');
  });

  it('every stack resolves, with the values src/sources/sqlite/stacks.ts gives it', () => {
    for (const stack of STACKS) {
      const d = stackDefaults(stack);
      const w = forStack(stack);
      expect(w.busyTimeoutMs).toBe(d.busyTimeoutMs.value ?? 0);
      expect(w.synchronous).toBe(d.synchronousWal.value ?? 'full');
      expect(forStack(stack, rollback).synchronous).toBe(d.synchronousRollback.value ?? 'full');
    }
  });

  it('a declared value beats the stack default (flag or app), and a declared deferred begins before the read', () => {
    const flagged = forStack('better-sqlite3', wal, { synchronous: 'full', busyTimeoutMs: 250 });
    expect(flagged).toMatchObject({ synchronous: 'full', synchronousSource: 'flag', busyTimeoutMs: 250, busyTimeoutSource: 'flag' });
    expect(flagged.knobLabels).toMatchObject({ synchronous: 'declared', busyTimeout: 'declared', tx: 'driver default (better-sqlite3)' });
    const declared = forStack('python', wal, {}, { transactionMode: 'deferred' as const, busyTimeoutMs: 0 });
    expect(declared).toMatchObject({ tx: 'deferred', txSource: 'app', txBegins: 'first-statement', busyTimeoutMs: 0, busyTimeoutSource: 'app', synchronous: 'full', synchronousSource: 'stack' });
    expect(forStack('python', wal, { tx: 'immediate' as const })).toMatchObject({ tx: 'immediate', txBegins: 'first-statement' });
  });

  it("--compare's recommended arm is the same as before, compared with the faithful current arm", () => {
    const cur = forStack('better-sqlite3', rollback, { writers: 3 });
    const rec = recommendedWorkload(cur);
    expect(rec).toMatchObject({ writers: 3, stack: 'better-sqlite3', journalMode: 'wal', busyTimeoutMs: 5000, tx: 'immediate', txBegins: 'first-statement', synchronous: 'normal' });
    expect(rec.knobLabels).toEqual({ busyTimeout: 'recommended', tx: 'recommended', synchronous: 'recommended' });
    expect(recommendedWorkload(forStack('python')).txBegins).toBe('first-statement');
  });
});
