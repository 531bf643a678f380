/**
 * Stopped, sleeping and spinning holders, against real processes: a holder stopped with SIGSTOP (state T),
 * one stopped by a tracer (state t), a job of a shell, a holder asleep in the kernel, one spinning on the
 * CPU — and the advice that fits each process (py-spy for Python, the Node inspector for node, gdb
 * otherwise). Every stopped process is SIGKILLed after its test (scratchPerTest), which ends it even while
 * stopped.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import lockHolders from '../../checks/lock-holders.js';
import lockStall from '../../checks/lock-stall.js';
import { FIXTURES_DIR, HOLD_PY, buildDatabase, holdState, python, waitReady } from '../../fixtures/databases.js';
import { hold, holdNode, waitFor } from '../../fixtures/holders.js';
import { gatherAuditFacts, statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import { sampleLocks } from '../../src/sources/proc/sampler.js';
import { type AuditFacts, isGatherError } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/model.js';
import { runCheck } from '../../src/core/runner.js';
import { scratchPerTest } from '../helpers/scratch.js';

let dir = '';
const { holders, tempDir } = scratchPerTest();
beforeEach(() => {
  dir = tempDir('lockscope-stopped-');
});

function db(mode: 'wal' | 'delete' = 'wal'): string {
  const path = join(dir, `${mode}.db`);
  buildDatabase(path, { journalMode: mode, rows: 10 });
  python(path, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
  return path;
}

const state = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2)[0];
const waitState = (pid: number, want: string) => waitFor(() => (state(pid) === want ? true : undefined), `pid ${pid} in state ${want}`);

function snapshot(path: string): AuditFacts {
  const facts = gatherAuditFacts(path);
  if (isGatherError(facts.locks)) throw new Error(facts.locks.error.message);
  return facts;
}
const holdersCheck = (facts: AuditFacts) => runCheck(lockHolders, facts, { app: {} })!;
const shells = (f: Finding) => f.fixes.map((x) => x.shell ?? '');

async function sample(path: string, durationMs: number) {
  const [s] = await sampleLocks([{ files: statDatabaseFiles(path), walEnabled: gatherAuditFacts(path).header.walEnabled }], { durationMs, hz: 100 });
  return s!;
}

describe('a holder stopped with SIGSTOP (state T)', () => {
  it('is named as stopped and fails; the fix is kill -CONT or kill -9, never plain kill — SIGTERM stays pending and the lock stays held', async () => {
    const path = db();
    const h = await holdState(path, 'wal-write');
    holders.push(h);
    process.kill(h.pid, 'SIGSTOP');
    await waitState(h.pid, 'T');
    const facts = snapshot(path);
    const holder = (facts.locks as Exclude<AuditFacts['locks'], { error: unknown }>).holders.find((x) => x.pid === h.pid)!;
    expect(holder.run).toMatchObject({ state: 'T', tracerPid: null, ppid: process.pid });
    const f = holdersCheck(facts);
    expect(f).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(f.message).toContain(`PID ${h.pid}`);
    expect(f.message).toMatch(/is stopped \(state T/);
    expect(f.evidence).toMatchObject({ pid: h.pid, state: 'T', stoppedPids: [h.pid] });
    expect(shells(f)).toContain(`kill -CONT ${h.pid}`);
    expect(shells(f)).toContain(`kill -9 ${h.pid}`);
    expect(shells(f)).not.toContain(`kill ${h.pid}`);

    // Why plain kill is never offered: SIGTERM is left pending on a stopped process, which keeps its lock.
    process.kill(h.pid, 'SIGTERM');
    await waitFor(() => {
      const m = /^ShdPnd:\s+([0-9a-f]+)/m.exec(readFileSync(`/proc/${h.pid}/status`, 'utf8'));
      return m && (BigInt(`0x${m[1]}`) & (1n << 14n)) !== 0n ? true : undefined;
    }, 'SIGTERM pending');
    expect(state(h.pid)).toBe('T');
    expect(holdersCheck(snapshot(path)).messageId).toBe('stopped-holder');
  });

  it('kill -CONT resumes it: it is then an ordinary writer again, not a stopped one', async () => {
    const path = db();
    const h = await holdState(path, 'wal-write');
    holders.push(h);
    process.kill(h.pid, 'SIGSTOP');
    await waitState(h.pid, 'T');
    expect(holdersCheck(snapshot(path)).messageId).toBe('stopped-holder');
    process.kill(h.pid, 'SIGCONT');
    await waitFor(() => (state(h.pid) !== 'T' ? true : undefined), 'resumed');
    const f = holdersCheck(snapshot(path));
    expect(f).toMatchObject({ status: 'warn', messageId: 'writer-active' });
    expect(f.evidence).toMatchObject({ stoppedPids: [] });
  });

  it('a job of a shell: the fix names the shell, where fg resumes it', async () => {
    const path = db();
    // `; :` keeps bash as the parent instead of exec'ing the holder.
    const child = spawn('bash', ['-c', `python3 ${HOLD_PY} ${path} wal-write; :`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const h = await waitReady(child, 'holder under bash');
    holders.push(h);
    process.kill(h.pid, 'SIGSTOP');
    await waitState(h.pid, 'T');
    const f = holdersCheck(snapshot(path));
    expect(f.messageId).toBe('stopped-holder');
    const job = f.fixes.find((x) => x.summary.includes('job of the shell'))!;
    expect(job.summary).toContain(`PID ${child.pid}`);
    expect(job.summary).toContain('`fg`');
    process.kill(h.pid, 'SIGKILL');
  });

  it('rollback mode: a stopped reader holding SHARED blocks every commit (fail); in WAL mode a stopped reader only pins the WAL (warn)', async () => {
    const rb = db('delete');
    const r1 = await holdState(rb, 'rb-shared');
    holders.push(r1);
    process.kill(r1.pid, 'SIGSTOP');
    await waitState(r1.pid, 'T');
    const f1 = holdersCheck(snapshot(rb));
    expect(f1).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(f1.message).toMatch(/no writer can commit/);

    const wal = db('wal');
    const r2 = await holdState(wal, 'wal-read');
    holders.push(r2);
    process.kill(r2.pid, 'SIGSTOP');
    await waitState(r2.pid, 'T');
    const f2 = holdersCheck(snapshot(wal));
    expect(f2).toMatchObject({ status: 'warn', messageId: 'stopped-holder' });
    expect(f2.message).toMatch(/snapshot stays pinned/);
  });
});

/**
 * Attaching to a process that is not one's child needs root, or Yama's ptrace_scope 0 (a CI runner that is
 * neither cannot make a tracing stop at all).
 */
