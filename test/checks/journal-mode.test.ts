import { describe, expect, it } from 'vitest';
import check from '../../checks/journal-mode.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: ReturnType<typeof makeFacts>, app = {}) => runCheck(check, facts, { app })!;

describe('journal-mode', () => {
  it('passes when WAL is stored in the header', () => {
    const f = run(makeFacts());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('wal');
    expect(f.evidence.walEnabled).toBe(true);
  });

  it('warns on a rollback journal, with the WAL pragma as the fix (transactions that cannot fall into the upgrade trap)', () => {
    const f = run(makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } }), { transactionMode: 'immediate' });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('rollback');
    expect(f.title).toBe(check.failureTitle);
    expect(f.fixes.map((x) => x.sql)).toContain('PRAGMA journal_mode = WAL;');
  });

  it.each([
    ['undeclared', {}, undefined],
    ['declared deferred', { transactionMode: 'deferred' }, undefined],
    ['the stack default (Django)', {}, 'django'],
  ] as const)('on a rollback journal with %s transactions, says WAL alone does not stop the read-then-write failures and lists BEGIN IMMEDIATE beside WAL', (_name, app, stack) => {
    const f = runCheck(check, makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } }), { app, ...(stack ? { stack } : {}) })!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('rollback-deferred');
    expect(f.message).toMatch(/WAL alone does not stop the read-then-write failures/);
    expect(f.fixes.map((x) => x.sql)).toEqual(expect.arrayContaining(['PRAGMA journal_mode = WAL;', 'BEGIN IMMEDIATE;']));
  });

  it('warns when the app declares WAL but the file is not in WAL mode', () => {
    const f = run(makeFacts({ header: { writeVersion: 1, readVersion: 1, walEnabled: false } }), { journalMode: 'wal' });
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('declared-wal-not-in-file');
  });

  it.each(['memory', 'off'] as const)('fails when the app declares journal_mode=%s', (mode) => {
    const f = run(makeFacts(), { journalMode: mode });
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('unsafe-journal');
    expect(f.message).toContain(mode.toUpperCase());
  });
});
