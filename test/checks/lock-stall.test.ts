import { describe, expect, it } from 'vitest';
import check from '../../checks/lock-stall.js';
import type { AuditFacts } from '../../src/facts/types.js';
import { runCheck } from '../../src/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { hold, proc, readHold, samples } from '../locks/fake-samples.js';

const run = (lockSamples: AuditFacts['lockSamples'], thresholds?: Record<string, number>) =>
  runCheck(check, { ...makeFacts(), lockSamples }, { app: {}, thresholds: thresholds ? { 'lock-stall': thresholds } : undefined });

const whole = { heldWholeWindow: true, heldAtStart: true, heldAtEnd: true, share: 1, longestMs: 10_000 };
const stuck = { cpuTicks: 0, ioSyscalls: 0, ioBytes: 0, progressed: false, basis: 'cpu+io' as const };

describe('lock-stall', () => {
  it('does not appear without sampling', () => {
    expect(runCheck(check, makeFacts(), { app: {} })).toBeNull();
  });

  it('passes when nothing was held for the whole window', () => {
    const f = run(samples([proc(1, { write: hold() })]))!;
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-stall');
    expect(f.evidence).toMatchObject({ wholeWindowHolders: [] });
  });

  it('passes a whole-window holder that used CPU (busy, not stuck)', () => {
    const f = run(samples([proc(2, { write: hold(whole) })]))!;
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('no-stall');
    expect(f.message).toContain('busy, not stuck');
  });

  it('warns on a writer that held the lock the whole window and made no progress', () => {
    const f = run(samples([proc(4242, { write: hold(whole), progress: stuck })]))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('stalled-writer');
    expect(f.message).toMatch(/PID 4242 .* held the write lock for the whole 10\.0 s window and used no CPU time and made no read or write system call/);
    expect(f.evidence).toMatchObject({ pid: 4242, cpuTicks: 0, ioSyscalls: 0, basis: 'cpu+io', lock: 'write' });
    expect(f.fixes.some((x) => x.shell === 'cat /proc/4242/wchan; echo; cat /proc/4242/syscall')).toBe(true);
    expect(f.fixes.some((x) => x.shell === 'kill 4242' && x.caution)).toBe(true);
  });

  it('fails when the stall lasted longer than failMs, and says when only CPU time could be compared', () => {
    const f = run(samples([proc(5, { write: hold({ ...whole, longestMs: 40_000 }), progress: { ...stuck, ioSyscalls: null, ioBytes: null, basis: 'cpu' } })], { windowMs: 40_000 }))!;
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('stalled-writer');
    expect(f.message).toContain('only CPU time was compared');
  });

  it('warns on a stuck reader (prefers a stuck writer when both exist)', () => {
    const reader = proc(6, { read: readHold({ ...whole }), progress: stuck });
    const f = run(samples([reader]))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('stalled-reader');
    expect(f.message).toContain('WAL grows');
    const both = run(samples([reader, proc(7, { write: hold(whole), progress: stuck })]))!;
    expect(both.messageId).toBe('stalled-writer');
    expect(both.evidence).toMatchObject({ pid: 7, stalledPids: [6, 7] });
  });

  it('is only info when the window is too short to tell a stall from a pause', () => {
    const f = run(samples([proc(8, { write: hold(whole), progress: stuck })], { windowMs: 800 }))!;
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('window-too-short');
  });

  it('is info when the holder\'s counters could not be compared', () => {
    const f = run(samples([proc(9, { write: hold(whole), progress: null })]))!;
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('progress-unknown');
  });
});
