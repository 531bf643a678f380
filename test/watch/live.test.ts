/**
 * watch's live sampler against real holders: a hold keeps its start across interval boundaries (the tracker is
 * renewed each interval, the hold is stitched), a process that leaves is forgotten (memory stays flat), and an
 * unreadable lock table is reported, never thrown. And the event book's start/update/end.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState } from '../../fixtures/databases.js';
import { LiveLockSampler } from '../../src/sources/proc/live-locks.js';
import { EventBook } from '../../src/cli/watch/events.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir } = scratchPerTest();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function intervals(sampler: LiveLockSampler, n: number) {
  const out = [];
  for (let i = 0; i < n; i += 1) {
    for (let k = 0; k < 3; k += 1) {
      sampler.tick();
      await sleep(10);
    }
    out.push(sampler.endInterval()[0]!);
  }
  return out;
}

describe('LiveLockSampler', () => {
  it('stitches a write hold across intervals, and forgets a process once it has gone', async () => {
    const dir = tempDir('lockscope-live-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const writer = await holdState(db, 'wal-write');
    holders.push(writer);
    const sampler = new LiveLockSampler([{ dbPath: db, walEnabled: true }]);
    try {
      const seen = await intervals(sampler, 4);
      const mine = seen.map((d) => d.processes.find((p) => p.pid === writer.pid));
      expect(mine.every((p) => p?.write !== null && p?.write !== undefined)).toBe(true);
      expect(new Set(mine.map((p) => p!.write!.sinceMs)).size).toBe(1);
      expect(seen[0]!.attached.map((p) => p.pid)).toContain(writer.pid);
      expect(seen[1]!.attached).toEqual([]);
      await writer.stop();
      const after = await intervals(sampler, 2);
      expect(after.flatMap((d) => d.detached.map((p) => p.pid))).toContain(writer.pid);
      expect(after[1]!.processes.find((p) => p.pid === writer.pid)).toBeUndefined();
    } finally {
      sampler.close();
    }
  });

  it('reports an unreadable lock table instead of throwing', async () => {
    const dir = tempDir('lockscope-live-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const sampler = new LiveLockSampler([{ dbPath: db, walEnabled: true }], join(dir, 'no-such-locks'));
    try {
      const [d] = await intervals(sampler, 1);
      expect(sampler.tableError).toMatch(/ENOENT/);
      expect(d!.processes).toEqual([]);
      expect(d!.db?.exists).toBe(true);
    } finally {
      sampler.close();
    }
  });
});

describe('EventBook', () => {
  it('starts, updates on a status change, and ends once with the time since the hold began', () => {
    const book = new EventBook();
    const c = { key: 'write-lock-held:1', kind: 'write-lock-held' as const, status: 'warn' as const, check: 'long-write-lock', messageId: 'long-hold', message: 'held', pid: 1, sinceMs: 1_000 };
    const [start] = book.update('app.db', [c], 2_000, () => 'x');
    expect(start).toMatchObject({ type: 'start', id: 'e1', kind: 'write-lock-held', status: 'warn', pid: 1 });
    expect(book.update('app.db', [c], 3_000, () => 'x')).toEqual([]);
    const [update] = book.update('app.db', [{ ...c, status: 'fail' }], 4_000, () => 'x');
    expect(update).toMatchObject({ type: 'update', id: 'e1', status: 'fail' });
    // Another database's conditions leave this one's open.
    expect(book.update('other.db', [], 5_000, () => 'x')).toEqual([]);
    const [end] = book.update('app.db', [], 413_000, (_c, ms) => `released after ${ms / 1000} s`);
    expect(end).toMatchObject({ type: 'end', id: 'e1', message: 'released after 412 s', durationSeconds: 412 });
    expect(book.update('app.db', [], 414_000, () => 'x')).toEqual([]);
  });
});
