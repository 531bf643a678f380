/**
 * Facts: what the gatherers read once per database, as plain JSON-serialisable data.
 * A gatherer that fails stores a `GatherError` in place of its data, so that only the checks
 * that need it are skipped.
 */

import type { StressFacts } from './stress-facts.js';
import type { LockTimeline } from './series.js';
import type { SettingOrigin } from './model.js';
import type { LockDiagnosis } from '../sources/proc/lock-diagnosis.js';

export interface GatherError {
  error: { code: string; message: string };
}

export type Gathered<T> = T | GatherError;

export function isGatherError(value: unknown): value is GatherError {
  return typeof value === 'object' && value !== null && 'error' in value && Object.keys(value).length === 1;
}

export type FileType = 'file' | 'directory' | 'fifo' | 'socket' | 'char-device' | 'block-device' | 'symlink' | 'other';

/** One of the database's files, from stat() only. */
export interface FileInfo {
  path: string;
  exists: boolean;
  type?: FileType;
  sizeBytes?: number;
  /** Permission bits, e.g. 0o644. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** User name of `uid` from /etc/passwd, when it can be resolved. */
  owner?: string;
  /** Device as /proc/locks prints it: `maj:min` in lowercase hex, at least two digits each. */
  device?: string;
  /** Inode number, decimal (a string: it may exceed 2^53). */
  inode?: string;
  mtimeMs?: number;
}

export interface DatabaseFiles {
  db: FileInfo;
  wal: FileInfo;
  shm: FileInfo;
  journal: FileInfo;
}

/** The 100-byte database header (https://www.sqlite.org/fileformat2.html#the_database_header). */
export interface DbHeader {
  pageSizeBytes: number;
  /** Byte 18: 1 = legacy (rollback journal), 2 = WAL; above 2 SQLite opens the file read-only. */
  writeVersion: number;
  /** Byte 19: 1 = legacy, 2 = WAL (above 2 the file does not open: parseDbHeader rejects it). */
  readVersion: number;
  /** Read version 2: SQLite opens the file in WAL mode (btree.c lockBtree tests byte 19 only). */
  walEnabled: boolean;
  /** Write version above 2: SQLite opens the file read-only, every write fails (SQLITE_READONLY). */
  readOnly: boolean;
  /** The header was taken from the newest committed page-1 image in the -wal, which SQLite reads instead of the file's. */
  versionsFromWal?: boolean;
  reservedBytesPerPage: number;
  fileChangeCounter: number;
  /** The in-header database size in pages (trusted only when `pageCountValid`). */
  pageCount: number;
  /** The in-header size is valid when version-valid-for equals the change counter (SQLite ≥ 3.7.0). */
  pageCountValid: boolean;
  freelistPages: number;
  schemaCookie: number;
  schemaFormat: number;
  /** The schema format's low byte is at most 4: otherwise SQLite says "unsupported file format" when it loads the schema. */
  schemaFormatSupported: boolean;
  /**
   * The in-header database size (offset 28, when valid) is larger than the pages SQLite finds (the file's size, or
   * the last WAL commit's database size): lockBtree fails with SQLITE_CORRUPT, "database disk image is malformed".
   */
  sizeBeyondFile?: { headerPages: number; pages: number; from: 'file' | 'wal' };
  autoVacuum: 'none' | 'full' | 'incremental';
  textEncoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'unknown';
  userVersion: number;
  applicationId: number;
  /** SQLITE_VERSION_NUMBER of the library that last wrote the file: the app's library. */
  sqliteVersionNumber: number;
  /** The same as a dotted version, e.g. "3.40.1". */
  sqliteVersion: string;
}

/**
 * The `-wal` file's 32-byte header and frame counts (https://www.sqlite.org/fileformat2.html#walformat),
 * validated as SQLite's recovery (wal.c walIndexRecover) validates them: see src/sources/sqlite/wal-header.ts.
 */
