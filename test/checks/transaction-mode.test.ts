import { describe, expect, it } from 'vitest';
import check from '../../checks/transaction-mode.js';
import type { AppSettings } from '../../src/core/facts.js';
import type { Stack } from '../../src/core/model.js';
import { runCheck } from '../../src/core/runner.js';
import { STACKS } from '../../src/core/model.js';
import { STACK_DEFAULTS } from '../../src/sources/sqlite/stacks.js';
import { makeFacts } from '../helpers/facts.js';

const run = (app: AppSettings, stack?: Stack, facts = makeFacts()) => runCheck(check, facts, { app, ...(stack ? { stack } : {}) })!;

describe('transaction-mode', () => {
  it('fails on declared deferred with more than one (or undeclared) writers, naming the mechanism and the way out', () => {
    for (const app of [{ transactionMode: 'deferred' as const }, { transactionMode: 'deferred' as const, writers: 4 }]) {
      const f = run({ ...app, busyTimeoutMs: 30000 });
      expect(f.status).toBe('fail');
      expect(f.messageId).toBe('deferred-upgrade-trap');
      expect(f.title).toBe(check.failureTitle);
      expect(f.message).toMatch(/busy handler only for a connection that has no transaction open/);
      expect(f.message).toMatch(/SQLITE_BUSY_SNAPSHOT/); // the baseline facts are a WAL database
      expect(f.message).toMatch(/first statement writes is not trapped/);
      expect(f.fixes.some((x) => x.sql === 'BEGIN IMMEDIATE;')).toBe(true);
    }
    const rollback = run({ transactionMode: 'deferred' }, undefined, makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } }));
    expect(rollback.message).not.toMatch(/SNAPSHOT/);
  });

  it('passes declared deferred with one writer, saying why', () => {
    const f = run({ transactionMode: 'deferred', writers: 1 });
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('deferred-single-writer');
    expect(f.message).toMatch(/only one connection writes/);
  });

  it.each(['immediate', 'exclusive'] as const)('passes declared %s, whatever the stack default', (mode) => {
    const f = run({ transactionMode: mode }, 'django');
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('immediate');
  });

  it.each(['django', 'peewee', 'better-sqlite3', 'knex', 'sequelize', 'drizzle', 'go', 'laravel'] as const)(
    'undeclared on %s (begins before the read): fails with the stack default, cited, and the stack fix',
    (stack) => {
      const f = run({}, stack);
      expect(f.status).toBe('fail');
      expect(f.messageId).toBe('stack-default-upgrade-trap');
      expect(f.message).toContain(STACK_DEFAULTS[stack].name);
      expect(f.message).toContain(STACK_DEFAULTS[stack].transaction.source);
      expect(f.evidence).toMatchObject({ stack, stackTransaction: 'begins-before-read' });
      expect(f.fixes.some((x) => x.stack === stack)).toBe(true);
    },
  );

  it.each(['django', 'python', 'node-sqlite3', 'prisma'] as const)('undeclared on %s with one declared writer passes: the trap needs a second writer', (stack) => {
    const f = run({ writers: 1 }, stack);
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('stack-default-single-writer');
  });

  it.each(['python', 'sqlalchemy'] as const)('undeclared on %s warns: not trapped by default, not atomic, trapped once the app begins itself', (stack) => {
    const f = run({}, stack);
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('stack-default-begins-at-first-write');
    expect(f.message).toMatch(/not atomic/);
    expect(f.message).toMatch(/declare --tx/);
  });

  it.each(['node-sqlite3', 'node-sqlite', 'sqlite3-cli'] as const)('undeclared on %s (no transaction helper) warns', (stack) => {
    const f = run({}, stack);
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('stack-explicit-begin');
  });

  it.each(['rails', 'prisma'] as const)('undeclared on %s (not verified / version-dependent) warns and asks for --tx', (stack) => {
    const f = run({}, stack);
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('stack-unknown');
    expect(f.message).toMatch(/declare --tx/);
  });

  it('undeclared without a stack warns, naming what the main stacks do by default', () => {
    const f = run({ busyTimeoutMs: 5000 });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('undeclared');
    expect(f.title).toMatch(/not declared/); // a warning must not read as the failure title
    for (const name of ['Django', 'better-sqlite3', 'peewee', 'SQLAlchemy (pysqlite)', 'Python sqlite3']) expect(f.message).toContain(name);
  });

  it('undeclared without a stack but one declared writer passes', () => {
    const f = run({ writers: 1 });
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('single-writer');
  });

  it('every stack has a cited transaction behaviour (no empty source)', () => {
    for (const s of STACKS) expect(STACK_DEFAULTS[s].transaction.source.length, s).toBeGreaterThan(10);
  });
});
