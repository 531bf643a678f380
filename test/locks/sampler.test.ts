/** Sampling against real processes: hold times, acquisitions, pinned readers, and progress. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { holdNode } from '../../fixtures/holders.js';
import { gatherAuditFacts, statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import { sampleLocks } from '../../src/sources/proc/sampler.js';
import { isGatherError } from '../../src/core/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

let dir = '';
const { holders, tempDir } = scratchPerTest();
beforeEach(() => {
  dir = tempDir('lockscope-sampler-');
});

function walDb(): string {
  const db = join(dir, 'app.db');
  buildDatabase(db, { journalMode: 'wal', rows: 10 });
  python(db, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
  return db;
}

async function sample(db: string, durationMs: number, hz = 100) {
  const [facts] = await sampleLocks([{ files: statDatabaseFiles(db), walEnabled: gatherAuditFacts(db).header.walEnabled }], { durationMs, hz });
  return facts!;
}

describe('sampleLocks', () => {
  it('a write lock held for the whole window by a blocked process: one hold as long as the window, no progress', async () => {
    const db = walDb();
    const h = await holdState(db, 'wal-write');
    holders.push(h);
    const s = await sample(db, 1200);
    expect(s.mode).toBe('wal');
    expect(s.samples).toBeGreaterThan(50);
    const p = s.processes.find((x) => x.pid === h.pid)!;
    expect(p.write).toMatchObject({ heldWholeWindow: true, heldAtStart: true, heldAtEnd: true, acquisitions: 1 });
    expect(p.write!.longestMs).toBeCloseTo(s.windowMs, -2);
    expect(p.write!.share).toBeGreaterThan(0.95);
    expect(p.locksSeen).toContain('wal-write');
    expect(p.command).toContain('hold.py');
    expect(p.progress).toMatchObject({ progressed: false, cpuTicks: 0, ioSyscalls: 0, basis: 'cpu+io' });
  });

  it('repeated short write transactions: acquisitions, p50/p99 and share of time', async () => {
    const db = walDb();
    const h = await holdNode(db, 'write-loop', ['--hold-ms', '60', '--every-ms', '200']);
    holders.push(h);
    const s = await sample(db, 1600);
    const w = s.processes.find((x) => x.pid === h.pid)!.write!;
    expect(w.acquisitions).toBeGreaterThanOrEqual(5);
    expect(w.p50Ms!).toBeGreaterThanOrEqual(40);
    expect(w.p50Ms!).toBeLessThan(150);
    expect(w.p99Ms!).toBeGreaterThanOrEqual(w.p50Ms!);
    expect(w.longestMs).toBeLessThan(200);
    expect(w.share).toBeGreaterThan(0.15);
    expect(w.share).toBeLessThan(0.6);
    expect(w.heldWholeWindow).toBe(false);
  });

  it('a reader that pins an old snapshot while a writer commits: pinned time, frames behind, the frame it pins', async () => {
    const db = walDb();
    const keeper = await holdState(db, 'wal-idle');
    holders.push(keeper);
    python(db, 'c = sqlite3.connect(db, isolation_level=None)\nfor i in range(3): c.execute("INSERT INTO t(v) VALUES (\'y\')")\nc.close()');
    const reader = await holdState(db, 'wal-read');
    holders.push(reader);
    const facts = gatherAuditFacts(db);
    const mark = !isGatherError(facts.shm) ? facts.shm!.header!.mxFrame : -1;
    // Commits arrive 300 ms into the window, from another process.
    const writer = new Promise<void>((resolve) => {
      setTimeout(() => {
        spawn('python3', ['-c', 'import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nfor i in range(4): c.execute("INSERT INTO t(v) VALUES (\'z\')")\nc.close()', db]).on('exit', () => resolve());
      }, 300);
    });
    const s = await sample(db, 1500);
    await writer;
    const r = s.processes.find((x) => x.pid === reader.pid)!.read!;
    expect(r.heldWholeWindow).toBe(true);
    expect(r.pinnedMs).toBeGreaterThan(300);
    expect(r.pinnedMs).toBeLessThan(r.heldMs);
    expect(r.longestPinnedMs).toBeGreaterThan(300);
    expect(r.maxFramesBehind).toBeGreaterThanOrEqual(4);
    expect(r.pinsFrame).toBe(mark);
    expect(s.mxFrameEnd! - s.mxFrameStart!).toBeGreaterThanOrEqual(4);
    // The idle keeper holds no read transaction.
    expect(s.processes.find((x) => x.pid === keeper.pid)!.read).toBeNull();
  });

  it('a holder busy on the CPU made progress; a holder that exits mid-window has no end reading', async () => {
    const db = walDb();
    const busy = await holdNode(db, 'write-busy');
    holders.push(busy);
    const s1 = await sample(db, 1000);
    const b = s1.processes.find((x) => x.pid === busy.pid)!;
    expect(b.write!.heldWholeWindow).toBe(true);
    expect(b.progress!.progressed).toBe(true);
    expect(b.progress!.cpuTicks).toBeGreaterThan(10);
    await busy.stop();
    holders.splice(0);

    const quitter = await holdState(db, 'wal-write');
    holders.push(quitter);
    setTimeout(() => void quitter.stop(), 400);
    const s2 = await sample(db, 1200);
    const q = s2.processes.find((x) => x.pid === quitter.pid)!;
    expect(q.write!.heldAtEnd).toBe(false);
    expect(q.write!.heldWholeWindow).toBe(false);
    expect(q.write!.longestMs).toBeGreaterThan(250);
    expect(q.write!.longestMs).toBeLessThan(700);
    expect(q.progress).toBeNull();
  });

  it('rollback mode: RESERVED counts as the write lock, SHARED as a read', async () => {
    const db = join(dir, 'rb.db');
    buildDatabase(db, { journalMode: 'delete', rows: 10 });
    const reader = await holdState(db, 'rb-shared');
    holders.push(reader);
    const s = await sample(db, 500, 50);
    expect(s.mode).toBe('rollback');
    expect(s.hz).toBe(50);
    const r = s.processes.find((x) => x.pid === reader.pid)!;
    expect(r.write).toBeNull();
    expect(r.read!.heldWholeWindow).toBe(true);
    expect(r.read!.maxFramesBehind).toBe(0);
  });
});
