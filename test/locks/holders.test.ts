/**
 * The snapshot against reality: real processes in three stacks (python3 sqlite3, node + better-sqlite3,
 * the sqlite3 CLI) hold each lock state, and lockscope must name the state and the pid.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { type HolderStack, hold, waitFor } from '../../fixtures/holders.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import { type LockHolder, isGatherError } from '../../src/core/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

let dir = '';
const { holders, tempDir } = scratchPerTest();
beforeEach(() => {
  dir = tempDir('lockscope-holders-');
});

function snapshot(db: string) {
  const facts = gatherAuditFacts(db);
  if (isGatherError(facts.locks)) throw new Error(facts.locks.error.message);
  return { facts, locks: facts.locks };
}

function holderOf(db: string, pid: number): LockHolder | undefined {
  return snapshot(db).locks.holders.find((h) => h.pid === pid);
}

const names = (h: LockHolder | undefined) => (h?.locks ?? []).map((l) => l.name).sort();

/** Waits until `pid` shows exactly `expected` lock names (a state is reached a moment after READY for some holders). */
async function expectLocks(db: string, pid: number, expected: string[]): Promise<LockHolder> {
  const want = [...expected].sort();
  try {
    return await waitFor(() => {
      const h = holderOf(db, pid);
      return h && JSON.stringify(names(h)) === JSON.stringify(want) ? h : undefined;
    }, `pid ${pid} holding ${want.join(',')}`);
  } catch {
    // Fail with the decoded state that was actually seen.
    expect(names(holderOf(db, pid))).toEqual(want);
    throw new Error('unreachable');
  }
}

function walDb(): string {
  const db = join(dir, 'wal.db');
  buildDatabase(db, { journalMode: 'wal', rows: 10 });
  python(db, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
  return db;
}

function rollbackDb(): string {
  const db = join(dir, 'rb.db');
  buildDatabase(db, { journalMode: 'delete', rows: 10 });
  python(db, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
  return db;
}

const STACKS: HolderStack[] = ['python', 'node', 'cli'];

describe.each(STACKS)('%s holder', (stack) => {
  it('WAL, idle connection: SHARED on the db file and the DMS lock, files db/wal/shm', async () => {
    const db = walDb();
    const h = await hold(stack, db, 'wal-idle');
    holders.push(h);
    const holder = await expectLocks(db, h.pid, ['shared', 'wal-dms']);
    expect(holder.files).toEqual(['db', 'wal', 'shm']);
    expect(holder.locks.find((l) => l.name === 'wal-dms')).toMatchObject({ mode: 'shared', file: 'shm' });
    expect(holder.command).toBeTruthy();
    expect(holder.user).toBe('root');
    expect(Date.parse(holder.startedAt ?? '')).toBeGreaterThan(Date.now() - 120_000);
  });

  it('WAL, read transaction pinning a snapshot: a read mark 1-4 with the frame it pins', async () => {
    const db = walDb();
    // Someone stays attached so the WAL is not checkpointed away, then frames are committed.
    const keeper = await holdState(db, 'wal-idle');
    holders.push(keeper);
    python(db, 'c = sqlite3.connect(db, isolation_level=None)\nfor i in range(5): c.execute("INSERT INTO t(v) VALUES (\'y\')")\nc.close()');
    const h = await hold(stack, db, 'wal-read');
    holders.push(h);
    const { facts } = snapshot(db);
    const mxFrame = !isGatherError(facts.shm) && facts.shm?.header ? facts.shm.header.mxFrame : -1;
    expect(mxFrame).toBeGreaterThan(0);
    const holder = facts.locks && !isGatherError(facts.locks) ? facts.locks.holders.find((x) => x.pid === h.pid) : undefined;
    const read = holder?.locks.find((l) => l.name.startsWith('wal-read-'));
    expect(read?.name).toMatch(/^wal-read-[1-4]$/);
    expect(read?.pinsFrame).toBe(mxFrame);
    expect(names(holder)).toEqual(['shared', read!.name, 'wal-dms'].sort());
  });

  it('WAL, write transaction: the WAL write lock', async () => {
    const db = walDb();
    const h = await hold(stack, db, 'wal-write');
    holders.push(h);
    const holder = await waitFor(() => {
      const x = holderOf(db, h.pid);
      return x?.locks.some((l) => l.name === 'wal-write') ? x : undefined;
    }, 'wal-write');
    expect(holder.locks.find((l) => l.name === 'wal-write')).toMatchObject({ mode: 'exclusive', file: 'shm' });
    expect(holder.locks.map((l) => l.name)).toEqual(expect.arrayContaining(['shared', 'wal-dms']));
    expect(holder.locks.filter((l) => l.name.startsWith('wal-read-'))).toHaveLength(1);
  });

  it('rollback, BEGIN IMMEDIATE: RESERVED (and SHARED)', async () => {
    const db = rollbackDb();
    const h = await hold(stack, db, 'rb-reserved');
    holders.push(h);
    const holder = await expectLocks(db, h.pid, ['shared', 'reserved']);
    expect(holder.files).toEqual(expect.arrayContaining(['db', 'journal']));
  });

  it('rollback, BEGIN EXCLUSIVE: EXCLUSIVE', async () => {
    const db = rollbackDb();
    const h = await hold(stack, db, 'rb-exclusive');
    holders.push(h);
    const holder = await expectLocks(db, h.pid, ['exclusive']);
    expect(holder.locks[0]).toMatchObject({ mode: 'exclusive', file: 'db' });
  });

  it(`rollback, reader mid-SELECT${stack === 'cli' ? ' (CLI: BEGIN; SELECT)' : ''}: SHARED`, async () => {
    const db = rollbackDb();
    const h = await hold(stack, db, 'rb-select');
    holders.push(h);
    await expectLocks(db, h.pid, ['shared']);
  });

  it('rollback, committer waiting for a reader: PENDING, and the reader SHARED', async () => {
    const db = rollbackDb();
    const reader = await holdState(db, 'rb-shared');
    holders.push(reader);
    const h = await hold(stack, db, 'rb-pending', { timeoutMs: 15_000 });
    holders.push(h);
    await expectLocks(db, h.pid, ['shared', 'reserved', 'pending']);
    expect(names(holderOf(db, reader.pid))).toEqual(['shared']);
  });
});

describe('open files without locks', () => {
  it('finds a rollback-mode connection that holds no lock through /proc/<pid>/fd', async () => {
    const db = rollbackDb();
    const h = await hold('node', db, 'wal-idle'); // in rollback mode: open, query done, no lock kept
    holders.push(h);
    const holder = await waitFor(() => holderOf(db, h.pid), 'the node process in the holder list');
    expect(holder.locks).toEqual([]);
    expect(holder.files).toEqual(['db']);
  });
});
