import { describe, expect, it } from 'vitest';
import check from '../../checks/lock-stall.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
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

  const stoppedRun = { state: 'T', wchan: 'do_signal_stop', ppid: 100, parentCommand: 'bash', tracerPid: null };

  it('fails on a writer stopped with SIGSTOP, even in a short window: kill -CONT, the shell job, kill -9, never plain kill', () => {
    const f = run(samples([proc(4242, { write: hold(whole), progress: stuck, runAtEnd: stoppedRun })], { windowMs: 300 }))!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(f.message).toMatch(/PID 4242 .* is stopped \(state T/);
    expect(f.evidence).toMatchObject({ pid: 4242, state: 'T', lock: 'write', ppid: 100, tracerPid: null });
    const shells = f.fixes.map((x) => x.shell);
    expect(shells).toContain('kill -CONT 4242');
    expect(shells).toContain('kill -9 4242');
    expect(shells).not.toContain('kill 4242');
    expect(f.fixes.some((x) => x.summary.includes('job of the shell PID 100') && x.summary.includes('`fg`'))).toBe(true);
  });

  it('names the tracer of a process in a tracing stop (state t), without kill -CONT', () => {
    const f = run(samples([proc(7, { write: hold(whole), progress: stuck, runAtEnd: { state: 't', wchan: null, ppid: 1, tracerPid: 99, tracerCommand: 'gdb -p 7' } })]))!;
    expect(f).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(f.message).toContain('stopped by its tracer PID 99 (gdb -p 7)');
    expect(f.fixes.map((x) => x.shell)).not.toContain('kill -CONT 7');
  });

  it('only warns on a stopped WAL reader (its snapshot stays pinned); fails on a stopped rollback-mode reader', () => {
    const reader = proc(8, { read: readHold(whole), progress: stuck, runAtEnd: stoppedRun });
    const wal = run(samples([reader]))!;
    expect(wal).toMatchObject({ status: 'warn', messageId: 'stopped-holder' });
    expect(wal.message).toContain('snapshot stays pinned');
    const rb = run(samples([reader], { mode: 'rollback' }))!;
    expect(rb).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(rb.message).toContain('No writer can commit');
  });

  it('a stalled holder names its kernel wait channel and state; the stack tool fits its runtime', () => {
    const f = run(samples([proc(11, { write: hold(whole), progress: stuck, runtime: 'node', runAtEnd: { state: 'S', wchan: 'ep_poll', ppid: 1, tracerPid: null } })]))!;
    expect(f.messageId).toBe('stalled-writer');
    expect(f.message).toContain('asleep in the kernel (state S), waiting in ep_poll');
    expect(f.evidence).toMatchObject({ state: 'S', wchan: 'ep_poll' });
    const shells = f.fixes.map((x) => x.shell ?? '').join('\n');
    expect(shells).toContain('kill -USR1 11');
    expect(shells).not.toContain('py-spy');
  });

  it('warns on a holder spinning on the CPU for the whole window, fails above failMs', () => {
    const busy = { cpuTicks: 950, ioSyscalls: 0, ioBytes: 0, progressed: true, basis: 'cpu+io' as const };
    const f = run(samples([proc(12, { write: hold(whole), progress: busy, runtime: 'python' })]))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'spinning' });
    expect(f.message).toContain('using 95% of a CPU (950 clock ticks');
    expect(f.evidence).toMatchObject({ pid: 12, cpuShare: 0.95, lock: 'write' });
    expect(f.fixes[0]!.shell).toBe('py-spy dump --pid 12');
    const long = run(samples([proc(12, { write: hold(whole), progress: { ...busy, cpuTicks: 4000 } })], { windowMs: 40_000 }))!;
    expect(long).toMatchObject({ status: 'fail', messageId: 'spinning' });
  });
});
