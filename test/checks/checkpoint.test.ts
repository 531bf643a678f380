import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import check from '../../checks/checkpoint.js';
import { buildAbandonedWal, buildDatabase, holdState } from '../../fixtures/databases.js';
import { commitMore } from '../../fixtures/journals.js';
import { runCheckpoint } from '../../src/sources/sqlite/checkpoint.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AuditFacts, CheckpointFacts, LockHolder } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { runCli, nobodyCanRunCli, AS_NOBODY } from '../helpers/cli.js';
import { makeFacts } from '../helpers/facts.js';
import { scratchPerTest } from '../helpers/scratch.js';

const run = (facts: AuditFacts) => runCheck(check, facts, { app: {} });

function ckpt(patch: Partial<CheckpointFacts>): CheckpointFacts {
  return {
    mode: 'truncate',
    timeoutMs: 200,
    busy: 0,
    log: 0,
    checkpointed: 0,
    durationMs: 12,
    walBytesBefore: 41_232,
    walBytesAfter: 0,
    walRemovedOnClose: false,
    blockers: [],
    shmBefore: null,
    readMarksAfter: null,
    wrote: 'ran PRAGMA wal_checkpoint(TRUNCATE) with a busy timeout of 200 ms',
    ...patch,
  };
}
const withCheckpoint = (c: CheckpointFacts) => ({ ...makeFacts(), checkpoint: c });
const reader = (pid: number, slot: number, pinsFrame: number | null): LockHolder => ({
  pid,
  command: 'python3 report.py',
  locks: [{ name: `wal-read-${slot}` as 'wal-read-1', mode: 'shared', file: 'shm', ...(slot > 0 ? { pinsFrame } : {}) }],
});

const { holders, tempDir } = scratchPerTest();
let dir = '';

describe('checkpoint (facts tables)', () => {
  it('gives no finding when --checkpoint was not asked for', () => {
    expect(run(makeFacts())).toBeNull();
  });

  it('passes a completed TRUNCATE, with what lockscope wrote', () => {
    const f = run(withCheckpoint(ckpt({})))!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'completed', evidence: { busy: 0, log: 0, checkpointed: 0, walBytesBefore: 41_232, walBytesAfter: 0 } });
    expect(f.message).toContain('lockscope wrote: ran PRAGMA wal_checkpoint(TRUNCATE)');
  });

  it('passes when closing the last connection removed the WAL even though the pragma was held up', () => {
    const f = run(withCheckpoint(ckpt({ busy: 1, log: 27, checkpointed: 22, walBytesAfter: null, walRemovedOnClose: true })))!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'completed' });
    expect(f.message).toMatch(/the close copied every frame back/);
  });

  it('skips a database that is not in WAL mode', () => {
    const f = run(withCheckpoint(ckpt({ log: -1, checkpointed: -1, skipped: 'not in WAL mode', wrote: 'nothing (no connection was opened)' })))!;
    expect(f).toMatchObject({ status: 'skip', messageId: 'not-wal' });
    expect(f.message).toContain('lockscope wrote: nothing');
  });

  it('warns when a reader pins old frames: which read mark, which frame, how many frames, and that writers were blocked', () => {
    const f = run(withCheckpoint(ckpt({ busy: 1, log: 16, checkpointed: 11, blockers: [reader(977, 1, 11)] })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'reader-pinned', title: check.failureTitle });
    expect(f.evidence).toMatchObject({ readMark: 1, pinsFrame: 11, framesHeldBack: 5, framesNotCheckpointed: 5, blockerPids: [977] });
    expect(f.message).toContain('pid 977 (python3 report.py) holds read mark 1 at frame 11: the 5 frames after it');
    expect(f.message).toMatch(/holds the WAL write lock, so the app's writers were blocked for up to 200 ms/);
    expect(f.fixes[0]!.shell).toBe('ps -o pid,user,etime,args -p 977');
  });

  it('takes the read mark from the -shm when the lock has no pinsFrame; a PASSIVE wait does not block writers', () => {
    const blocker: LockHolder = { pid: 5, locks: [{ name: 'wal-read-2', mode: 'shared', file: 'shm' }] };
    const f = run(withCheckpoint(ckpt({ mode: 'passive', busy: 0, log: 30, checkpointed: 20, blockers: [blocker], readMarksAfter: [0, 30, 20, null, null] })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'reader-pinned', evidence: { readMark: 2, pinsFrame: 20, framesHeldBack: 10 } });
    expect(f.message).not.toMatch(/writers were blocked/);
  });

  it('warns when a READ0 reader blocked all backfilling', () => {
    const f = run(withCheckpoint(ckpt({ mode: 'passive', busy: 0, log: 10, checkpointed: 0, blockers: [reader(55, 0, null)] })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'reader-pinned', evidence: { readMark: 0, framesHeldBack: 10 } });
    expect(f.message).toMatch(/read mark 0.*no checkpoint can copy any frame back/);
  });

  it('warns when another checkpoint held the checkpoint lock (busy=1, log=-1)', () => {
    const other: LockHolder = { pid: 88, command: 'cron-checkpoint', locks: [{ name: 'wal-checkpoint', mode: 'exclusive', file: 'shm' }] };
    const f = run(withCheckpoint(ckpt({ busy: 1, log: -1, checkpointed: -1, blockers: [other] })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'checkpoint-running', evidence: { framesNotCheckpointed: null } });
    expect(f.message).toContain('pid 88 (cron-checkpoint) held the checkpoint lock');
  });

  it('warns when it could not start and nobody holds the checkpoint lock', () => {
    const f = run(withCheckpoint(ckpt({ busy: 1, log: -1, checkpointed: -1 })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'could-not-start' });
  });

  it('warns when a writer held the WAL write lock a FULL checkpoint needs', () => {
    const writer: LockHolder = { pid: 42, command: 'worker', locks: [{ name: 'wal-write', mode: 'exclusive', file: 'shm' }, { name: 'wal-read-1', mode: 'shared', file: 'shm', pinsFrame: 29 }] };
    const f = run(withCheckpoint(ckpt({ mode: 'full', busy: 1, log: 29, checkpointed: 29, blockers: [writer] })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'writer-active' });
    expect(f.message).toMatch(/ran it as PASSIVE instead/);
    expect(f.fixes[0]!.shell).toContain('--checkpoint passive');
  });

  it('warns when every frame was copied but readers kept TRUNCATE from resetting the WAL', () => {
    const f = run(withCheckpoint(ckpt({ busy: 1, log: 27, checkpointed: 27, blockers: [reader(7, 1, 27)] })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'readers-block-reset' });
    expect(f.message).toMatch(/truncates the -wal, which must wait until no reader uses it: pid 7/);
  });

  it('warns when incomplete and no blocker was seen', () => {
    const f = run(withCheckpoint(ckpt({ busy: 1, log: 40, checkpointed: 12 })))!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'incomplete', evidence: { framesNotCheckpointed: 28 } });
  });
});

