import { describe, expect, it } from 'vitest';
import check from '../../checks/busy-timeout.js';
import { runCheck } from '../../src/core/runner.js';
import type { AppSettings } from '../../src/core/facts.js';
import type { Stack } from '../../src/core/model.js';
import { makeFacts } from '../helpers/facts.js';

const run = (app: AppSettings, thresholds?: Record<string, number>, stack?: Stack) =>
  runCheck(check, makeFacts(), { app, thresholds: thresholds ? { 'busy-timeout': thresholds } : undefined, ...(stack ? { stack } : {}) })!;

describe('busy-timeout', () => {
  it('warns when undeclared, explaining it is per connection, with a fix per driver', () => {
    const f = run({});
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('undeclared');
    expect(f.message).toMatch(/per connection/);
    const stacks = f.fixes.map((x) => x.stack).filter(Boolean);
    expect(stacks).toEqual(expect.arrayContaining(['python', 'better-sqlite3', 'node-sqlite3', 'go', 'django', 'sqlalchemy', 'rails', 'peewee', 'knex', 'drizzle', 'node-sqlite', 'sqlite3-cli', 'laravel']));
    // Sequelize has no verified per-connection busy-timeout setting (checks/busy-timeout.md): none is printed.
    expect(stacks).not.toContain('sequelize');
    expect(f.fixes.find((x) => x.stack === 'sqlite3-cli')?.shell).toBe("sqlite3 -cmd '.timeout 5000' app.db");
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

  it('never says connections wait when deferred read-then-write transactions fail at once: info, own title, points at transaction-mode', () => {
    for (const [app, stack] of [[{ busyTimeoutMs: 30000, transactionMode: 'deferred' }, undefined], [{ busyTimeoutMs: 30000 }, 'django']] as const) {
      const f = run(app, undefined, stack);
      expect(f.status).toBe('info');
      expect(f.messageId).toBe('set-but-upgrade-trap');
      expect(f.title).not.toBe(check.title);
      expect(f.title).toMatch(/transaction-mode/);
      expect(f.message).toMatch(/fail at once whatever the timeout/);
    }
    expect(run({ busyTimeoutMs: 30000, transactionMode: 'deferred', writers: 1 }).status).toBe('pass');
    expect(run({ busyTimeoutMs: 30000, transactionMode: 'immediate' }, undefined, 'django').status).toBe('pass');
  });

  it('uses the stack default when none is declared, saying so', () => {
    const cli = run({}, undefined, 'sqlite3-cli');
    expect(cli.status).toBe('fail');
    expect(cli.messageId).toBe('stack-default-zero');
    expect(cli.message).toMatch(/the sqlite3 CLI's default, not declared/);
    expect(run({}, undefined, 'python').messageId).toBe('stack-default-ok');
    expect(run({}, undefined, 'peewee').messageId).toBe('stack-default-set-but-upgrade-trap');
    // Unknown default (Rails): still undeclared.
    expect(run({}, undefined, 'rails').messageId).toBe('undeclared');
    // A declaration wins over the stack default.
    expect(run({ busyTimeoutMs: 0 }, undefined, 'python').messageId).toBe('zero');
  });
});

describe('busy-timeout: every messageId', () => {
  it('ok: a declared timeout at or above minMs, nothing trapped', () => {
    expect(run({ busyTimeoutMs: 5000 })).toMatchObject({ status: 'pass', messageId: 'ok', evidence: { declaredBusyTimeoutMs: 5000 } });
  });

  it("stack-default-small: the stack's verified default (node-sqlite3: 1000 ms) below a raised minMs", () => {
    const f = run({}, { minMs: 3000 }, 'node-sqlite3');
    expect(f).toMatchObject({ status: 'warn', messageId: 'stack-default-small' });
    expect(f.message).toContain('1000');
  });
});
