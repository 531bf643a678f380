import { describe, expect, it } from 'vitest';
import check from '../../checks/lock-holders.js';
import type { AuditFacts, DecodedLock, LockHolder, LockVisibility } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { lockVisibility, makeFacts } from '../helpers/facts.js';

const L = (name: DecodedLock['name'], mode: DecodedLock['mode'], file: DecodedLock['file'], pinsFrame?: number | null): DecodedLock =>
  pinsFrame === undefined ? { name, mode, file } : { name, mode, file, pinsFrame };
const SHARED = L('shared', 'shared', 'db');
const DMS = L('wal-dms', 'shared', 'shm');

const holder = (pid: number, locks: DecodedLock[], extra: Partial<LockHolder> = {}): LockHolder => ({
  pid,
  command: `python3 worker-${pid}.py`,
  user: 'app',
  startedAt: '2030-01-01T09:00:00.000Z',
  files: ['db', 'wal', 'shm'],
  locks,
  ...extra,
});

const visibility = lockVisibility;

function facts(holders: LockHolder[], opts: { wal?: boolean; visibility?: Partial<LockVisibility>; source?: 'lsof' | 'none' } = {}): AuditFacts {
  const wal = opts.wal ?? true;
  const base = makeFacts(wal ? {} : { header: { writeVersion: 1, readVersion: 1, walEnabled: false } });
  return {
    ...base,
    locks: { source: opts.source ?? '/proc/locks', raw: [], holders, unattributed: 0, visibility: visibility(opts.visibility), takenAt: '2030-01-01T12:00:00.000Z' },
  };
}

const run = (f: AuditFacts) => runCheck(check, f, { app: {} })!;

