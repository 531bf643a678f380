import { defineCheck } from '../src/core/check.js';
import { type LockHolder, isStopped } from '../src/core/facts.js';
import { walModeFix } from '../src/sources/sqlite/fixes.js';
import { findHolderFixes, shortWriteTransactionFixes, stoppedProcessFixes, stoppedWords } from '../src/sources/proc/fixes.js';
import { type HolderRole, framesPinned, holderRole, lockList, plural, processLabel, writeLockName } from '../src/sources/proc/holder-words.js';
import type { Fix } from '../src/core/model.js';

const INVISIBLE_WAITERS =
  'Connections waiting for it do not show: SQLite polls in its busy handler instead of waiting in the kernel, so a waiter holds no lock.';

function findFixes(dbPath: string, holder: LockHolder): Fix[] {
  return [...findHolderFixes(dbPath, holder.pid, holder.runtime), ...shortWriteTransactionFixes()];
}

/** Roles whose lock stops other connections outright: every writer waits, or (rollback) every commit. */
const BLOCKING: readonly HolderRole[] = ['exclusive', 'committing', 'writer', 'recovering'];

export default defineCheck({
  id: 'lock-holders',
  title: 'No write lock is visible right now',
  failureTitle: 'The database is locked right now',
  description: 'Who holds which SQLite lock on the database right now, from /proc/locks (the audit\'s snapshot of `lockscope locks`).',
  defaultSeverity: 'fail',
  source: 'sqlite',
  category: 'locks',
  requires: ['locks', 'header', 'realPath'],
  optional: ['shm'],
  messages: {
    'no-lock-table': ['skip'],
    'stopped-holder': ['fail', 'warn'],
    exclusive: ['warn'],
    pending: ['warn'],
    'checkpoint-holds-write-lock': ['warn'],
    'writer-active': ['warn'],
    attached: ['info'],
    'none-visible': ['info'],
    nobody: ['pass'],
  },
  thresholds: {},
  run({ locks, header, shm, realPath }) {
    if (locks.source !== '/proc/locks') {
      const open = locks.holders.map((h) => processLabel(h, locks.takenAt));
      return {
        status: 'skip',
        messageId: 'no-lock-table',
        message: `There is no kernel lock table here (/proc/locks), so lock states cannot be read. ${
          locks.source === 'lsof'
            ? open.length > 0
              ? `lsof lists ${plural(open.length, 'process', 'processes')} with the files open: ${open.join('; ')}.`
              : 'lsof lists no process with the files open.'
            : 'lsof is not available either, so not even open files are known.'
        }`,
        evidence: { source: locks.source, openBy: locks.holders.map((h) => h.pid) },
      };
    }
    const at = locks.takenAt;
    const mxFrame = shm !== undefined && shm?.header ? shm.header.mxFrame : null;
    const byRole = new Map<HolderRole, LockHolder[]>();
    // lockscope's own processes (another run's sampler keeps the -shm open) are not the app's connections.
    const own = locks.holders.filter((h) => h.lockscope && ['idle', 'open'].includes(holderRole(h, header.walEnabled)));
    for (const h of locks.holders) {
      if (own.includes(h)) continue;
      const role = holderRole(h, header.walEnabled);
      byRole.set(role, [...(byRole.get(role) ?? []), h]);
    }
    const pids = (role: HolderRole) => (byRole.get(role) ?? []).map((h) => h.pid);
    const evidence = {
      holders: locks.holders.length,
      exclusivePids: pids('exclusive'),
      committingPids: pids('committing'),
      writerPids: pids('writer'),
      checkpointerPids: pids('checkpointer'),
      readerPids: pids('reader'),
      idlePids: [...pids('idle'), ...pids('open')],
      lockscopePids: locks.holders.filter((h) => h.lockscope).map((h) => h.pid),
      stoppedPids: locks.holders.filter((h) => isStopped(h.run)).map((h) => h.pid),
      walEnabled: header.walEnabled,
    };
    const label = (h: LockHolder) => processLabel(h, at);

    // A stopped holder never releases its lock: the database stays locked until someone resumes or kills it.
    const roleOf = (h: LockHolder) => holderRole(h, header.walEnabled);
    const stopped = locks.holders.filter((h) => isStopped(h.run) && !own.includes(h));
    const stoppedBlocking = stopped.find((h) => BLOCKING.includes(roleOf(h)) || (roleOf(h) === 'checkpointer' && h.locks.some((l) => l.name === 'wal-write')) || (!header.walEnabled && roleOf(h) === 'reader'));
    const stoppedReader = stopped.find((h) => roleOf(h) === 'reader' || roleOf(h) === 'checkpointer');
    const stoppedOne = stoppedBlocking ?? stoppedReader;
    if (stoppedOne && stoppedOne.run) {
      const role = roleOf(stoppedOne);
      const what =
        role === 'reader'
          ? header.walEnabled
            ? `a read transaction (${lockList(stoppedOne.locks)}): its snapshot stays pinned, so the WAL cannot be checkpointed past it and keeps growing until it runs again`
            : 'SHARED on the database file: no writer can commit until it runs again (each COMMIT waits in PENDING for it, and fails with SQLITE_BUSY when its busy timeout runs out)'
          : `${writeLockName(stoppedOne)}: every other writer fails with SQLITE_BUSY ("database is locked") until it runs again${role === 'exclusive' || role === 'committing' ? ', and readers are refused too' : ''}`;
      return {
        status: stoppedBlocking ? 'fail' : 'warn',
        messageId: 'stopped-holder',
        message: `${label(stoppedOne)} ${stoppedWords(stoppedOne.run)}, and it holds ${what}. A stopped process never releases a lock by itself, so this lasts until it is resumed or killed.`,
        evidence: {
          ...evidence,
          pid: stoppedOne.pid,
          command: stoppedOne.command ?? null,
          state: stoppedOne.run.state,
          ppid: stoppedOne.run.ppid,
          tracerPid: stoppedOne.run.tracerPid,
          locks: stoppedOne.locks.map((l) => l.name),
        },
        fixes: stoppedProcessFixes(stoppedOne.pid, stoppedOne.run),
      };
    }

    const exclusive = byRole.get('exclusive')?.[0];
    if (exclusive) {
      const why = header.walEnabled
        ? 'In WAL mode this is PRAGMA locking_mode=EXCLUSIVE (the process keeps the database to itself while it is open), or the last connection closing and checkpointing.'
        : 'It is committing (or ran BEGIN EXCLUSIVE): no other connection can read or write until it finishes.';
      return {
        status: 'warn',
        messageId: 'exclusive',
        message: `${label(exclusive)} holds EXCLUSIVE on the database file: every other connection, readers included, gets SQLITE_BUSY ("database is locked") until it releases it. ${why}`,
        evidence: { ...evidence, pid: exclusive.pid, command: exclusive.command ?? null, locks: exclusive.locks.map((l) => l.name) },
        fixes: [
          ...findFixes(realPath, exclusive),
          { summary: 'Start write transactions with BEGIN IMMEDIATE rather than BEGIN EXCLUSIVE: readers keep working until the commit', sql: 'BEGIN IMMEDIATE;' },
          ...(header.walEnabled ? [{ summary: 'Remove PRAGMA locking_mode=EXCLUSIVE from the app if it is set', sql: 'PRAGMA locking_mode = NORMAL;' }] : [walModeFix()]),
        ],
      };
    }

    const committing = byRole.get('committing')?.[0];
    if (committing) {
      const readers = byRole.get('reader') ?? [];
      return {
        status: 'warn',
        messageId: 'pending',
        message: `${label(committing)} is committing and waits for ${readers.length > 0 ? `${plural(readers.length, 'reader')} to finish (${readers.map(label).join('; ')})` : 'the readers to finish'}: it holds PENDING, so new readers are refused meanwhile. This is the rollback journal's reader/writer conflict; in WAL mode readers never block a commit.`,
        evidence: { ...evidence, pid: committing.pid, command: committing.command ?? null, blockingReaderPids: readers.map((r) => r.pid) },
        fixes: [walModeFix(), ...findFixes(realPath, committing)],
      };
    }

    const writer = byRole.get('writer')?.[0] ?? byRole.get('checkpointer')?.find((h) => h.locks.some((l) => l.name === 'wal-write'));
    if (writer) {
      const checkpointing = writer.locks.some((l) => l.name === 'wal-checkpoint');
      return {
        status: 'warn',
        messageId: checkpointing ? 'checkpoint-holds-write-lock' : 'writer-active',
        message: checkpointing
          ? `${label(writer)} holds the WAL write lock and the checkpoint lock: a FULL, RESTART or TRUNCATE checkpoint that waits for readers while every writer waits for it. ${INVISIBLE_WAITERS}`
          : `${label(writer)} holds ${writeLockName(writer)}: it is inside a write transaction right now, and every other writer waits in its busy handler, then fails with SQLITE_BUSY ("database is locked") when its busy_timeout runs out. A snapshot cannot tell a long hold from a short one. ${INVISIBLE_WAITERS}`,
        evidence: { ...evidence, pid: writer.pid, command: writer.command ?? null, locks: writer.locks.map((l) => l.name) },
        fixes: checkpointing
          ? [
              {
                summary: 'Give checkpoints a short busy timeout, or use PASSIVE: it never waits and never blocks writers',
                sql: 'PRAGMA wal_checkpoint(PASSIVE);',
                docs: 'https://www.sqlite.org/c3ref/wal_checkpoint_v2.html',
              },
              ...findFixes(realPath, writer).slice(0, 2),
            ]
          : findFixes(realPath, writer),
      };
    }

    if (locks.holders.length > own.length) {
      const parts: string[] = [];
      const readers = byRole.get('reader') ?? [];
      const waiting = shm !== undefined && shm?.header ? Math.max(0, shm.header.mxFrame - shm.header.nBackfill) : 0;
      for (const r of readers) {
        const pin = r.locks.find((l) => l.pinsFrame !== undefined && l.pinsFrame !== null);
        const frames = pin ? framesPinned(pin, mxFrame) : null;
        const read0 = r.locks.some((l) => l.name === 'wal-read-0' && l.mode === 'shared');
        const effect =
          frames !== null && frames > 0
            ? `: ${plural(frames, 'frame')} cannot be checkpointed past it`
            : read0 && waiting > 0
              ? `: no frame can be checkpointed while it reads (${plural(waiting, 'frame')} waiting)`
              : '';
        parts.push(`${label(r)} reads (${lockList(r.locks)}${effect})`);
      }
      for (const c of byRole.get('checkpointer') ?? []) parts.push(`${label(c)} is checkpointing (${lockList(c.locks)})`);
      for (const c of byRole.get('recovering') ?? []) parts.push(`${label(c)} is recovering the WAL (${lockList(c.locks)})`);
      const idle = [...(byRole.get('idle') ?? []), ...(byRole.get('open') ?? [])];
      if (idle.length > 0) parts.push(`${plural(idle.length, 'idle connection')}: ${idle.map(label).join('; ')}`);
      if (own.length > 0) parts.push(`Not the app's: ${plural(own.length, 'lockscope process', 'lockscope processes')} with the files open and no lock (another lockscope run, e.g. a \`locks --for\` sampler): ${own.map((h) => `PID ${h.pid}`).join(', ')}`);
      return {
        status: 'info',
        messageId: 'attached',
        title: 'No write lock right now; readers or idle connections have the database open',
        message: `No write lock is held right now. ${parts.join('. ')}.`,
        evidence,
      };
    }

    // Ordinal gaps alone are no proof (the table can change between two reads of a long /proc/locks).
    const partial = locks.visibility !== undefined && locks.visibility.pidNamespace !== 'initial';
    if (partial) {
      return {
        status: 'info',
        messageId: 'none-visible',
        title: 'No lock is visible, but this view of the locks may be partial',
        message:
          'No lock and no open descriptor is visible on these files, but this view may be partial: lockscope does not run in the initial PID namespace (or cannot tell), and /proc/locks leaves out the locks of processes outside its namespace (see lock-visibility).',
        evidence: { ...evidence, pidNamespace: locks.visibility?.pidNamespace ?? null, hiddenLocksOnSystem: locks.visibility?.hiddenLocksOnSystem ?? null },
      };
    }
    const v = locks.visibility;
    const openPart = !v?.fullScan
      ? ''
      : v.unreadableProcesses > 0
        ? ` None of the ${plural(v.processesScanned, 'process', 'processes')} lockscope could inspect${own.length > 0 ? ' (besides lockscope itself)' : ''} has its files open (${v.unreadableProcesses} belong to other users: see lock-visibility).`
        : own.length > 0
          ? ''
          : ' No process has its files open.';
    return {
      status: 'pass',
      messageId: 'nobody',
      message: `No process holds a lock on the database or its -shm.${openPart}${own.length > 0 ? ` No process of the app has its files open, only lockscope itself (${plural(own.length, 'process', 'processes')}: ${own.map((h) => `PID ${h.pid}`).join(', ')}, another lockscope run).` : ''}`,
      evidence,
    };
  },
});
