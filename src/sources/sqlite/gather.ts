/**
 * The audit's gatherer: everything from the files themselves, /proc and statfs.
 * It opens no SQLite connection and takes no lock (os_unix.c, the comment on POSIX advisory locks above struct unixInodeInfo): reads are plain
 * O_RDONLY reads of regular files, done in a process that holds no connection to the database.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DB_HEADER_BYTES, HeaderError, parseDbHeader } from './db-header.js';
import { FileAccessError, describeErrno, readAt, readRegularFile, statFile, userName, withReadOnlyFile } from './files.js';
import { gatherFilesystem } from './filesystem.js';
import { escapeControl } from '../../core/escape.js';
import { fileTargets, hiddenLockCount, lsofHolders, ofdLocksInFdinfo, pidNamespace, procHidepid, scanOpenFiles } from '../proc/holders.js';
import { diagnoseLocks } from '../proc/lock-diagnosis.js';
import { decodeProcessLocks, locksOnInode, readProcLocks } from '../proc/lock-table.js';
import { decodeDbLocks } from '../proc/lock-table.js';
import { processIdentity, processRunState } from '../proc/processes.js';
import { SHM_HEADER_BYTES, parseShmHeader } from './shm-header.js';
import {
  type AuditFacts,
  type DbHeader,
  type DatabaseFiles,
  type DirectoryFacts,
  type FileInfo,
  type Gathered,
  type HolderFile,
  type JournalFacts,
  type LockFacts,
  type LockHolder,
  type LockVisibility,
  type RawLock,
  type ShmFacts,
  type WalFacts,
  isGatherError,
} from '../../core/facts.js';
import { WAL_FRAME_HEADER_BYTES, WAL_HEADER_BYTES, frameOffset, framesInFile, parseWalHeader, startChain, walkFrames } from './wal-header.js';

/** A path that cannot be audited at all: reported as the database's `error`, exit code 2. */
export class AuditInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How a path that could not be gathered at all is reported (the database's `error`): the error's code, and
 * its message prefixed with the path. One place for audit, locks and anything else that gathers a path.
 */
export function pathInputError(path: string, err: unknown): { code: string; message: string } {
  if (err instanceof AuditInputError) return { code: err.code, message: `${path}: ${err.message}` };
  const e = err as NodeJS.ErrnoException;
  return { code: e.code ?? 'ERROR', message: `${path}: ${e.message ?? String(err)}` };
}

/** How far back from the last current frame to look for a commit frame beyond the verified ones (one transaction's worth of pages). */
export const COMMIT_SEARCH_MAX_FRAMES = 65_536;
/** Re-reads of the -shm header when its two copies differ mid-update (walIndexTryHdr retries too). */
const SHM_READ_ATTEMPTS = 5;

function gatherError(err: unknown): { error: { code: string; message: string } } {
  if (err instanceof FileAccessError || err instanceof AuditInputError) return { error: { code: err.code, message: err.message } };
  const e = err as NodeJS.ErrnoException;
  return { error: { code: e?.code ?? 'ERROR', message: e?.message ?? String(err) } };
}

function attempt<T>(fn: () => T): Gathered<T> {
  try {
    return fn();
  } catch (err) {
    return gatherError(err);
  }
}

export function statDatabaseFiles(dbPath: string): DatabaseFiles {
  return {
    db: statFile(dbPath),
    wal: statFile(`${dbPath}-wal`),
    shm: statFile(`${dbPath}-shm`),
    journal: statFile(`${dbPath}-journal`),
  };
}

/** Checks the path is a regular, readable file before anything opens it (a FIFO must never be opened). */
export function resolveDatabase(path: string): { realPath: string; files: DatabaseFiles } {
  let realPath: string;
  try {
    realPath = realpathSync(resolve(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new AuditInputError(code, describeErrno(code));
  }
  let files: DatabaseFiles;
  try {
    files = statDatabaseFiles(realPath);
  } catch (err) {
    if (err instanceof FileAccessError) throw new AuditInputError(err.code, err.message);
    throw err;
  }
  const db = files.db;
  if (!db.exists) throw new AuditInputError('ENOENT', 'no such file');
  if (db.type === 'directory') throw new AuditInputError('EISDIR', 'is a directory, not a database file');
  if (db.type !== 'file') throw new AuditInputError('NOT_REGULAR', `not a regular file (${db.type}): lockscope does not open it`);
  return { realPath, files };
}

function readRawDbHeader(realPath: string): { buf: Buffer; size: number } {
  try {
    return withReadOnlyFile(realPath, (fd, size) => ({ buf: readAt(fd, DB_HEADER_BYTES, 0), size }));
  } catch (err) {
    if (err instanceof FileAccessError) throw new AuditInputError(err.code, err.message);
    throw err;
  }
}

function parseRawDbHeader(raw: { buf: Buffer; size: number }, page1Head?: string): DbHeader {
  let buf = raw.buf;
  if (page1Head && buf.length >= DB_HEADER_BYTES) {
    buf = Buffer.from(buf);
    Buffer.from(page1Head, 'hex').copy(buf, 0);
  }
  try {
    const header = parseDbHeader(buf, raw.size);
    if (page1Head) header.versionsFromWal = true;
    return header;
  } catch (err) {
    if (err instanceof HeaderError) throw new AuditInputError(err.code, err.message);
    throw err;
  }
}

export function readDbHeader(realPath: string): DbHeader {
  return parseRawDbHeader(readRawDbHeader(realPath));
}

/**
 * A valid -shm header checked against the -wal it describes: mxFrame and nBackfill must lie within the frames
 * the -wal holds, and, once frames are committed, its salts and page size must be the -wal header's (a WAL
 * restart writes the new salts into the -shm with mxFrame 0 before the -wal header, wal.c walRestartHdr).
 */
export function shmAgainstWal(shm: ShmFacts, wal: WalFacts | null): Pick<ShmFacts, 'problem' | 'problemDetail'> {
  const h = shm.header;
  if (!shm.valid || h === null) return {};
  const frames = wal === null ? 0 : wal.headerValid ? wal.framesInFile : 0;
  const walWhat = wal === null ? 'there is no -wal' : wal.headerValid ? `the -wal (${wal.sizeBytes} bytes) holds ${frames} frame(s)` : `the -wal has no valid header (${wal.headerProblem}), so it holds no frames`;
  // A closing connection checkpoints everything (nBackfill = mxFrame), deletes the -wal, then the -shm: in between,
  // a fully backfilled header with no -wal is normal.
  if (h.mxFrame > frames && !(wal === null && h.nBackfill === h.mxFrame)) {
    return { problem: 'corrupt', problemDetail: `mxFrame is ${h.mxFrame} but ${walWhat}` };
  }
  if (h.nBackfill > h.mxFrame) {
    return { problem: 'corrupt', problemDetail: `nBackfill (${h.nBackfill}) is beyond mxFrame (${h.mxFrame})` };
  }
  if (h.mxFrame > 0 && wal !== null && wal.headerValid) {
    if (h.salt1 !== wal.salt1 || h.salt2 !== wal.salt2) {
      return { problem: 'stale', problemDetail: `its salts (${h.salt1}, ${h.salt2}) are not the -wal header's (${wal.salt1}, ${wal.salt2}): it describes another generation of the WAL` };
    }
    if (h.pageSizeBytes !== wal.pageSizeBytes) {
      return { problem: 'stale', problemDetail: `its page size (${h.pageSizeBytes}) is not the -wal header's (${wal.pageSizeBytes})` };
    }
  }
  return {};
}

export interface GatherLocksOptions {
  /**
   * Which processes' descriptors to read: `all` (default) scans every /proc/<pid>/fd, so connections that
   * hold no lock (idle in rollback mode) are found too; `holders` reads only the lock holders'; `none`.
   */
  scan?: 'all' | 'holders' | 'none';
  /** Where the lock table is missing (macOS): list open-file holders with lsof instead of failing. */
  lsofFallback?: boolean;
  /** The lock table to read (tests point it at a missing path to exercise the fallback). */
  procLocksPath?: string;
}

/**
 * Lock holders of one database: every lock on the db file and -shm from /proc/locks, decoded into SQLite's
 * lock names, plus every process with the db, -wal, -shm or -journal open, with its identity. Throws when
 * /proc/locks cannot be read, unless `lsofFallback` (then `source` is `lsof`, or `none` without lsof).
 */
export function gatherLocks(
  files: DatabaseFiles,
  readMarks?: readonly (number | null)[] | null,
  all?: RawLock[],
  options: GatherLocksOptions = {},
): LockFacts {
  const scan = options.scan ?? 'all';
  let table: RawLock[];
  try {
    table = all ?? readProcLocks(options.procLocksPath);
  } catch (err) {
    if (!options.lsofFallback) throw err;
    return gatherLocksWithoutTable(files, err as NodeJS.ErrnoException);
  }
  const takenAt = new Date().toISOString();
  const onDb = locksOnInode(table, files.db.device, files.db.inode);
  const onShm = files.shm.exists ? locksOnInode(table, files.shm.device, files.shm.inode) : [];
  const raw = [...onDb, ...onShm];
  const lockPids = [...new Set(raw.filter((l) => l.pid > 0).map((l) => l.pid))];
  const targets = fileTargets(files);
  const opened =
    scan === 'none'
      ? { byPid: new Map<number, Set<HolderFile>>(), fdsByPid: new Map<number, number[]>(), processesScanned: 0, unreadable: [] as number[] }
      : scanOpenFiles(targets, { pids: scan === 'all' ? undefined : lockPids, excludePid: process.pid });
  const unreadable = new Set(opened.unreadable);
  const pids = [...new Set([...lockPids, ...opened.byPid.keys()])].sort((a, b) => a - b);
  const holders: LockHolder[] = pids.map((pid) => {
    const holder: LockHolder = { pid, ...processIdentity(pid), locks: decodeProcessLocks(onDb, onShm, pid, readMarks) };
    const run = processRunState(pid);
    if (run) holder.run = run;
    const open = opened.byPid.get(pid);
    if (open) holder.files = HOLDER_FILE_ORDER.filter((f) => open.has(f));
    else if (scan !== 'none' && !unreadable.has(pid)) holder.files = [];
    return holder;
  });
  const ofdLocks = raw.filter((l) => l.lockClass === 'OFDLCK').length;
  const ofdHolders = ofdLocks === 0 ? [] : [...opened.fdsByPid].filter(([pid, fds]) => ofdLocksInFdinfo(pid, fds) > 0).map(([pid]) => pid);
  const visibility: LockVisibility = {
    lockTable: true,
    pidNamespace: pidNamespace(),
    hiddenLocksOnSystem: hiddenLockCount(table),
    fullScan: scan === 'all',
    processesScanned: opened.processesScanned,
    unreadableProcesses: opened.unreadable.length,
    unreadableHolders: lockPids.filter((pid) => unreadable.has(pid)).sort((a, b) => a - b),
    hidepid: procHidepid(),
    runningAsRoot: process.getuid?.() === 0,
    ofdLocks,
    ofdHolders,
  };
  return { source: '/proc/locks', raw, holders, unattributed: raw.filter((l) => l.pid <= 0).length, visibility, takenAt };
}

const HOLDER_FILE_ORDER: readonly HolderFile[] = ['db', 'wal', 'shm', 'journal'];

/** No lock table (macOS, BSD, no procfs): open-file holders from lsof, lock states unknown. */
function gatherLocksWithoutTable(files: DatabaseFiles, err: NodeJS.ErrnoException): LockFacts {
  const lsof = lsofHolders(files);
  const holders: LockHolder[] = lsof.holders
    .filter((h) => h.pid !== process.pid)
    .map((h) => {
      const holder: LockHolder = { pid: h.pid, files: HOLDER_FILE_ORDER.filter((f) => h.files.includes(f)), locks: [] };
      if (h.command !== undefined) holder.command = h.command;
      if (h.uid !== undefined) {
        holder.uid = h.uid;
        holder.user = escapeControl(userName(h.uid) ?? String(h.uid));
      }
      return holder;
    });
  const visibility: LockVisibility = {
    lockTable: false,
    lockTableError: `${err.code ?? 'ERROR'}: ${err.message ?? String(err)}`,
    lsof: lsof.status,
    pidNamespace: 'unknown',
    hiddenLocksOnSystem: 0,
    fullScan: false,
    processesScanned: 0,
    unreadableProcesses: 0,
    unreadableHolders: [],
    hidepid: false,
    runningAsRoot: process.getuid?.() === 0,
    ofdLocks: 0,
    ofdHolders: [],
  };
  return { source: lsof.status === 'ok' ? 'lsof' : 'none', raw: [], holders, unattributed: 0, visibility, takenAt: new Date().toISOString() };
}

/** True when some process holds the DMS byte: the -shm header is live (os_unix.c unixLockSharedMemory: the DMS byte). */
export function shmAttached(locks: Gathered<LockFacts>): boolean | null {
  if (isGatherError(locks)) return null;
  return locks.holders.some((h) => h.locks.some((l) => l.name === 'wal-dms'));
}

export function readShm(shm: FileInfo, attached: boolean | null): ShmFacts | null {
  if (!shm.exists) return null;
  let parsed = parseShmHeader(Buffer.alloc(0));
  let sizeBytes = shm.sizeBytes ?? 0;
  for (let i = 0; i < SHM_READ_ATTEMPTS; i += 1) {
    const buf = withReadOnlyFile(shm.path, (fd, size) => {
      sizeBytes = size;
      return readAt(fd, SHM_HEADER_BYTES, 0);
    });
    parsed = parseShmHeader(buf);
    if (parsed.valid || parsed.header === null) break;
  }
  const facts: ShmFacts = {
    sizeBytes,
    header: parsed.header,
    valid: parsed.valid,
    attached,
    trusted: parsed.valid && attached === true,
  };
  if (parsed.invalidReason) facts.invalidReason = parsed.invalidReason;
  return facts;
}

/**
 * How many bytes of frames readWal checksums from frame 1 (whole frames, read in blocks): a bound on the
 * audit's time. Within it every claim about committed frames is what SQLite's recovery computes; beyond it
 * frames are located by their salts only and reported as not verified (never as committed).
 */
export const WAL_VERIFY_MAX_BYTES = 64 * 1024 * 1024;
const WAL_READ_BLOCK_BYTES = 1024 * 1024;

/**
 * Reads and validates the WAL header as SQLite's recovery does (always: 32 bytes), and, only when `scan` (the
 * -shm header cannot give the committed frame count), finds the frames recovery keeps.
 *
 * A checkpoint that resets the WAL rewrites it from frame 1 with new salts (salt1 is incremented), so the
 * frames whose salts match the header are a prefix of the file: a binary search finds the end of that prefix
 * in O(log n) reads. Recovery cannot go past it (the next frame's salts differ), so the frames up to it are
 * then verified as walDecodeFrame does (salts, page number, checksum chained from the header's), up to
 * `verifyMaxBytes`; the last commit frame of the unbroken chain is recovery's mxFrame.
 */
export function readWal(wal: FileInfo, scan: boolean, verifyMaxBytes = WAL_VERIFY_MAX_BYTES): WalFacts | null {
  if (!wal.exists) return null;
  return withReadOnlyFile(wal.path, (fd, sizeBytes) => {
    const parsed = parseWalHeader(readAt(fd, WAL_HEADER_BYTES, 0));
    const header = parsed.header;
    // wal.c walIndexRecover reads a header only `if( nSize>WAL_HDRSIZE )`.
    const problem = sizeBytes <= WAL_HEADER_BYTES ? 'short' : parsed.problem;
    const facts: WalFacts = {
      sizeBytes,
      headerValid: problem === null,
      headerProblem: problem,
      framesInFile: 0,
      framesWithCurrentSalt: null,
      lastCommitFrame: null,
      framesVerified: null,
      chainComplete: null,
      unverifiedCommitFrame: null,
    };
    if (!header) {
      if (scan) Object.assign(facts, { lastCommitFrame: 0, framesVerified: 0, chainComplete: true });
      return facts;
    }
    facts.pageSizeBytes = header.pageSizeBytes;
    facts.checkpointSequence = header.checkpointSequence;
    facts.salt1 = header.salt1;
    facts.salt2 = header.salt2;
    facts.bigEndianChecksum = header.bigEndianChecksum;
    facts.frameSizeBytes = header.pageSizeBytes + WAL_FRAME_HEADER_BYTES;
    facts.framesInFile = framesInFile(sizeBytes, header.pageSizeBytes);
    if (!scan) return facts;
    const frameHeader = (frame: number) => readAt(fd, WAL_FRAME_HEADER_BYTES, frameOffset(frame, header.pageSizeBytes));
    const current = (frame: number) => {
      const fh = frameHeader(frame);
      return fh.length === WAL_FRAME_HEADER_BYTES && fh.readUInt32BE(8) === header.salt1 && fh.readUInt32BE(12) === header.salt2;
    };
    // Largest n in [0, framesInFile] such that frame n carries the current salts and frame n+1 does not.
    let lo = 0;
    let hi = facts.framesInFile;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (current(mid)) lo = mid;
      else hi = mid - 1;
    }
    facts.framesWithCurrentSalt = lo;
    if (problem !== null) {
      // SQLite ignores every frame (or, for `version`, does not open the database at all).
      Object.assign(facts, { lastCommitFrame: 0, framesVerified: 0, chainComplete: true });
      return facts;
    }
    const frameBytes = header.pageSizeBytes + WAL_FRAME_HEADER_BYTES;
    const verifyFrames = Math.min(lo, Math.max(1, Math.floor(verifyMaxBytes / frameBytes)));
    const perBlock = Math.max(1, Math.floor(WAL_READ_BLOCK_BYTES / frameBytes));
    let chain = startChain(header);
    for (let first = 1; first <= verifyFrames && !chain.broken; first += perBlock) {
      const count = Math.min(perBlock, verifyFrames - first + 1);
      const block = readAt(fd, count * frameBytes, frameOffset(first, header.pageSizeBytes));
      chain = walkFrames(block, first, header, chain);
      if (block.length < count * frameBytes) break;
    }
    facts.framesVerified = chain.validFrames;
    facts.commitPages = chain.commitPages;
    facts.lastCommitFrame = chain.lastCommitFrame;
    facts.chainComplete = chain.broken || chain.validFrames >= lo;
    if (chain.page1Head) facts.page1Head = chain.page1Head.toString('hex');
    if (!facts.chainComplete) {
      // Beyond the bound: the last frame with the current salts and a commit mark (checksums not verified).
      for (let frame = lo; frame > chain.validFrames && frame > lo - COMMIT_SEARCH_MAX_FRAMES; frame -= 1) {
        if (frameHeader(frame).readUInt32BE(4) !== 0) {
          facts.unverifiedCommitFrame = frame;
          break;
        }
      }
    }
    return facts;
  });
}

const JOURNAL_MAGIC = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);
/**
 * The rollback journal header's fields (https://www.sqlite.org/fileformat2.html#the_rollback_journal):
 * magic 8, page count 4, nonce 4, initial size 4, sector size 4, page size 4. journal_mode=PERSIST ends a
 * transaction by writing 28 zero bytes over them (pager.c zeroJournalHdr); a live writer whose journal is
 * not synced yet has a zero magic but a random nonce, so only all 28 bytes tell the two apart.
 */
const JOURNAL_HEADER_BYTES = 28;

const ROLLBACK_WRITE_LOCKS = new Set(['reserved', 'pending', 'exclusive']);

/** Some process holds RESERVED, PENDING or EXCLUSIVE on the database file, read from the lock table now. */
function rollbackWriterNow(db: FileInfo): boolean {
  const onDb = locksOnInode(readProcLocks(), db.device, db.inode);
  const pids = new Set(onDb.filter((l) => !l.waiting).map((l) => l.pid));
  return [...pids].some((pid) => decodeDbLocks(onDb.filter((l) => l.pid === pid)).some((l) => ROLLBACK_WRITE_LOCKS.has(l.name)));
}

/**
 * pager.c hasHotJournal: a journal whose first byte is not 0, with no process holding RESERVED or more.
 * The lock table is read before the journal, so a writer that started in between would look like a crashed
 * one: when `db` is given, a journal that looks hot is confirmed by reading the lock table again and then
 * the header again. A live transaction still holds its lock at the second read; a finished one has deleted,
 * truncated or zeroed its journal, and a new one wrote a new random nonce, so the header differs.
 */
export function readJournal(journal: FileInfo, locks: Gathered<LockFacts>, db?: FileInfo): JournalFacts | null {
  if (!journal.exists) return null;
  const [head, sizeBytes] = withReadOnlyFile(journal.path, (fd, size) => [readAt(fd, JOURNAL_HEADER_BYTES, 0), size] as const);
  const headerMagicValid = head.length >= 8 && head.subarray(0, 8).equals(JOURNAL_MAGIC);
  const headerZeroed = head.length === JOURNAL_HEADER_BYTES && head.every((b) => b === 0);
  let hot: boolean | null;
  if (sizeBytes === 0 || head.length === 0 || head[0] === 0) hot = false;
  // Without a lock table (no /proc/locks: holders came from lsof) a live writer cannot be told from a dead one.
  else if (isGatherError(locks) || locks.source !== '/proc/locks') hot = null;
  else if (locks.holders.some((h) => h.locks.some((l) => ROLLBACK_WRITE_LOCKS.has(l.name)))) hot = false;
  else if (!db) hot = true;
  else {
    try {
      if (rollbackWriterNow(db)) hot = false;
      else hot = readRegularFile(journal.path, JOURNAL_HEADER_BYTES, 0).equals(head);
    } catch (err) {
      // The journal vanished between the reads: its transaction ended, it was not hot.
      if (err instanceof FileAccessError && err.code === 'ENOENT') hot = false;
      else hot = null;
    }
  }
  return { sizeBytes, headerMagicValid, headerZeroed, hot };
}

/** Whether `uid`/`gid` may create files in a directory, from its mode bits (root always may). */
export function modeAllowsWrite(dir: { mode: number; uid: number; gid: number }, uid: number, gid: number): boolean {
  if (uid === 0) return true;
  if (dir.uid === uid) return (dir.mode & 0o200) !== 0 && (dir.mode & 0o100) !== 0;
  if (dir.gid === gid) return (dir.mode & 0o020) !== 0 && (dir.mode & 0o010) !== 0;
  return (dir.mode & 0o002) !== 0 && (dir.mode & 0o001) !== 0;
}

export function gatherDirectory(dbPath: string, db: FileInfo): DirectoryFacts {
  const path = dirname(dbPath);
  const st = statSync(path);
  let writableByCurrentUser = true;
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch {
    writableByCurrentUser = false;
  }
  const dir = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  return {
    path,
    ...dir,
    writableByCurrentUser,
    writableByDbOwner: db.uid === undefined || db.gid === undefined ? null : modeAllowsWrite(dir, db.uid, db.gid),
  };
}

export interface FormatFacts {
  header: DbHeader;
  wal: Gathered<WalFacts | null>;
  shm: Gathered<ShmFacts | null>;
}

/**
 * The three files as SQLite will read them: the database header, the -shm header (trusted only while a process
 * is attached and it agrees with the -wal) and the -wal (validated as recovery does). Throws AuditInputError
 * when SQLite could not open the database at all.
 */
export function gatherFormat(realPath: string, files: DatabaseFiles, locks: Gathered<LockFacts>): FormatFacts {
  const raw = readRawDbHeader(realPath);
  // The header SQLite acts on is the newest committed page 1, which may be in the -wal (pagerOpenWalIfPresent
  // opens any -wal beside a non-empty database): an unreadable read version in the file alone is not final.
  let fileHeader: DbHeader | null = null;
  let headerError: AuditInputError | null = null;
  try {
    fileHeader = parseRawDbHeader(raw);
  } catch (err) {
    if (!(err instanceof AuditInputError && err.code === 'UNREADABLE_FORMAT' && files.wal.exists)) throw err;
    headerError = err;
  }
  let shm = attempt(() => readShm(files.shm, shmAttached(locks)));
  const shmTrusted = !isGatherError(shm) && shm !== null && shm.trusted;
  let wal = attempt(() => readWal(files.wal, !shmTrusted || headerError !== null));
  if (!isGatherError(shm) && shm !== null && !isGatherError(wal)) {
    const attached = shm.attached;
    let verdict = shmAgainstWal(shm, wal);
    if (verdict.problem) {
      // A writer may have restarted the WAL between the two reads: read both again before calling it wrong.
      const shm2 = attempt(() => readShm(files.shm, attached));
      const wal2 = attempt(() => readWal(files.wal, false));
      if (!isGatherError(shm2) && shm2 !== null && !isGatherError(wal2)) {
        verdict = shmAgainstWal(shm2, wal2);
        if (!verdict.problem) {
          shm = shm2;
          wal = attempt(() => readWal(files.wal, !shm2.trusted || headerError !== null));
        }
      }
    }
    if (verdict.problem && !isGatherError(shm) && shm !== null) {
      Object.assign(shm, verdict, { trusted: false });
      // The -shm cannot give the committed frames: find them in the -wal itself.
      if (shmTrusted) wal = attempt(() => readWal(files.wal, true));
    }
  }
  const page1 = !isGatherError(wal) && wal !== null ? wal.page1Head : undefined;
  let header: DbHeader;
  if (page1) header = parseRawDbHeader(raw, page1);
  else if (fileHeader) header = fileHeader;
  else throw headerError!;
  const walFacts = !isGatherError(wal) ? wal : null;
  if (walFacts) walFacts.pageSizeMatchesDb = walFacts.headerValid ? walFacts.pageSizeBytes === header.pageSizeBytes : null;
  // btree.c lockBtree: nPage = the in-header size when valid, else the pager's; nPage > the pager's size is
  // SQLITE_CORRUPT. The pager's size is the last WAL commit's database size when the WAL has committed frames
  // (sqlite3WalDbsize), else the file's size in pages. This comes before the schema is read.
  const filePages = Math.ceil(raw.size / header.pageSizeBytes);
  const walPages = walFacts && walFacts.sizeBytes > 0 && walFacts.chainComplete && (walFacts.lastCommitFrame ?? 0) > 0 ? (walFacts.commitPages ?? 0) : 0;
  const pages = walPages > 0 ? walPages : filePages;
  const pagesKnown = !walFacts || walFacts.sizeBytes === 0 || !walFacts.headerValid || walFacts.chainComplete === true;
  if (header.pageCountValid && header.pageCount > pages && pagesKnown) {
    header.sizeBeyondFile = { headerPages: header.pageCount, pages, from: walPages > 0 ? 'wal' : 'file' };
  } else if (!header.schemaFormatSupported) {
    throw new AuditInputError(
      'UNREADABLE_FORMAT',
      `SQLite refuses to read this file ("unsupported file format"): the schema format number (header offset 44) is ${header.schemaFormat}, and SQLite reads only formats 1 to 4 (prepare.c sqlite3InitOne)`,
    );
  }
  return { header, wal, shm };
}

/** Adds the snapshot's diagnosis (src/sources/proc/lock-diagnosis.ts) to the lock facts. */
export function diagnose(locks: Gathered<LockFacts>, header: DbHeader, shm: Gathered<ShmFacts | null>): void {
  if (isGatherError(locks)) return;
  locks.diagnosis = diagnoseLocks(locks, header.walEnabled, !isGatherError(shm) && shm?.header ? shm.header : null);
}

/**
 * Gathers everything the audit checks need about one database. Throws AuditInputError for bad input.
 * `lockScan: 'holders'` reads only the lock holders' descriptors instead of every process's (watch, each interval).
 */
export function gatherAuditFacts(path: string, options: { lockScan?: GatherLocksOptions['scan'] } = {}): AuditFacts {
  const { realPath, files } = resolveDatabase(path);
  // Fail fast on a file that is not a database at all, before the lock table is read.
  try {
    readDbHeader(realPath);
  } catch (err) {
    if (!(err instanceof AuditInputError && err.code === 'UNREADABLE_FORMAT' && files.wal.exists)) throw err;
  }
  // First pass without read marks: the -shm header is read after, once we know whether it is live.
  const locks: Gathered<LockFacts> = attempt(() => gatherLocks(files, undefined, undefined, { scan: options.lockScan }));
  const { header, wal, shm } = gatherFormat(realPath, files, locks);
  if (!isGatherError(locks) && !isGatherError(shm) && shm?.header) {
    const marks = shm.header.readMarks;
    for (const holder of locks.holders) {
      for (const lock of holder.locks) {
        const slot = lock.name.startsWith('wal-read-') ? Number(lock.name.slice(-1)) : 0;
        if (slot >= 1) lock.pinsFrame = marks[slot] ?? null;
      }
    }
  }
  diagnose(locks, header, shm);
  return {
    path,
    realPath,
    files,
    header,
    wal,
    shm,
    journal: attempt(() => readJournal(files.journal, locks, files.db)),
    locks,
    filesystem: attempt(() => gatherFilesystem(dirname(realPath))),
    directory: attempt(() => gatherDirectory(realPath, files.db)),
  };
}

export { type Gathered };