describe('lock-holders', () => {
  it('passes when nobody holds a lock or has the files open', () => {
    const f = run(facts([]));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('nobody');
    expect(f.message).toContain('No process has its files open');
  });

  it('passes but says which processes it could not inspect', () => {
    const f = run(facts([], { visibility: { unreadableProcesses: 7, runningAsRoot: false } }));
    expect(f.status).toBe('pass');
    expect(f.message).toContain('7 belong to other users');
  });

  it('is info, not pass, when locks outside this PID namespace would be hidden', () => {
    const f = run(facts([], { visibility: { pidNamespace: 'nested', hiddenLocksOnSystem: 3 } }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('none-visible');
    expect(f.evidence).toMatchObject({ pidNamespace: 'nested', hiddenLocksOnSystem: 3 });
  });

  it('is info with idle connections and readers, naming the frames a reader pins', () => {
    const f = run(facts([holder(10, [SHARED, DMS]), holder(977, [SHARED, L('wal-read-1', 'shared', 'shm', 4), DMS])]));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('attached');
    // The baseline -shm header has mxFrame 10.
    expect(f.message).toContain('PID 977 (python3 worker-977.py, user app, running 3 h) reads (SHARED, read mark 1 (pins frame 4), DMS (attached to the wal-index): 6 frames cannot be checkpointed past it)');
    expect(f.message).toContain('1 idle connection: PID 10');
    expect(f.evidence).toMatchObject({ readerPids: [977], idlePids: [10], writerPids: [] });
  });

  it('says a read-mark-0 reader keeps every waiting frame from being checkpointed', () => {
    const base = facts([holder(21, [SHARED, L('wal-read-0', 'shared', 'shm'), DMS])]);
    const shm = base.shm as Exclude<AuditFacts['shm'], { error: unknown } | null>;
    const f = run({ ...base, shm: { ...shm, header: { ...shm.header!, nBackfill: 4 } } });
    expect(f.messageId).toBe('attached');
    expect(f.message).toContain('no frame can be checkpointed while it reads (6 frames waiting)');
  });

  it('counts a process with the files open and no lock as idle (rollback mode)', () => {
    const f = run(facts([holder(11, [], { files: ['db'] })], { wal: false }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('attached');
    expect(f.evidence).toMatchObject({ idlePids: [11] });
  });

  it('warns when a process holds the WAL write lock, naming it', () => {
    const f = run(facts([holder(4242, [SHARED, L('wal-write', 'exclusive', 'shm'), L('wal-read-0', 'shared', 'shm'), DMS]), holder(10, [SHARED, DMS])]));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('writer-active');
    expect(f.title).toBe(check.failureTitle);
    expect(f.message).toMatch(/^PID 4242 \(python3 worker-4242\.py, user app, running 3 h\) holds the WAL write lock/);
    expect(f.message).toContain('do not show');
    expect(f.evidence).toMatchObject({ pid: 4242, writerPids: [4242], locks: ['shared', 'wal-write', 'wal-read-0', 'wal-dms'] });
    expect(f.fixes.some((x) => x.shell === 'ps -o pid,user,etime,args -p 4242')).toBe(true);
  });

  it('warns on RESERVED in rollback mode', () => {
    const f = run(facts([holder(5, [SHARED, L('reserved', 'exclusive', 'db')])], { wal: false }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('writer-active');
    expect(f.message).toContain('holds RESERVED');
  });

  it('warns on EXCLUSIVE: everyone is blocked, readers too', () => {
    const f = run(facts([holder(6, [L('exclusive', 'exclusive', 'db')])], { wal: false }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('exclusive');
    expect(f.message).toContain('readers included');
    expect(f.fixes.map((x) => x.sql)).toContain('PRAGMA journal_mode = WAL;');
    const walExclusive = run(facts([holder(6, [L('exclusive', 'exclusive', 'db')])]));
    expect(walExclusive.message).toContain('locking_mode=EXCLUSIVE');
  });

  it('warns on PENDING, naming the readers the commit waits for', () => {
    const f = run(facts([holder(7, [SHARED, L('reserved', 'exclusive', 'db'), L('pending', 'exclusive', 'db')]), holder(8, [SHARED])], { wal: false }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('pending');
    expect(f.message).toMatch(/PID 7 .* is committing and waits for 1 reader to finish \(PID 8/);
    expect(f.evidence).toMatchObject({ pid: 7, blockingReaderPids: [8] });
  });

  it('warns when a checkpoint holds the write lock while waiting for readers', () => {
    const f = run(facts([holder(9, [SHARED, L('wal-write', 'exclusive', 'shm'), L('wal-checkpoint', 'exclusive', 'shm'), DMS])]));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('checkpoint-holds-write-lock');
    expect(f.fixes[0]!.sql).toBe('PRAGMA wal_checkpoint(PASSIVE);');
  });

  it('skips without a lock table, listing what lsof found', () => {
    const f = run(facts([holder(12, [], { files: ['db'] })], { source: 'lsof', visibility: { lockTable: false } }));
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('no-lock-table');
    expect(f.message).toContain('lsof lists 1 process with the files open: PID 12');
  });

  it('skips when the lock table could not be read', () => {
    const f = run({ ...makeFacts(), locks: { error: { code: 'ENOENT', message: '/proc/locks: no such file' } } });
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('facts-unavailable');
  });

  it('escapes control characters from command lines', () => {
    const f = run(facts([holder(13, [SHARED, L('wal-write', 'exclusive', 'shm'), DMS], { command: 'evil \u001b[2J' })]));
    expect(f.message).toContain('evil \\x1b[2J');
    expect(f.message).not.toContain('\u001b');
  });

  const stopped = { state: 'T', wchan: 'do_signal_stop', ppid: 1, tracerPid: null };

  it('fails on a stopped writer: names it as stopped, fixes kill -CONT and kill -9, never plain kill', () => {
    const f = run(facts([holder(41, [SHARED, L('wal-write', 'exclusive', 'shm'), DMS], { run: stopped, runtime: 'python' })]));
    expect(f).toMatchObject({ status: 'fail', messageId: 'stopped-holder' });
    expect(f.message).toMatch(/PID 41 .* is stopped \(state T.* holds the WAL write lock/);
    expect(f.evidence).toMatchObject({ pid: 41, state: 'T', stoppedPids: [41] });
    const shells = f.fixes.map((x) => x.shell);
    expect(shells).toEqual(expect.arrayContaining(['kill -CONT 41', 'kill -9 41']));
    expect(shells).not.toContain('kill 41');
  });

  it('only warns on a stopped WAL reader; an idle stopped connection is no finding of its own', () => {
    const f = run(facts([holder(42, [SHARED, L('wal-read-1', 'shared', 'shm', 4), DMS], { run: stopped })]));
    expect(f).toMatchObject({ status: 'warn', messageId: 'stopped-holder' });
    const idle = run(facts([holder(43, [SHARED, DMS], { run: stopped })]));
    expect(idle.messageId).toBe('attached');
  });

  it("keeps lockscope's own processes apart from the app's connections", () => {
    const f = run(facts([holder(10, [SHARED, DMS]), holder(50, [], { lockscope: true, runtime: 'node', command: 'node /opt/lockscope/bin/lockscope.js locks app.db --for 10s', files: ['shm'] })]));
    expect(f).toMatchObject({ status: 'info', messageId: 'attached' });
    expect(f.evidence).toMatchObject({ idlePids: [10], lockscopePids: [50] });
    expect(f.message).toContain('1 idle connection: PID 10');
    expect(f.message).toContain("Not the app's: 1 lockscope process");
    const only = run(facts([holder(50, [], { lockscope: true, files: ['shm'] })]));
    expect(only).toMatchObject({ status: 'pass', messageId: 'nobody' });
    expect(only.message).toContain('only lockscope itself');
  });
});
