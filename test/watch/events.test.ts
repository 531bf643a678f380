/**
 * lockscope watch against real processes: a python3 writer holds the write lock, is stopped (SIGSTOP), resumed
 * and commits; a reader pins the WAL while another process commits. Each event is awaited by reading watch's
 * NDJSON stream (no fixed sleeps); the latency from the action to the event is printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState, python, waitReady } from '../../fixtures/databases.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { WRITER_PY, latencyMs, startWatch } from './helpers.js';

const { holders, tempDir } = scratchPerTest();
const FAST = ['--interval', '200ms', '--hz', '20'];

describe('lockscope watch: events from real lock holders', () => {
  it('a long write lock, its holder stopped and resumed, then released: each with its start and its end', async () => {
    const dir = tempDir('lockscope-watch-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const child = spawn('python3', ['-c', WRITER_PY, db], { stdio: ['pipe', 'pipe', 'pipe'] });
    const writer = await waitReady(child, 'writer');
    holders.push(writer);
    // lock-stall's window threshold high: after SIGCONT the writer sleeps in its transaction, and only the
    // stop itself (which lock-stall reports whatever the window) is under test here.
    const w = startWatch([db, ...FAST, '--threshold', 'long-write-lock.warnMs=300ms', '--threshold', 'lock-stall.warnMs=60s']);
    try {
      const attached = await w.next((e) => e.kind === 'attached' && e.pid === writer.pid, 'attached');
      expect(attached.type).toBe('note');
      const held = await w.next((e) => e.kind === 'write-lock-held' && e.type === 'start' && e.pid === writer.pid, 'write-lock-held start');
      expect(held).toMatchObject({ check: 'long-write-lock', status: 'warn', database: db });
      expect(held.message).toContain(`${writer.pid}`);

      const stoppedAt = Date.now();
      process.kill(writer.pid, 'SIGSTOP');
      const stalled = await w.next((e) => e.kind === 'holder-stalled' && e.type === 'start' && e.pid === writer.pid, 'holder-stalled start');
      expect(stalled).toMatchObject({ check: 'lock-stall', messageId: 'stopped-holder', status: 'fail' });
      const stopLatency = latencyMs(stalled, stoppedAt);

      const resumedAt = Date.now();
      process.kill(writer.pid, 'SIGCONT');
      const resumed = await w.next((e) => e.type === 'end' && e.id === stalled.id, 'holder-stalled end');
      expect(resumed.message).toMatch(/^running again after [\d.]+ s/);

      const committed = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('COMMITTED') && resolve()));
      child.stdin.write('commit\n');
      await committed;
      const committedAt = Date.now();
      const released = await w.next((e) => e.type === 'end' && e.id === held.id, 'write-lock-held end');
      expect(released.message).toMatch(/^released after [\d.]+ s$/);
      expect(released.durationSeconds).toBeGreaterThan(0.3);

      child.stdin.write('exit\n');
      await w.next((e) => e.kind === 'detached' && e.pid === writer.pid, 'detached');
      console.log(`watch event latency (interval 200 ms, 20 Hz): stop → event ${stopLatency} ms, resume → end ${latencyMs(resumed, resumedAt)} ms, commit → end ${latencyMs(released, committedAt)} ms`);
      // Ends come only for what started, each once.
      const ids = w.events.filter((e) => e.type === 'end').map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
  }, 30_000);

  it('a reader pinning the WAL while another process commits: checkpoint starvation naming the reader, until a checkpoint catches up', async () => {
    const dir = tempDir('lockscope-watch-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    // An idle connection keeps the WAL and -shm (the last close would checkpoint and delete them).
    holders.push(await holdState(db, 'wal-idle'));
    const reader = await holdState(db, 'wal-read');
    holders.push(reader);
    const w = startWatch([db, ...FAST, '--threshold', 'checkpoint-lag.warnFrames=20', '--threshold', 'long-reader.warnMs=300ms']);
    try {
      await w.next((e) => e.kind === 'attached' && e.pid === reader.pid, 'reader attached');
      const wroteAt = Date.now();
      // One transaction of 40 page-sized rows (40+ frames at one commit): a writer between its own autocommits
      // would briefly hold an old read mark itself, and a gather caught then could name it instead of the reader.
      python(db, 'c = sqlite3.connect(db, isolation_level=None)\nc.execute("BEGIN")\nfor i in range(40):\n    c.execute("INSERT INTO t(v) VALUES (?)", ("y" * 4000,))\nc.execute("COMMIT")\nc.close()');
      const starved = await w.next((e) => e.kind === 'checkpoint-starved' && e.type === 'start', 'checkpoint-starved start');
      expect(starved.check).toBe('checkpoint-lag');
      expect(starved.message).toContain(`${reader.pid}`);
      const pinning = await w.next((e) => e.kind === 'long-reader' && e.type === 'start' && e.pid === reader.pid, 'long-reader start');
      expect(pinning.messageId).toBe('pins-wal');

      const endedAt = Date.now();
      await reader.stop();
      const readerEnd = await w.next((e) => e.type === 'end' && e.id === pinning.id, 'long-reader end');
      // Killed mid-interval it is still seen earlier in that interval (without its read), or already gone.
      expect(readerEnd.message).toMatch(/^(read transaction ended|pid \d+ ended or let go of the database; its lock was released) after [\d.]+ s$/);
      python(db, 'c = sqlite3.connect(db, isolation_level=None)\nc.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()\nc.close()');
      const caughtUp = await w.next((e) => e.type === 'end' && e.id === starved.id, 'checkpoint-starved end');
      expect(caughtUp.message).toMatch(/^checkpoint lag back within the checkpoint-lag thresholds after [\d.]+ s \(0 frames\)$/);
      console.log(`watch event latency (interval 200 ms): commits → checkpoint-starved ${latencyMs(starved, wroteAt)} ms, reader killed → end ${latencyMs(readerEnd, endedAt)} ms`);
    } finally {
      expect(await w.stop('SIGINT')).toBe(0);
    }
  }, 30_000);

  it('a writer asleep in its transaction (no CPU, no I/O) longer than lock-stall.warnMs: a stalled holder, not only a stopped one', async () => {
    const dir = tempDir('lockscope-watch-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const writer = await holdState(db, 'wal-write');
    holders.push(writer);
    const w = startWatch([db, ...FAST, '--threshold', 'lock-stall.warnMs=500ms']);
    try {
      const stalled = await w.next((e) => e.kind === 'holder-stalled' && e.type === 'start' && e.pid === writer.pid, 'holder-stalled start');
      expect(stalled).toMatchObject({ check: 'lock-stall', messageId: 'stalled-writer', status: 'warn' });
      expect(stalled.message).toMatch(/used no CPU time/);
      await writer.stop();
      const end = await w.next((e) => e.type === 'end' && e.id === stalled.id, 'holder-stalled end');
      expect(end.message).toMatch(/^(released|pid \d+ ended or let go of the database; its lock was released) after [\d.]+ s$/);
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
  }, 20_000);
});
