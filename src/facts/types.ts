/**
 * Facts: what the gatherers read once per database, as plain JSON-serialisable data.
 * A gatherer that fails stores a `GatherError` in place of its data, so that only the checks
 * that need it are skipped.
 */

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
  /** 1 = legacy (rollback journal), 2 = WAL. */
  writeVersion: number;
  readVersion: number;
  /** Both versions are 2: WAL mode is stored in the file. */
  walEnabled: boolean;
  reservedBytesPerPage: number;
  fileChangeCounter: number;
  /** The in-header database size in pages (trusted only when `pageCountValid`). */
  pageCount: number;
  /** The in-header size is valid when version-valid-for equals the change counter (SQLite ≥ 3.7.0). */
  pageCountValid: boolean;
  freelistPages: number;
  schemaCookie: number;
  schemaFormat: number;
  autoVacuum: 'none' | 'full' | 'incremental';
  textEncoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'unknown';
  userVersion: number;
  applicationId: number;
  /** SQLITE_VERSION_NUMBER of the library that last wrote the file: the app's library. */
  sqliteVersionNumber: number;
  /** The same as a dotted version, e.g. "3.40.1". */
  sqliteVersion: string;
}

/** The `-wal` file's 32-byte header and frame counts (https://www.sqlite.org/fileformat2.html#walformat). */
export interface WalFacts {
  sizeBytes: number;
  /** False when the file is shorter than a header or its magic/version is wrong: SQLite treats it as empty. */
  headerValid: boolean;
  pageSizeBytes?: number;
  checkpointSequence?: number;
  salt1?: number;
  salt2?: number;
  /** 24-byte frame header + one page. */
  frameSizeBytes?: number;
  /** How many whole frames the file has room for: its high-water mark, not the live frame count. */
  framesInFile: number;
  /**
   * Frames whose salts match the header (the current WAL generation: a prefix of the file, found by
   * binary search). null = not looked for (only done when the -shm header cannot be trusted).
   */
  framesWithCurrentSalt: number | null;
  /** The last commit frame among those (frames after it belong to no committed transaction); null = not scanned. */
  lastCommitFrame: number | null;
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
  /** valid and attached: safe to act on. */
  trusted: boolean;
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

export interface LockHolder {
  pid: number;
  /** Command line, escaped for printing. */
  command?: string;
  locks: DecodedLock[];
}

export interface LockFacts {
  /** Where the lock table came from. */
  source: '/proc/locks';
  /** Raw lines for the db and -shm inodes. */
  raw: RawLock[];
  holders: LockHolder[];
  /** Locks with no usable pid (OFD locks, other PID namespaces show nothing at all). */
  unattributed: number;
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
export interface AppSettings {
  busyTimeoutMs?: number;
  transactionMode?: 'deferred' | 'immediate' | 'exclusive';
  synchronous?: 'off' | 'normal' | 'full' | 'extra';
  journalMode?: 'delete' | 'truncate' | 'persist' | 'memory' | 'wal' | 'off';
  walAutocheckpointPages?: number;
  journalSizeLimitBytes?: number;
  writers?: number;
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
  checkpoint: Gathered<CheckpointFacts> | null;
}