function canTrace(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    return readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim() === '0';
  } catch {
    return true; // no Yama: same-user ptrace is allowed
  }
}

describe('a holder stopped by its tracer (state t)', () => {
  it.runIf(canTrace())('names the tracer, and offers no kill -CONT (SIGCONT does not resume a traced stop)', async () => {
    const path = db();
    const h = await holdState(path, 'wal-write');
    holders.push(h);
    const tracer = await waitReady(spawn('python3', [join(FIXTURES_DIR, 'trace-stop.py'), String(h.pid)], { stdio: ['pipe', 'pipe', 'pipe'] }), 'tracer');
    // The tracer goes first at cleanup: while it lives, the killed holder's exit is reported to it, not to us.
    holders.unshift(tracer);
    await waitState(h.pid, 't');
    const facts = snapshot(path);
    const f = holdersCheck(facts);
    expect(f).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(f.evidence).toMatchObject({ state: 't', tracerPid: tracer.pid });
    expect(f.message).toContain(`stopped by its tracer PID ${tracer.pid}`);
    expect(f.message).toContain('trace-stop.py');
    expect(shells(f)).not.toContain(`kill -CONT ${h.pid}`);
    expect(shells(f)).toContain(`ps -o pid,user,etime,args -p ${tracer.pid}`);
    expect(shells(f)).toContain(`kill -9 ${h.pid}`);
  });
});

