/**
 * The strace line reader and the lock decoder on lines in strace's own format (strace 6.1, -f -ttt -y, as recorded
 * here from Python sqlite3): what real runs rarely show on demand — a call split by another thread, the app's
 * own sleep after SQLITE_BUSY, a wait that began before the attach, the cap on listed events.
 */
import { describe, expect, it } from 'vitest';
import { LockDecoder, MAX_BUSY_EVENTS_PER_PROCESS } from '../../src/sources/trace/decoder.js';
import { StraceLineReader, unescapeStracePath } from '../../src/sources/trace/strace-line.js';

const DB = '/srv/app.db';
const SHM = '/srv/app.db-shm';
const T0 = 1_800_000_000; // epoch seconds

/** Builds strace lines: a lock call on -shm or the db, or a sleep, at t0 + ms. */
const line = {
  lock: (tid: number, ms: number, file: 'db' | 'shm', type: 'RDLCK' | 'WRLCK' | 'UNLCK', start: number, len: number, ok = true) =>
    `${tid}  ${(T0 + ms / 1000).toFixed(6)} fcntl(5<${file === 'db' ? DB : SHM}>, F_SETLK, {l_type=F_${type}, l_whence=SEEK_SET, l_start=${start}, l_len=${len}}) = ${ok ? '0' : '-1 EAGAIN (Resource temporarily unavailable)'}`,
  sleep: (tid: number, ms: number, sleepMs: number) => `${tid}  ${(T0 + ms / 1000).toFixed(6)} clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=${sleepMs * 1_000_000}}, NULL) = 0`,
};

function decode(lines: string[], startOffsetMs = 0) {
  const decoder = new LockDecoder({ dbPath: DB, shmPath: SHM, startMs: T0 * 1000 + startOffsetMs });
  const reader = new StraceLineReader();
  for (const l of lines) {
    const r = reader.read(l);
    if ('call' in r) decoder.feed(r.call);
  }
  return decoder.finish(T0 * 1000 + 60_000, () => ({ command: 'app', runtime: 'python' }), []);
}

/** One WAL write attempt refused, then retried by the busy handler with the given sleeps, ending `end`. */
function walRetry(tid: number, at: number, sleeps: number[], end: 'acquired' | 'gave-up'): string[] {
  const out: string[] = [];
  let t = at;
  out.push(line.lock(tid, t, 'shm', 'RDLCK', 124, 1), line.lock(tid, t + 0.01, 'shm', 'WRLCK', 120, 1, false), line.lock(tid, t + 0.02, 'shm', 'UNLCK', 124, 1));
  sleeps.forEach((s, i) => {
    out.push(line.sleep(tid, t + 0.03, s));
    t += s + 0.1;
    const last = i === sleeps.length - 1;
    out.push(line.lock(tid, t, 'shm', 'RDLCK', 124, 1), line.lock(tid, t + 0.01, 'shm', 'WRLCK', 120, 1, last && end === 'acquired'));
    if (!(last && end === 'acquired')) out.push(line.lock(tid, t + 0.02, 'shm', 'UNLCK', 124, 1));
  });
  if (end === 'acquired') out.push(line.lock(tid, t + 5, 'shm', 'UNLCK', 120, 1));
  return out;
}

