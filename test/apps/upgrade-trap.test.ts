/**
 * Real stacks driven into the deferred upgrade trap (issue 8, "Must hold"): each app's unit of work reads, then
 * writes, while another process holds the write lock; the trapped variant must get "database is locked" although
 * its busy timeout is seconds; plain `lockscope audit --stack <stack>` with the app's declared settings must exit 1
 * naming transaction-mode; the fix lockscope prints for that stack (in --json) is what the fixed variant applies,
 * and the fixed variant must succeed. The holder's release is driven by the app's own READ/BEGIN lines
 * (fixtures/apps/drive.ts), never a race on a timer for the trapped case.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AppStack, appCommand, buildAppDatabase, driveApp } from '../../fixtures/apps/drive.js';
import type { Finding, Fix } from '../../src/core/model.js';
import { STACK_DEFAULTS } from '../../src/sources/sqlite/stacks.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

interface Case {
  stack: AppStack;
  /** What the fix lockscope prints for this stack must contain, and the fixed app applies. */
  needles: string[];
  /** Extra declared settings the app really has (SQLAlchemy's recipe begins explicitly: --tx deferred). */
  declared?: string[];
}

const CASES: Case[] = [
  { stack: 'django', needles: ['_start_transaction_under_autocommit', 'BEGIN IMMEDIATE'] },
  { stack: 'sqlalchemy', needles: ['@event.listens_for(engine, "begin")', 'BEGIN IMMEDIATE'], declared: ['--tx', 'deferred'] },
  { stack: 'peewee', needles: ['atomic("IMMEDIATE")'] },
  { stack: 'better-sqlite3', needles: ['.immediate('] },
  { stack: 'drizzle', needles: ["behavior: 'immediate'"] },
  { stack: 'knex', needles: ["return this.query(conn, 'BEGIN IMMEDIATE;')", 'transaction(...args) { return new ImmediateTransaction(this, ...args); }'] },
  { stack: 'sequelize', needles: ["transactionType: 'IMMEDIATE'"] },
];

function audit(db: string, args: string[]): { code: number | null; findings: Finding[] } {
  const r = runCli(['audit', db, '--json', ...args]);
  return { code: r.code, findings: JSON.parse(r.stdout).databases[0].findings as Finding[] };
}

describe('real stacks in the deferred upgrade trap', () => {
  it.each(CASES)('$stack: trapped at once whatever the busy timeout, diagnosed by audit, cured by its --stack fix', async ({ stack, needles, declared = [] }) => {
    const dir = scratch.tempDir('lockscope-apps-');
    const db = `${dir}/app.db`;
    buildAppDatabase(db);

    const trapped = await driveApp(stack, db, 'trapped');
    expect(trapped.ok, JSON.stringify(trapped)).toBe(false);
    expect(trapped.error).toMatch(/database is locked/);
    expect(trapped.busyTimeoutMs).toBeGreaterThanOrEqual(1000);
    // Every app keeps its stack's default busy timeout: it must be the one src/sources/sqlite/stacks.ts records (null = depends on the driver).
    const recorded = STACK_DEFAULTS[stack].busyTimeoutMs.value;
    if (recorded !== null) expect(trapped.busyTimeoutMs).toBe(recorded);

    // Plain audit with what the app declares (its busy timeout, read back from its own connection).
    const before = audit(db, ['--stack', stack, '--busy-timeout', String(trapped.busyTimeoutMs), ...declared]);
    expect(before.code).toBe(1);
    const tx = before.findings.find((f) => f.id === 'transaction-mode')!;
    expect(tx.status).toBe('fail');
    expect(tx.messageId).toBe(declared.length ? 'deferred-upgrade-trap' : 'stack-default-upgrade-trap');
    // busy-timeout must not claim that connections wait.
    const busy = before.findings.find((f) => f.id === 'busy-timeout')!;
    expect(busy.title).not.toBe('Connections wait for locks');
    // --json honours --stack: only this stack's fixes and the stack-independent ones.
    const allFixes: Fix[] = before.findings.flatMap((f) => f.fixes);
    expect(allFixes.every((x) => x.stack === undefined || x.stack === stack)).toBe(true);
    const stackFix = tx.fixes.filter((x) => x.stack === stack).map((x) => x.code ?? '').join('\n');
    const appSource = readFileSync(appCommand(stack)[1], 'utf8') + (stack === 'django' ? readFileSync(`${appCommand(stack)[1].replace(/app\.py$/, '')}sqlite_immediate/base.py`, 'utf8') : '');
    for (const needle of needles) {
      expect(stackFix, `lockscope's ${stack} fix`).toContain(needle);
      expect(appSource, `the fixed ${stack} app applies it`).toContain(needle);
    }

    const fixed = await driveApp(stack, db, 'fixed', 150);
    expect(fixed.ok, JSON.stringify(fixed)).toBe(true);
  });

  it("SQLAlchemy's default (BEGIN at the first write) is not trapped, and audit --stack sqlalchemy does not call it trapped", async () => {
    const dir = scratch.tempDir('lockscope-apps-');
    const db = `${dir}/app.db`;
    buildAppDatabase(db);
    const r = await driveApp('sqlalchemy', db, 'default', 150);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const tx = audit(db, ['--stack', 'sqlalchemy', '--busy-timeout', String(r.busyTimeoutMs)]).findings.find((f) => f.id === 'transaction-mode')!;
    expect(tx.status).toBe('warn');
    expect(tx.messageId).toBe('stack-default-begins-at-first-write');
  });
});