describe('checkpoint on real databases (runCheckpoint, then the check)', () => {
  it('(a) an abandoned WAL with nobody attached: completes, and lockscope says what it wrote', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 20);
    const facts = gatherAuditFacts(db);
    const c = runCheckpoint(facts, 'truncate', 200);
    const f = run({ ...facts, checkpoint: c })!;
    expect(f).toMatchObject({ status: 'pass', messageId: 'completed', evidence: { busy: 0, walRemovedOnClose: true, walBytesAfter: null } });
    expect(f.evidence.walBytesBefore).toBe(facts.files.wal.sizeBytes);
    expect(f.message).toMatch(/lockscope wrote: .*rebuilt the -shm index.*removed -wal and -shm/);
  });

  it('(b) a reader pinning a snapshot while another process commits: incomplete, the reader is named', async () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildAbandonedWal(db, 20);
    const pinned = await holdState(db, 'wal-read');
    holders.push(pinned);
    commitMore(db, 5);
    const facts = gatherAuditFacts(db);
    const c = runCheckpoint(facts, 'truncate', 300);
    const f = run({ ...facts, checkpoint: c })!;
    expect(f).toMatchObject({ status: 'warn', messageId: 'reader-pinned', evidence: { busy: 1, framesHeldBack: 5, blockerPids: [pinned.pid] } });
    expect(c.log - c.checkpointed).toBe(5);
    expect(f.message).toContain(`pid ${pinned.pid}`);
  });

  it('(c) a rollback-journal database: skipped, nothing opened', () => {
    dir = tempDir();
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'delete' });
    const facts = gatherAuditFacts(db);
    const f = run({ ...facts, checkpoint: runCheckpoint(facts, 'truncate', 200) })!;
    expect(f).toMatchObject({ status: 'skip', messageId: 'not-wal' });
    expect(f.message).toContain('lockscope wrote: nothing (no connection was opened)');
  });

  it.runIf(nobodyCanRunCli())('(d) without write permission: exit 2 and one line on stderr naming the file (run as nobody)', () => {
    dir = tempDir();
    chmodSync(dir, 0o755);
    const data = join(dir, 'data');
    mkdirSync(data);
    const db = join(data, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    chownSync(data, 65534, 65534);
    chownSync(db, 65534, 65534);
    chmodSync(db, 0o555);
    chmodSync(data, 0o555);
    const r = runCli(['audit', db, '--checkpoint'], { prefix: AS_NOBODY });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lockscope: .*app\.db: cannot checkpoint: no write permission on .*app\.db/);
    chmodSync(data, 0o755);
  });
});