describe('the strace line reader', () => {
  it('joins a call split by another thread, keeping its start time', () => {
    const reader = new StraceLineReader();
    expect(reader.read(`7 ${T0}.000100 fcntl(5<${SHM}>, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=120, l_len=1} <unfinished ...>`)).toEqual({ ignored: true });
    expect('call' in reader.read(line.sleep(8, 1, 5))).toBe(true);
    const r = reader.read(`7 ${T0}.000300 <... fcntl resumed>) = -1 EAGAIN (Resource temporarily unavailable)`);
    expect(r).toEqual({ call: { kind: 'lock', tid: 7, t: T0 + 0.0001, path: SHM, type: 'write', start: 120, len: 1, ok: false, errno: 'EAGAIN' } });
  });

  it('ignores other fcntl commands and signals, reads thread exits; counts what it cannot read', () => {
    const reader = new StraceLineReader();
    expect(reader.read(`7 ${T0}.1 fcntl(3</srv/app.db>, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)`)).toEqual({ ignored: true });
    expect(reader.read(`7 ${T0}.1 +++ exited with 0 +++`)).toEqual({ call: { kind: 'exit', tid: 7, t: T0 + 0.1 } });
    expect(reader.read(`7 ${T0}.1 --- SIGCHLD {si_signo=SIGCHLD} ---`)).toEqual({ ignored: true });
    expect(reader.read('garbage')).toEqual({ unparsed: true });
  });

  it('decodes the escapes strace -y uses in paths', () => {
    expect(unescapeStracePath('/srv/my\\x20app\\303\\251.db')).toBe('/srv/my appé.db');
  });
});

describe('the lock decoder', () => {
  it("measures busy_timeout as the busy handler's sleeps of a wait that gave up: the table, 100 ms repeated, the last cut to fit", () => {
    // busy_timeout 1,500: 1+2+5+10+15+20+25+25+25+50+50+100 = 328, eleven more 100s = 1,428, then 72 (main.c cuts the last).
    const sleeps = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, ...Array<number>(11).fill(100), 72];
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(1500);
    const [p] = decode(walRetry(10, 1000, sleeps, 'gave-up'));
    expect(p!.busyTimeout).toMatchObject({ kind: 'measured', ms: 1500 });
    expect(p!.busy[0]).toMatchObject({ kind: 'after-retry', outcome: 'gave-up', attempts: sleeps.length + 1, sleptMs: 1500 });
    expect(p!.modes.writeFirst).toBe(1);
  });

  it('a wait that ended with the lock is a lock wait and a lower bound', () => {
    const [p] = decode(walRetry(10, 1000, [1, 2, 5], 'acquired'));
    expect(p!.busyTimeout).toEqual({ kind: 'lower-bound', ms: 8 });
    expect(p!.lockWaits.count).toBe(1);
    expect(p!.busyCounts.acquired).toBe(1);
    expect(p!.writeHolds.count).toBe(1);
  });

  it("the app's own sleep after SQLITE_BUSY is not the busy handler's: each retry is a given-up sequence, and they make a run", () => {
    const lines: string[] = [];
    for (let i = 0; i < 6; i++) {
      const at = 1000 + i * 200;
      lines.push(line.lock(10, at, 'shm', 'RDLCK', 124, 1), line.lock(10, at + 0.01, 'shm', 'WRLCK', 120, 1, false), line.lock(10, at + 0.5, 'shm', 'UNLCK', 124, 1), line.sleep(10, at + 1, 150));
    }
    const [p] = decode(lines);
    expect(p!.busyCounts).toMatchObject({ gaveUpAtOnce: 6, gaveUpAfterRetry: 0 });
    expect(p!.retryRun).toMatchObject({ tid: 10, count: 6 });
    expect(p!.busyTimeout).toEqual({ kind: 'at-once-only', sequences: 6 });
  });

  it('a wait already under way when tracing began is partial: a lower bound, never the measured timeout', () => {
    const [p] = decode(walRetry(10, 50, [100, 100, 100], 'gave-up'), 0);
    expect(p!.busyTimeout).toEqual({ kind: 'lower-bound', ms: 300 });
    expect(p!.busy[0]).toMatchObject({ beganBeforeTrace: true, kind: 'after-retry' });
  });

  it('ignores lock calls on other files and the close-time EXCLUSIVE probe', () => {
    const lines = [
      `10 ${T0}.5 fcntl(4</srv/other.db>, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=1073741825, l_len=1}) = -1 EAGAIN (Resource temporarily unavailable)`,
      line.lock(10, 600, 'db', 'WRLCK', 1073741824, 1),
      line.lock(10, 601, 'db', 'WRLCK', 1073741826, 510, false),
      line.lock(10, 602, 'db', 'UNLCK', 1073741824, 2),
    ];
    const [p] = decode(lines);
    expect(p!.busy).toEqual([]);
    expect(p!.lockCalls).toBe(3);
  });

  it('lists at most the cap of events per process and counts the rest', () => {
    const lines: string[] = [];
    for (let i = 0; i < MAX_BUSY_EVENTS_PER_PROCESS + 20; i++) lines.push(line.lock(10, 1000 + i, 'db', 'RDLCK', 1073741824, 1, false));
    const [p] = decode(lines);
    expect(p!.busy).toHaveLength(MAX_BUSY_EVENTS_PER_PROCESS);
    expect(p!.busyOmitted).toBe(20);
    expect(p!.busyCounts.gaveUpAtOnce).toBe(MAX_BUSY_EVENTS_PER_PROCESS + 20);
    // A reader refused SHARED outside any transaction gave up with no sleep: busy_timeout 0.
    expect(p!.busyTimeout).toEqual({ kind: 'zero', sequences: MAX_BUSY_EVENTS_PER_PROCESS + 20 });
  });
});