export interface WalFacts {
  sizeBytes: number;
  /** Recovery would read this WAL's frames: long enough, magic, page size, header checksum and version all good. */
  headerValid: boolean;
  /**
   * Why not: `short` (32 bytes or less), `magic`, `page-size`, `checksum` (bytes 24-31): SQLite ignores the whole
   * WAL; `version` (not 3007000, checksum good): recovery fails with SQLITE_CANTOPEN and the database does not open.
   */
  headerProblem: 'short' | 'magic' | 'page-size' | 'checksum' | 'version' | null;
  pageSizeBytes?: number;
  checkpointSequence?: number;
  salt1?: number;
  salt2?: number;
  /**
   * The header's page size equals the database's (null: no valid header, or not compared). With committed frames
   * and a different size SQLite reports the database as malformed (wal.c sqlite3WalCheckpoint, sqlite3WalFrames).
   */
  pageSizeMatchesDb?: boolean | null;
  /** Magic 0x377f0683: checksums on big-endian words. */
  bigEndianChecksum?: boolean;
  /** 24-byte frame header + one page. */
  frameSizeBytes?: number;
  /** How many whole frames the file has room for: its high-water mark, not the live frame count. */
  framesInFile: number;
  /**
   * Frames whose salts match the header (the current WAL generation: a prefix of the file, found by
   * binary search). null = not looked for (only done when the -shm header cannot be trusted).
   */
  framesWithCurrentSalt: number | null;
  /**
   * The frames recovery keeps: the last commit frame of the unbroken checksum chain from frame 1 (0 when the
   * header is not valid). Exact when `chainComplete`; otherwise a lower bound. null = not scanned.
   */
  lastCommitFrame: number | null;
  /** The database size in pages recorded by the last verified commit frame (0: none). */
  commitPages?: number;
  /** Frames whose salts, page number and chained checksums were verified (null = not scanned). */
  framesVerified: number | null;
  /**
   * True: every frame recovery could keep was verified (the chain broke, or reached the last frame with the
   * current salts), so `lastCommitFrame` is exactly recovery's. False: verification stopped at lockscope's read
   * bound (WAL_VERIFY_MAX_BYTES). null = not scanned.
   */
  chainComplete: boolean | null;
  /**
   * When `chainComplete` is false: the last frame beyond the verified ones that carries the current salts and a
   * commit mark (its checksum not verified): recovery keeps at most this many frames. null otherwise.
   */
  unverifiedCommitFrame: number | null;
  /**
   * The 100-byte database header of the newest committed page-1 image in the WAL, hex: SQLite reads page 1 from
   * the WAL, so lockBtree and the schema loader check this header instead of the file's.
   */
  page1Head?: string;
}

/** The wal-index header at the start of `-shm` (wal.c WalIndexHdr + WalCkptInfo). */
export interface ShmHeader {
  iVersion: number;
  iChange: number;
  isInit: number;
  bigEndCksum: number;
  pageSizeBytes: number;
  /** Committed frames in the WAL. */
  mxFrame: number;
  nPage: number;
  salt1: number;
  salt2: number;
  /** Frames already copied back into the database. */
  nBackfill: number;
  /** aReadMark[0..4]; null = unused slot (0xffffffff). */
  readMarks: (number | null)[];
  nBackfillAttempted: number;
}

export interface ShmFacts {
  sizeBytes: number;
  header: ShmHeader | null;
  /** Validated as SQLite validates it: both copies equal, isInit, iVersion 3007000, checksum. */
  valid: boolean;
  invalidReason?: string;
  /** Some process holds a lock on the DMS byte: the header is live. */
  attached: boolean | null;
  /** valid and attached, and consistent with the -wal (see `problem`): safe to act on. */
  trusted: boolean;
  /**
   * A valid header that contradicts the -wal: `corrupt` (mxFrame beyond the frames the -wal holds, nBackfill
   * beyond mxFrame) or `stale` (salts or page size of another WAL generation); `problemDetail` says what.
   */
  problem?: 'corrupt' | 'stale';
  problemDetail?: string;
}

