import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import check from '../../checks/write-lock-duty-cycle.js';
import { buildDatabase, waitReady } from '../../fixtures/databases.js';
import type { AuditFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { hold, proc, samples } from '../locks/fake-samples.js';

const scratch = scratchPerTest();

const run = (lockSamples: AuditFacts['lockSamples'], thresholds?: Record<string, number>) =>
  runCheck(check, { ...makeFacts(), lockSamples }, { app: {}, thresholds: thresholds ? { 'write-lock-duty-cycle': thresholds } : undefined });

describe('write-lock-duty-cycle', () => {
  it('does not appear without sampling', () => {
    expect(runCheck(check, makeFacts(), { app: {} })).toBeNull();
  });

  it('passes when nobody wrote', () => {
    const f = run(samples([proc(10)]))!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'no-writes', evidence: { writers: 0 } });
  });

  it('passes below 50%, naming the busiest writer and its share', () => {
    const f = run(samples([proc(10, { write: hold({ share: 0.3, heldMs: 3000, acquisitions: 150 }) }), proc(11, { write: hold({ share: 0.45, heldMs: 4500 }) })]))!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'low-duty-cycle', evidence: { pid: 11, share: 0.45, writers: 2, warnPercent: 50 } });
    expect(f.message).toContain('held the write lock 45% of the 10.0 s window');
  });

  it('warns at 50% and above, naming the process (pid, command), its holds, and the fixes', () => {
    const f = run(samples([proc(4242, { write: hold({ share: 0.83, heldMs: 8300, acquisitions: 412, longestMs: 45, p50Ms: 20 }) }), proc(7, { write: hold({ share: 0.05 }) })]))!;
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('high-duty-cycle');
    expect(f.message).toMatch(/^PID 4242 \(python3 worker-4242\.py.*\) held the write lock 83% of the 10\.0 s window/);
    expect(f.message).toContain('in 412 holds (p50 20 ms, longest 45 ms)');
    expect(f.message).toContain('free only 17% of the time');
    expect(f.evidence).toMatchObject({ pid: 4242, command: 'python3 worker-4242.py', share: 0.83, writersOverWarn: [4242] });
    expect(f.fixes.some((x) => x.shell === 'ps -o pid,user,etime,args -p 4242')).toBe(true);
    // The threshold moves the line: 90% passes the same window.
    expect(run(samples([proc(4242, { write: hold({ share: 0.83 }) })]), { warnPercent: 90 })!.messageId).toBe('low-duty-cycle');
  });

  it('skips a window shorter than minWindowMs rather than judge one transaction that filled it', () => {
    const f = run(samples([proc(5, { write: hold({ share: 1, heldWholeWindow: true }) })], { windowMs: 400 }))!;
    expect(f).toMatchObject({ status: 'skip', messageId: 'window-too-short', evidence: { windowMs: 400, minWindowMs: 1000 } });
  });

  it('a real python3 writer in a loop (BEGIN IMMEDIATE; 40 ms; COMMIT; 5 ms pause): locks --for warns naming it, while every single hold is short', async () => {
    const db = join(scratch.tempDir('lockscope-duty-'), 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    const code = [
      'import os, sqlite3, sys, time',
      'c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)',
      'c.execute("CREATE TABLE IF NOT EXISTS duty(x)")',
      'first = True',
      'while True:',
      '    c.execute("BEGIN IMMEDIATE"); c.execute("INSERT INTO duty VALUES (1)")',
      '    if first: print(f"READY {os.getpid()}", flush=True); first = False',
      '    time.sleep(0.04); c.execute("COMMIT"); time.sleep(0.005)',
    ].join('\n');
    const writer = await waitReady(spawn('python3', ['-c', code, db], { stdio: ['pipe', 'pipe', 'pipe'] }), 'duty-cycle writer');
    scratch.holders.push(writer);
    const r = runCli(['locks', db, '--for', '1500ms', '--json', '--progress', 'off']);
    const findings = JSON.parse(r.stdout).databases[0].findings as { id: string; status: string; messageId: string; evidence: Record<string, unknown> }[];
    const duty = findings.find((f) => f.id === 'write-lock-duty-cycle')!;
    expect(duty).toMatchObject({ status: 'warn', messageId: 'high-duty-cycle', evidence: { pid: writer.pid } });
    expect(duty.evidence.command).toMatch(/python3/);
    expect(duty.evidence.share as number).toBeGreaterThanOrEqual(0.5);
    expect(duty.evidence.acquisitions as number).toBeGreaterThan(5);
    // The longest single hold is far below long-write-lock's 1 s: without this check every sampling check passed.
    expect(findings.find((f) => f.id === 'long-write-lock')).toMatchObject({ status: 'pass', messageId: 'short-holds' });
  });
});