describe('the end of the window', () => {
  it('a sleep cut by the detach still counts, and a refusal at the very end is still waiting, not given up', () => {
    const reader = new StraceLineReader();
    const r = reader.read(`10  ${(T0 + 1).toFixed(6)} clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=100000000},  <detached ...>`);
    expect(r).toEqual({ call: { kind: 'sleep', tid: 10, t: T0 + 1, ms: 100 } });
    const decoder = new LockDecoder({ dbPath: DB, shmPath: SHM, startMs: T0 * 1000 });
    for (const l of [line.lock(10, 59_950, 'shm', 'RDLCK', 124, 1), line.lock(10, 59_951, 'shm', 'WRLCK', 120, 1, false)]) {
      const c = reader.read(l);
      if ('call' in c) decoder.feed(c.call);
    }
    const [p] = decoder.finish(T0 * 1000 + 60_000, () => ({ command: null, runtime: 'other' }), []);
    expect(p!.busy[0]).toMatchObject({ outcome: 'in-progress' });
    expect(p!.busyTimeout).toBeNull();
  });
});

describe('several connections in one process', () => {
  it('gives the busy timeout of the one that gives up soonest, and the others', () => {
    const short = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 72]; // 300 ms
    const long = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100, ...Array<number>(11).fill(100), 72]; // 1,500 ms
    const [p] = decode([...walRetry(10, 1000, long, 'gave-up'), ...walRetry(10, 5000, short, 'gave-up')]);
    expect(p!.busyTimeout).toMatchObject({ kind: 'measured', ms: 300, sequences: 1, otherMs: [1500] });
  });
});

describe('what was held before tracing began (/proc/locks)', () => {
  it('names the holder of a refused lock, counts its hold from the start, and drops a lock gone by the attach', () => {
    const decoder = new LockDecoder({ dbPath: DB, shmPath: SHM, startMs: T0 * 1000 });
    const writer = { pid: 20, role: 'shm' as const, type: 'write' as const, start: 120, end: 120 };
    const reader = { pid: 21, role: 'shm' as const, type: 'read' as const, start: 124, end: 124 };
    decoder.seed([writer, reader], false);
    decoder.seed([writer], true); // the reader let go before strace attached
    const lines = new StraceLineReader();
    for (const l of walRetry(10, 1000, [1, 2, 5], 'gave-up')) {
      const c = lines.read(l);
      if ('call' in c) decoder.feed(c.call);
    }
    const procs = decoder.finish(T0 * 1000 + 60_000, () => ({ command: null, runtime: 'other' }), []);
    const app = procs.find((p) => p.pid === 10)!;
    expect(app.busy[0]!.heldBy).toEqual([20]);
    const holder = procs.find((p) => p.pid === 20)!;
    expect(holder.longestWrites[0]).toMatchObject({ heldMs: 60_000, open: true, beganBeforeTrace: true });
    expect(procs.find((p) => p.pid === 21)?.readTransactions ?? 0).toBe(0);
  });
});