export type SqliteLockName =
  | 'shared'
  | 'reserved'
  | 'pending'
  | 'exclusive'
  | 'wal-write'
  | 'wal-checkpoint'
  | 'wal-recover'
  | 'wal-read-0'
  | 'wal-read-1'
  | 'wal-read-2'
  | 'wal-read-3'
  | 'wal-read-4'
  | 'wal-dms';

/** One line of /proc/locks (a held lock, or a blocked waiter). */
export interface RawLock {
  ordinal: number;
  /** POSIX, OFDLCK, FLOCK, LEASE… */
  lockClass: string;
  type: 'READ' | 'WRITE';
  /** -1 for OFD locks. */
  pid: number;
  device: string;
  inode: string;
  start: number;
  /** Inclusive; null = to end of file. */
  end: number | null;
  waiting: boolean;
}

export interface DecodedLock {
  name: SqliteLockName;
  /** shared = READ lock, exclusive = WRITE lock. */
  mode: 'shared' | 'exclusive';
  file: 'db' | 'shm';
  /** For wal-read-1..4: the frame the reader's mark pins (from the -shm header), when known. */
  pinsFrame?: number | null;
}

/** Which of the database's files a process has open (by device and inode, never by name). */
export type HolderFile = 'db' | 'wal' | 'shm' | 'journal';

/** How a process ran when lockscope looked: /proc/<pid>/stat (state, parent), status (TracerPid), wchan. */
export interface ProcessRunState {
  /**
   * /proc/<pid>/stat state: R running, S sleeping, D uninterruptible sleep, T stopped by a signal (SIGSTOP,
   * Ctrl-Z), t stopped by its tracer (a debugger), Z zombie.
   */
  state: string;
  /** The kernel function it sleeps in (/proc/<pid>/wchan); null while it runs, or when hidden. */
  wchan: string | null;
  ppid: number | null;
  /** The parent's command line, escaped (the shell whose job it is, or the supervisor that started it). */
  parentCommand?: string;
  /** The process tracing it (TracerPid: gdb, strace, a debugger); null = none. */
  tracerPid: number | null;
  tracerCommand?: string;
}

/** T or t: stopped; it runs no code, so it never releases a lock until someone resumes or kills it. */
export function isStopped(run: Pick<ProcessRunState, 'state'> | undefined | null): boolean {
  return run?.state === 'T' || run?.state === 't';
}

/**
 * A process that holds a lock on the database's files, or has one of them open.
 * The JSON names pid, user, command, startedAt, files and locks are part of `lockscope locks --json`.
 */
export interface LockHolder {
  pid: number;
  /** Command line, escaped for printing. */
  command?: string;
  /** Effective user (name from /etc/passwd, or the uid as a string when it has no name). */
  user?: string;
  /** Effective uid, from /proc/<pid>/status. */
  uid?: number;
  /** When the process started (ISO 8601): /proc/<pid>/stat starttime + btime from /proc/stat. */
  startedAt?: string;
  /** python, node or other (from its executable and argv[0]): which stack-dump tool fits it. */
  runtime?: 'python' | 'node' | 'other';
  /** lockscope's own process (another run's sampler, stress, audit --checkpoint): not one of the app's connections. */
  lockscope?: boolean;
  /** How it ran when the lock table was read (absent: unreadable, or facts saved by an older version). */
  run?: ProcessRunState;
  /**
   * The database's files this process has open, from /proc/<pid>/fd (and /proc/<pid>/maps for a
   * mapped -shm). Absent when its descriptors could not be read (another user's process, lockscope not root).
   */
  files?: HolderFile[];
  locks: DecodedLock[];
}

