/**
 * What SQLite will do with the files when the next connection opens them, as lockscope claims it: whether the
 * database opens (read-write, read-only, not at all), in which journal mode, and how many WAL frames recovery
 * keeps. The checks word these claims; the SQLite-oracle fuzz test (test/facts/format-oracle.test.ts) compares
 * them with what SQLite itself does on the same bytes.
 */
import type { DbHeader, WalFacts } from '../../core/facts.js';

export interface WalReplay {
  /** Frames recovery keeps (committed, checksums verified); a lower bound when `certain` is false; null = unknown. */
  frames: number | null;
  certain: boolean;
  /** When not certain: recovery keeps at most this many (salts and commit mark only, checksums not verified). */
  atMost: number | null;
  /** Frames the file holds that recovery will not keep (whole WAL ignored, broken chain, uncommitted tail). */
  ignored: number;
  /** Why the whole WAL is ignored or unusable; null when its header is valid. */
  headerProblem: WalFacts['headerProblem'];
  /** The version field is unknown with a correct checksum: recovery fails with SQLITE_CANTOPEN. */
  blocksOpen: boolean;
  /**
   * Committed frames kept from a -wal whose page size is not the database's: SQLite reports "database disk image
   * is malformed" (SQLITE_CORRUPT from sqlite3WalCheckpoint and sqlite3WalFrames; a first read fails too, measured).
   */
  corruptsOpen: boolean;
}

const PROBLEM_TEXT: Record<NonNullable<WalFacts['headerProblem']>, string> = {
  short: 'the -wal is 32 bytes or less: it holds no frames',
  magic: 'its magic number (bytes 0-3) is not a WAL magic',
  'page-size': 'its page size (bytes 8-11) is not a power of two from 512 to 65536',
  checksum: 'its header checksum (bytes 24-31) does not match bytes 0-23',
  version: 'its format version (bytes 4-7) is not 3007000, while its checksum is correct',
};

export function describeWalProblem(problem: NonNullable<WalFacts['headerProblem']>): string {
  return PROBLEM_TEXT[problem];
}

/** The frames the next opener's recovery keeps from this -wal, as far as readWal verified them. */
export function walReplay(wal: WalFacts): WalReplay {
  if (!wal.headerValid) {
    const held = wal.framesWithCurrentSalt ?? wal.framesInFile;
    return { frames: 0, certain: true, atMost: null, ignored: held, headerProblem: wal.headerProblem, blocksOpen: wal.headerProblem === 'version', corruptsOpen: false };
  }
  if (wal.lastCommitFrame === null) return { frames: null, certain: false, atMost: null, ignored: 0, headerProblem: null, blocksOpen: false, corruptsOpen: false };
  const certain = wal.chainComplete === true;
  const current = wal.framesWithCurrentSalt ?? wal.lastCommitFrame;
  return {
    frames: wal.lastCommitFrame,
    certain,
    atMost: certain ? null : Math.max(wal.lastCommitFrame, wal.unverifiedCommitFrame ?? wal.lastCommitFrame),
    ignored: certain ? Math.max(0, current - wal.lastCommitFrame) : 0,
    headerProblem: null,
    blocksOpen: false,
    corruptsOpen: wal.pageSizeMatchesDb === false && wal.lastCommitFrame > 0,
  };
}

export interface FormatClaims {
  /** rw = opens read-write; ro = opens, writes fail (SQLITE_READONLY); no = does not open; corrupt = "malformed". */
  open: 'rw' | 'ro' | 'no' | 'corrupt';
  /** The journal mode the next connection runs in. */
  mode: 'wal' | 'rollback' | null;
  /** Frames recovery keeps (0 outside WAL mode); null = unknown. */
  frames: number | null;
  framesCertain: boolean;
}

/**
 * Claims for one database from its header (or the error that says SQLite refuses it) and its -wal. SQLite opens
 * any non-empty -wal beside a non-empty database, whatever the header says (pager.c pagerOpenWalIfPresent), so
 * such a -wal makes the connection run in WAL mode even on a rollback-journal header.
 */
export function formatClaims(header: DbHeader | { unreadable: string }, wal: WalFacts | null): FormatClaims {
  if ('unreadable' in header) return { open: 'no', mode: null, frames: null, framesCertain: true };
  const replay = wal ? walReplay(wal) : null;
  if (replay?.blocksOpen) return { open: 'no', mode: null, frames: null, framesCertain: true };
  // unixAccess(SQLITE_ACCESS_EXISTS) counts a 0-byte file as missing (os_unix.c), so an empty -wal changes nothing.
  const mode = header.walEnabled || (wal !== null && wal.sizeBytes > 0) ? 'wal' : 'rollback';
  return {
    open: header.sizeBeyondFile || (mode === 'wal' && replay?.corruptsOpen) ? 'corrupt' : header.readOnly ? 'ro' : 'rw',
    mode,
    frames: mode === 'rollback' || !replay ? 0 : replay.frames,
    framesCertain: mode === 'rollback' || !replay ? true : replay.certain,
  };
}

/** The finding's words for a -wal of another page size with committed frames (wal-size and stale-wal). */
export function pageSizeMismatchText(walPageSize: number, dbPageSize: number, frames: number): string {
  return `The -wal's page size (${walPageSize} bytes, header bytes 8-11) is not the database's (${dbPageSize} bytes), and it holds ${frames} committed frame(s) that recovery keeps: every checkpoint then fails with "database disk image is malformed" (SQLITE_CORRUPT: sqlite3WalCheckpoint refuses a WAL of another page size), automatic ones and the one at the last close included, so the frames are never copied back and the -wal never resets; reads can fail the same way (measured here: the first read failed when the frames did not hold page 1). Such a -wal belongs to another database, or to this one before its page size changed.`;
}
