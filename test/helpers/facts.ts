/**
 * A healthy baseline of audit facts for check tests: a WAL database on ext4, nobody attached,
 * WAL empty. Tests override only what their case is about.
 */
import type { AuditFacts, LockVisibility } from '../../src/core/facts.js';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | T[K] : T[K] };

export function baseFacts(): AuditFacts {
  const file = (suffix: string, exists: boolean, sizeBytes = 0) => ({
    path: `/data/app.db${suffix}`,
    exists,
    ...(exists ? { type: 'file' as const, sizeBytes, mode: 0o644, uid: 1000, gid: 1000, owner: 'app', device: 'fe:00', inode: String(100 + suffix.length) } : {}),
  });
  return {
    path: 'app.db',
    realPath: '/data/app.db',
    files: { db: file('', true, 4096 * 256), wal: file('-wal', true, 32 + 4120 * 10), shm: file('-shm', true, 32768), journal: file('-journal', false) },
    header: {
      pageSizeBytes: 4096,
      writeVersion: 2,
      readVersion: 2,
      walEnabled: true,
      readOnly: false,
      reservedBytesPerPage: 0,
      fileChangeCounter: 7,
      pageCount: 256,
      pageCountValid: true,
      freelistPages: 0,
      schemaCookie: 3,
      schemaFormat: 4,
      autoVacuum: 'none',
      textEncoding: 'utf-8',
      userVersion: 0,
      applicationId: 0,
      sqliteVersionNumber: 3046001,
      sqliteVersion: '3.46.1',
    },
    wal: {
      sizeBytes: 32 + 4120 * 10,
      headerValid: true,
      headerProblem: null,
      pageSizeBytes: 4096,
      checkpointSequence: 1,
      salt1: 1,
      salt2: 2,
      frameSizeBytes: 4120,
      framesInFile: 10,
      framesWithCurrentSalt: null,
      lastCommitFrame: null,
      framesVerified: null,
      chainComplete: null,
      unverifiedCommitFrame: null,
    },
    shm: {
      sizeBytes: 32768,
      header: {
        iVersion: 3007000,
        iChange: 3,
        isInit: 1,
        bigEndCksum: 0,
        pageSizeBytes: 4096,
        mxFrame: 10,
        nPage: 256,
        salt1: 1,
        salt2: 2,
        nBackfill: 10,
        readMarks: [0, 10, null, null, null],
        nBackfillAttempted: 10,
      },
      valid: true,
      attached: true,
      trusted: true,
    },
    journal: null,
    locks: {
      source: '/proc/locks',
      raw: [],
      holders: [
        {
          pid: 4242,
          command: 'python3 app.py',
          locks: [
            { name: 'shared', mode: 'shared', file: 'db' },
            { name: 'wal-dms', mode: 'shared', file: 'shm' },
          ],
        },
      ],
      unattributed: 0,
    },
    filesystem: {
      directory: '/data',
      magic: 0xef53,
      magicHex: '0xef53',
      name: 'ext4',
      mountPoint: '/',
      mountFsType: 'ext4',
      mountSource: '/dev/vda',
      class: 'local',
    },
    directory: { path: '/data', mode: 0o755, uid: 1000, gid: 1000, writableByCurrentUser: true, writableByDbOwner: true },
  };
}

function merge<T>(base: T, patch: unknown): T {
  if (patch === undefined) return base;
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch) || base === null || typeof base !== 'object') return patch as T;
  const out = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out as T;
}

/** The baseline with `patch` deep-merged in (objects merge, arrays and scalars replace, null replaces). */
export function makeFacts(patch: DeepPartial<AuditFacts> = {}): AuditFacts {
  return merge(baseFacts(), patch);
}

/** What lockscope could see of the lock table: everything, as root in the initial PID namespace; `patch` narrows it. */
export function lockVisibility(patch: Partial<LockVisibility> = {}): LockVisibility {
  return {
    lockTable: true,
    pidNamespace: 'initial',
    hiddenLocksOnSystem: 0,
    fullScan: true,
    processesScanned: 120,
    unreadableProcesses: 0,
    unreadableHolders: [],
    hidepid: false,
    runningAsRoot: true,
    ofdLocks: 0,
    ofdHolders: [],
    ...patch,
  };
}