/** What the lock table and the process scan could not see: each gap is reported, never silently dropped. */
export interface LockVisibility {
  /** /proc/locks was read; false on platforms without it (holders then come from lsof, lock states unknown). */
  lockTable: boolean;
  /** Why /proc/locks could not be read (e.g. ENOENT on macOS). */
  lockTableError?: string;
  /** lsof ran as the fallback for open-file holders (only when the lock table is missing). */
  lsof?: 'ok' | 'missing' | 'failed';
  /**
   * lockscope's PID namespace. `nested`: the kernel hides the locks of processes outside it from
   * /proc/locks (fs/locks.c locks_show), e.g. lockscope runs in a container and the app on the host.
   */
  pidNamespace: 'initial' | 'nested' | 'unknown';
  /** Ordinals missing from /proc/locks: locks elsewhere on the system hidden from this PID namespace. */
  hiddenLocksOnSystem: number;
  /** Every /proc/<pid>/fd was scanned (false: only the lock holders' descriptors were read). */
  fullScan: boolean;
  processesScanned: number;
  /** Processes whose descriptors could not be read (EACCES: another user's, lockscope is not root). */
  unreadableProcesses: number;
  /** Of those, the ones that hold a lock on the database's files (their `files` are unknown). */
  unreadableHolders: number[];
  /** /proc is mounted with hidepid: other users' processes are not even listed. */
  hidepid: boolean;
  runningAsRoot: boolean;
  /** OFD locks on the files: the kernel shows pid -1 (SQLite never takes them; another tool does). */
  ofdLocks: number;
  /** Processes whose /proc/<pid>/fdinfo shows an OFD lock on the files: who holds those. */
  ofdHolders: number[];
}

export interface LockFacts {
  /** Where the lock table came from: the kernel's /proc/locks, or lsof (open files only, lock states unknown). */
  source: '/proc/locks' | 'lsof' | 'none';
  /** Raw lines for the db and -shm inodes. */
  raw: RawLock[];
  /** Lock holders and processes with the files open, by pid. */
  holders: LockHolder[];
  /** Locks with no usable pid (OFD locks not attributed through fdinfo). */
  unattributed: number;
  /** What could not be seen (absent in facts saved by older versions). */
  visibility?: LockVisibility;
  /** When the lock table was read (ISO 8601): process ages in messages are relative to it. */
  takenAt?: string;
  /**
   * What the snapshot means: roles, writers, checkpoint blockers, waiters, what cannot be seen
   * (src/sources/proc/lock-diagnosis.ts). Absent in facts saved by older versions.
   */
  diagnosis?: LockDiagnosis;
}

/** Time statistics of one kind of lock held by one process during sampling. */
export interface HoldStats {
  /** Time held, summed over samples: each sample where it is held counts until the next sample. */
  heldMs: number;
  /** heldMs / windowMs (0..1). */
  share: number;
  /** Separate holds observed; a hold shorter than one sampling period can be missed entirely. */
  acquisitions: number;
  /** Longest continuous hold (a lower bound when heldAtStart: it began before the window). */
  longestMs: number;
  /** Median and 99th percentile of the hold times (nearest rank), null without holds. */
  p50Ms: number | null;
  p99Ms: number | null;
  heldAtStart: boolean;
  heldAtEnd: boolean;
  /** Held at every sample of the window. */
  heldWholeWindow: boolean;
}

/** Reader statistics: read transactions (WAL read marks; SHARED in rollback mode). */
export interface ReadHoldStats extends HoldStats {
  /** Time the reader pinned an old snapshot: its read mark below mxFrame (READ0: nBackfill below mxFrame). */
  pinnedMs: number;
  /** Longest continuous stretch of pinning. */
  longestPinnedMs: number;
  /** Most WAL frames that could not be checkpointed because of this reader (mxFrame − its mark). */
  maxFramesBehind: number;
  /** The frame its read mark pinned during the longest pin (null: READ0 or unknown). */
  pinsFrame: number | null;
}

