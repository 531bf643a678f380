import { describe, expect, it } from 'vitest';
import check from '../../checks/lock-visibility.js';
import type { AuditFacts, LockVisibility } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { lockVisibility, makeFacts } from '../helpers/facts.js';

const visibility = lockVisibility;

function facts(v: Partial<LockVisibility> | null, source: '/proc/locks' | 'lsof' | 'none' = '/proc/locks'): AuditFacts {
  const base = makeFacts();
  const locks = base.locks as Exclude<AuditFacts['locks'], { error: unknown }>;
  return { ...base, locks: { ...locks, source, ...(v === null ? { visibility: undefined } : { visibility: visibility(v) }) } };
}

const run = (f: AuditFacts) => runCheck(check, f, { app: {} })!;

describe('lock-visibility', () => {
  it('passes when everything was visible, and still says waiters never show', () => {
    const f = run(facts({}));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('complete');
    expect(f.message).toContain('all 120 processes');
    expect(f.message).toContain('busy handler');
  });

  it('info when /proc/locks is missing and lsof stood in', () => {
    const f = run(facts({ lockTable: false, lockTableError: 'ENOENT: no such file', lsof: 'ok', pidNamespace: 'unknown', fullScan: false }, 'lsof'));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('no-lock-table');
    expect(f.message).toContain('lsof listed the processes');
    expect(f.message).toContain('unknown');
  });

  it('info when neither /proc/locks nor lsof is available, with how to install lsof', () => {
    const f = run(facts({ lockTable: false, lsof: 'missing', pidNamespace: 'unknown', fullScan: false }, 'none'));
    expect(f.messageId).toBe('no-lock-table');
    expect(f.fixes.some((x) => x.shell?.includes('lsof'))).toBe(true);
  });

  it('info when the lock table itself could not be read (audit without fallback)', () => {
    const f = run({ ...makeFacts(), locks: { error: { code: 'ENOENT', message: "ENOENT: no such file or directory, open '/proc/locks'" } } });
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('no-lock-table');
    expect(f.evidence).toMatchObject({ lockTable: false, gaps: ['no-lock-table'] });
  });

  it('info in a nested PID namespace, with how many locks are hidden', () => {
    const f = run(facts({ pidNamespace: 'nested', hiddenLocksOnSystem: 4 }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('pid-namespace');
    expect(f.message).toContain('4 locks on this system are hidden');
    expect(f.fixes.some((x) => x.shell?.startsWith('docker exec'))).toBe(true);
  });

  it('info when other users\' processes could not be read, naming lock holders among them', () => {
    const f = run(facts({ unreadableProcesses: 31, unreadableHolders: [4242], runningAsRoot: false }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('other-users');
    expect(f.message).toContain('31 processes of other users');
    expect(f.message).toContain('PID 4242');
    expect(f.fixes[0]!.shell).toBe('sudo lockscope locks /data/app.db');
  });

  it('info on OFD locks, with the owner found in fdinfo', () => {
    const f = run(facts({ ofdLocks: 1, ofdHolders: [555] }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('ofd-locks');
    expect(f.message).toContain('fdinfo names PID 555');
  });

  it('lists every gap when there are several', () => {
    const f = run(facts({ pidNamespace: 'nested', unreadableProcesses: 2, hidepid: true, ofdLocks: 1 }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('several-gaps');
    expect(f.evidence).toMatchObject({ gaps: ['pid-namespace', 'other-users', 'ofd-locks'] });
  });

  it('skips facts saved without a visibility record', () => {
    const f = run(facts(null));
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('not-recorded');
  });
});