describe('lock-stall from sampling: stopped, asleep in the kernel, spinning', () => {
  it('a stopped writer fails even in a window too short for a stall; resumed, the same holder is a stall that names its wait channel', async () => {
    const path = db();
    const h = await holdState(path, 'wal-write');
    holders.push(h);
    process.kill(h.pid, 'SIGSTOP');
    await waitState(h.pid, 'T');
    const s1 = await sample(path, 300);
    expect(s1.processes.find((p) => p.pid === h.pid)!.runAtEnd).toMatchObject({ state: 'T' });
    const f1 = runCheck(lockStall, { ...snapshot(path), lockSamples: s1 }, { app: {} })!;
    expect(f1).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(f1.fixes.map((x) => x.shell)).toContain(`kill -CONT ${h.pid}`);

    process.kill(h.pid, 'SIGCONT');
    await waitFor(() => (state(h.pid) === 'S' ? true : undefined), 'asleep again');
    const s2 = await sample(path, 600);
    const f2 = runCheck(lockStall, { ...snapshot(path), lockSamples: s2 }, { app: {}, thresholds: { 'lock-stall': { warnMs: 300 } } })!;
    expect(f2).toMatchObject({ status: 'warn', messageId: 'stalled-writer' });
    expect(f2.message).toMatch(/asleep in the kernel \(state S\), waiting in \w+/);
    expect(f2.evidence).toMatchObject({ state: 'S' });
    expect(typeof f2.evidence.wchan).toBe('string');
    expect(f2.fixes.map((x) => x.shell)).toContain(`kill ${h.pid}`);
  });

  it('a stopped WAL reader: a warning (its snapshot stays pinned), not a failure', async () => {
    const path = db();
    const r = await holdState(path, 'wal-read');
    holders.push(r);
    process.kill(r.pid, 'SIGSTOP');
    await waitState(r.pid, 'T');
    const s = await sample(path, 300);
    const f = runCheck(lockStall, { ...snapshot(path), lockSamples: s }, { app: {} })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'stopped-holder' });
    expect(f.evidence).toMatchObject({ pid: r.pid, lock: 'read', state: 'T' });
  });

  it('a writer spinning on the CPU for the whole window is named as spinning, with the Node inspector as the tool', async () => {
    const path = db();
    const h = await holdNode(path, 'write-busy');
    holders.push(h);
    const s = await sample(path, 800);
    // A busy loop gets only part of a CPU on a loaded machine: a low share keeps the test about the mechanism.
    const f = runCheck(lockStall, { ...snapshot(path), lockSamples: s }, { app: {}, thresholds: { 'lock-stall': { warnMs: 300, spinCpuPercent: 10 } } })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'spinning' });
    expect(f.message).toMatch(/while using \d+% of a CPU/);
    expect(f.fixes.some((x) => x.shell?.startsWith(`kill -USR1 ${h.pid}`))).toBe(true);
    expect(f.fixes.some((x) => x.shell?.includes('py-spy'))).toBe(false);
  });
});

describe('advice fits the process', () => {
  it.each([
    ['python', 'py-spy dump --pid', ['kill -USR1', 'gdb -p']],
    ['node', 'kill -USR1', ['py-spy', 'gdb -p']],
    ['cli', 'gdb -p', ['py-spy', 'kill -USR1']],
  ] as const)('%s holder: %s', async (stack, tool, never) => {
    const path = db();
    const h = await hold(stack, path, 'wal-write');
    holders.push(h);
    const facts = snapshot(path);
    const f = holdersCheck(facts);
    expect(f.messageId).toBe('writer-active');
    const all = f.fixes.map((x) => x.shell ?? '').join('\n');
    expect(all).toContain(`${tool}`);
    expect(all).toContain(String(h.pid));
    for (const n of never) expect(all).not.toContain(n);
  });
});