/** Did the process do anything during the window? From /proc/<pid>/stat and /proc/<pid>/io at the start and end. */
export interface ProcessProgress {
  /** utime+stime change in clock ticks (1/100 s). */
  cpuTicks: number;
  /** syscr+syscw change; null when /proc/<pid>/io is unreadable (another user's process, not root). */
  ioSyscalls: number | null;
  /** rchar+wchar change; null when unreadable. */
  ioBytes: number | null;
  /** true: used CPU or did I/O. false: neither (blocked the whole window). */
  progressed: boolean;
  /** What `progressed` is based on. */
  basis: 'cpu+io' | 'cpu';
}

export interface LockSampleProcess {
  pid: number;
  command?: string;
  user?: string;
  startedAt?: string;
  /** Every lock name seen for this process during the window. */
  locksSeen: SqliteLockName[];
  /** WAL write lock, or RESERVED/PENDING/EXCLUSIVE in rollback mode; null = never held. */
  write: HoldStats | null;
  /** The longest write hold came with the checkpoint lock: a FULL/RESTART/TRUNCATE checkpoint waiting for readers. */
  writeHoldIsCheckpoint: boolean;
  /** Its longest write hold included PENDING: a rollback-mode commit waiting for readers. */
  writeHoldIsPending: boolean;
  /** It held PENDING at every sample: a commit that waited for readers the whole window (absent in older facts). */
  pendingWholeWindow?: boolean;
  read: ReadHoldStats | null;
  /** null: the process ended during the window, or was not seen at both ends. */
  progress: ProcessProgress | null;
  runtime?: 'python' | 'node' | 'other';
  /** lockscope's own process: not one of the app's connections. */
  lockscope?: boolean;
  /** How it ran when the window ended (absent: it had ended, or unreadable). */
  runAtEnd?: ProcessRunState;
  /** What it did over the window, decided once (src/sources/proc/lock-diagnosis.ts sampledActivity); absent in older facts. */
  activity?: SampledActivity;
}

/**
 * `stopped`: stopped (T or t) when the window ended; `no-hold`: it held no transaction (an idle connection is
 * expected to sleep); `unknown`: not the same process at both ends, or unreadable; `progressed`: used CPU or
 * did I/O; `no-progress`: held a transaction and did neither.
 */
export type SampledActivity = 'stopped' | 'no-hold' | 'unknown' | 'progressed' | 'no-progress';

/** `lockscope locks --for`: the lock table sampled at `hz` for a window. */
export interface LockSampleFacts {
  hz: number;
  requestedMs: number;
  /** Time from the first to the last sample, plus one period. */
  windowMs: number;
  samples: number;
  expectedSamples: number;
  /** Largest gap between two samples (a late timer): holds shorter than this can be missed. */
  maxGapMs: number;
  mode: 'wal' | 'rollback';
  /** -shm header at the start and end of the window (WAL), null when unreadable. */
  mxFrameStart: number | null;
  mxFrameEnd: number | null;
  nBackfillStart: number | null;
  nBackfillEnd: number | null;
  /** CPU lockscope's sampler used (user+system), and as a share of one core over the window. */
  samplerCpuMs: number;
  samplerCpuShare: number;
  /** Samples whose /proc/locks took more than one read() (a table longer than one page), and re-reads made to confirm a lock line that vanished from one (absent in older facts). */
  multiPageReads?: number;
  confirmReads?: number;
  /** When the window ended (ISO 8601): process ages in messages are relative to it. */
  endedAt: string;
  /** Processes seen holding any lock on the files, by pid. */
  processes: LockSampleProcess[];
  /** Per process, the intervals it held each lock; the -wal size and -shm counters over the window (src/core/series.ts). Absent in facts saved before it. */
  timeline?: LockTimeline;
}

export type FilesystemClass = 'local' | 'network' | 'fuse' | 'cluster' | 'virtual' | 'unknown';

export interface FilesystemFacts {
  directory: string;
  /** statfs f_type. */
  magic: number;
  magicHex: string;
  /** Name from the magic number or mountinfo, e.g. ext4, nfs, fuse.sshfs. */
  name: string;
  mountPoint: string | null;
  mountFsType: string | null;
  mountSource: string | null;
  class: FilesystemClass;
}

export interface DirectoryFacts {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  /** access(W_OK) for the user running lockscope (root passes regardless of mode). */
  writableByCurrentUser: boolean;
  /** From mode bits for the database file's owner (uid) and group (gid). */
  writableByDbOwner: boolean | null;
}

export interface JournalFacts {
  sizeBytes: number;
  /** The first 8 bytes are the journal magic (a live header, not zeroed by journal_mode=PERSIST). */
  headerMagicValid: boolean;
  /** A header of zeroes: the journal is finished (PERSIST) and will not be rolled back. */
  headerZeroed: boolean;
  /** A connection opening now would roll it back: non-empty, live header, no process holds RESERVED or more. */
  hot: boolean | null;
}

/** The app's connection settings as declared by the user (flags, config), never read from a connection. */
/** The app's per-connection SQLite settings: no file holds them, so they are observed, read from code, or declared. */
export interface AppSettingValues {
  busyTimeoutMs?: number;
  transactionMode?: 'deferred' | 'immediate' | 'exclusive';
  synchronous?: 'off' | 'normal' | 'full' | 'extra';
  journalMode?: 'delete' | 'truncate' | 'persist' | 'memory' | 'wal' | 'off';
  walAutocheckpointPages?: number;
  journalSizeLimitBytes?: number;
  writers?: number;
}

export interface AppSettings extends AppSettingValues {
  /** Where each value came from (src/core/model.ts SettingOrigin); a value without one was declared by the user. */
  origins?: { [K in keyof AppSettingValues]?: SettingOrigin };
}

/** The result of an explicit `--checkpoint`. */
export interface CheckpointFacts {
  mode: 'passive' | 'full' | 'restart' | 'truncate';
  timeoutMs: number;
  /** Set when no checkpoint was attempted (the database is not in WAL mode): nothing was opened or written. */
  skipped?: string;
  /** PRAGMA wal_checkpoint result: busy flag, WAL frames, frames checkpointed. */
  busy: number;
  log: number;
  checkpointed: number;
  durationMs: number;
  walBytesBefore: number | null;
  walBytesAfter: number | null;
  /** -wal/-shm were removed when lockscope's connection closed (it was the last one). */
  walRemovedOnClose: boolean;
  /** Other processes' locks, read from /proc/locks as the checkpoint returned: who blocked it. */
  blockers: LockHolder[];
  /** The -shm header read before the connection opened (mxFrame, nBackfill, read marks). */
  shmBefore: ShmHeader | null;
  /** Read marks from the -shm header after the connection closed. */
  readMarksAfter: (number | null)[] | null;
  /** What lockscope wrote, in words, for the report. */
  wrote: string;
}

export interface AuditFacts {
  /** The path as given on the command line. */
  path: string;
  /** Absolute, symlinks resolved. */
  realPath: string;
  files: DatabaseFiles;
  header: DbHeader;
  wal: Gathered<WalFacts | null>;
  shm: Gathered<ShmFacts | null>;
  journal: Gathered<JournalFacts | null>;
  locks: Gathered<LockFacts>;
  filesystem: Gathered<FilesystemFacts>;
  directory: Gathered<DirectoryFacts>;
  /** `audit --checkpoint`: what the checkpoint did; absent when none was asked for. */
  checkpoint?: Gathered<CheckpointFacts>;
  /** `lockscope locks --for`: the sampled lock table; absent when no sampling ran. */
  lockSamples?: Gathered<LockSampleFacts>;
  /** What a stress run measured (`lockscope stress`, `audit --stress`); absent = no stress ran. */
  stress?: Gathered<StressFacts>;
}
