/**
 * Parser for the `-wal` file: 32-byte header, then frames of a 24-byte header + one page, all big-endian
 * (https://www.sqlite.org/fileformat2.html#walformat; wal.c WAL_HDRSIZE=32, WAL_FRAME_HDRSIZE=24).
 *
 * Validation follows SQLite's recovery, walIndexRecover (sqlite/sqlite src/wal.c; the same code is at
 * sqlite3.c:68827-69010 in the 3.53.2 amalgamation better-sqlite3 ships), step by step:
 * - a file of 32 bytes or less has no frames (`if( nSize>WAL_HDRSIZE )`);
 * - wrong magic, or a page size that is not a power of two from 512 to 65536: the whole WAL is ignored;
 * - header checksum (bytes 24-31, over bytes 0-23) wrong: the whole WAL is ignored;
 * - version not 3007000 (with a correct checksum): recovery fails with SQLITE_CANTOPEN, the database does
 *   not open at all;
 * - frames (walDecodeFrame, sqlite3.c:68443): a frame counts only if its salts equal the header's, its page
 *   number is not 0, and its checksum continues the chain started by the header's checksum; recovery stops at
 *   the first frame that fails, and keeps frames only up to the last commit frame (dbsize field non-zero).
 */
export const WAL_HEADER_BYTES = 32;
export const WAL_FRAME_HEADER_BYTES = 24;
/** wal.c WAL_MAGIC; the low bit selects big-endian checksums. */
const WAL_MAGIC = 0x377f0682;
/** wal.c WAL_MAX_VERSION. */
export const WAL_FORMAT_VERSION = 3007000;

/** Why SQLite's recovery would not use a WAL's frames; null when the header is good. */
export type WalHeaderProblem = 'short' | 'magic' | 'page-size' | 'checksum' | 'version';

export interface WalHeader {
  /** Checksums are computed on big-endian words (magic 0x377f0683) or little-endian ones (0x377f0682). */
  bigEndianChecksum: boolean;
  version: number;
  pageSizeBytes: number;
  checkpointSequence: number;
  salt1: number;
  salt2: number;
  /** Bytes 24-31: the checksum of bytes 0-23, and the seed of every frame's checksum. */
  checksum: [number, number];
}

export interface WalHeaderParse {
  /** The fields, when the magic and page size let them be read (null for `short`, `magic`, `page-size`). */
  header: WalHeader | null;
  problem: WalHeaderProblem | null;
}

/**
 * walChecksumBytes: 32-bit words of `buf[start, start+length)` summed in pairs (s1 += w0 + s2; s2 += w1 + s1),
 * words read big-endian or little-endian as the WAL's magic says (SQLite reads them natively and byte-swaps
 * when the WAL's order is not the machine's: the result is the same on any machine). `length` is a multiple of 8.
 */
export function walChecksum(buf: Buffer, start: number, length: number, bigEndian: boolean, seed: readonly [number, number] = [0, 0]): [number, number] {
  let s1 = seed[0];
  let s2 = seed[1];
  const at = buf.byteOffset + start;
  if (at % 4 === 0 && LITTLE_ENDIAN_HOST) {
    // Fast path: the words straight from memory (native order), byte-swapped when the WAL's order is big-endian.
    const words = new Uint32Array(buf.buffer, at, length >>> 2);
    const n = words.length;
    if (bigEndian) {
      for (let i = 0; i < n; i += 2) {
        const a = words[i]!;
        const b = words[i + 1]!;
        s1 = (s1 + (((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24)) + s2) >>> 0;
        s2 = (s2 + (((b & 0xff) << 24) | ((b & 0xff00) << 8) | ((b >>> 8) & 0xff00) | (b >>> 24)) + s1) >>> 0;
      }
    } else {
      for (let i = 0; i < n; i += 2) {
        s1 = (s1 + words[i]! + s2) >>> 0;
        s2 = (s2 + words[i + 1]! + s1) >>> 0;
      }
    }
    return [s1, s2];
  }
  const end = start + length;
  for (let i = start; i < end; i += 8) {
    s1 = (s1 + (bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i)) + s2) >>> 0;
    s2 = (s2 + (bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4)) + s1) >>> 0;
  }
  return [s1, s2];
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Parses and validates the 32-byte header as walIndexRecover does (see the module comment for the order).
 * A file of exactly 32 bytes passes here; recovery reads no header from it (readWal reports it as `short`).
 */
export function parseWalHeader(buf: Buffer): WalHeaderParse {
  if (buf.length < WAL_HEADER_BYTES) return { header: null, problem: 'short' };
  const magic = buf.readUInt32BE(0);
  if ((magic & 0xfffffffe) >>> 0 !== WAL_MAGIC) return { header: null, problem: 'magic' };
  const pageSizeBytes = buf.readUInt32BE(8);
  if (pageSizeBytes < 512 || pageSizeBytes > 65536 || (pageSizeBytes & (pageSizeBytes - 1)) !== 0) return { header: null, problem: 'page-size' };
  const header: WalHeader = {
    bigEndianChecksum: (magic & 1) === 1,
    version: buf.readUInt32BE(4),
    pageSizeBytes,
    checkpointSequence: buf.readUInt32BE(12),
    salt1: buf.readUInt32BE(16),
    salt2: buf.readUInt32BE(20),
    checksum: [buf.readUInt32BE(24), buf.readUInt32BE(28)],
  };
  const [c1, c2] = walChecksum(buf, 0, 24, header.bigEndianChecksum);
  if (c1 !== header.checksum[0] || c2 !== header.checksum[1]) return { header, problem: 'checksum' };
  if (header.version !== WAL_FORMAT_VERSION) return { header, problem: 'version' };
  return { header, problem: null };
}

/** Frame n (1-based) starts at 32 + (n-1) * (pageSize + 24). */
export function frameOffset(frame: number, pageSizeBytes: number): number {
  return WAL_HEADER_BYTES + (frame - 1) * (pageSizeBytes + WAL_FRAME_HEADER_BYTES);
}

export function framesInFile(sizeBytes: number, pageSizeBytes: number): number {
  if (sizeBytes <= WAL_HEADER_BYTES) return 0;
  return Math.floor((sizeBytes - WAL_HEADER_BYTES) / (pageSizeBytes + WAL_FRAME_HEADER_BYTES));
}

/** The result of walking frames as walDecodeFrame does: where the chain broke and the last commit before it. */
export interface FrameChain {
  /** Frames that passed (salts, page number, checksum chain), from frame 1. */
  validFrames: number;
  /** The last commit frame among them: recovery's mxFrame. */
  lastCommitFrame: number;
  /** The database size in pages recorded by that commit frame (0 when none). */
  commitPages: number;
  /** The running checksum after the last valid frame (to continue the chain with the next block). */
  checksum: [number, number];
  /** The newest page-1 image among the committed frames: its 100-byte database header. */
  page1Head?: Buffer;
  /** True when a frame failed (the walk stopped on it), false when it ran out of frames to check. */
  broken: boolean;
}

/**
 * Checks the frames in `block` (whole frames, the first being frame `firstFrame`) against the chain state
 * `from`, exactly as walDecodeFrame does; continues an earlier walk when `from` is its result.
 */
export function walkFrames(block: Buffer, firstFrame: number, header: WalHeader, from: FrameChainState): FrameChainState {
  const frameBytes = header.pageSizeBytes + WAL_FRAME_HEADER_BYTES;
  const out: FrameChainState = { ...from, checksum: [from.checksum[0], from.checksum[1]] };
  let pendingPage1 = from.pendingPage1;
  delete out.pendingPage1;
  for (let off = 0; off + frameBytes <= block.length; off += frameBytes) {
    const frame = firstFrame + off / frameBytes;
    const pgno = block.readUInt32BE(off);
    if (block.readUInt32BE(off + 8) !== header.salt1 || block.readUInt32BE(off + 12) !== header.salt2 || pgno === 0) {
      out.broken = true;
      return out;
    }
    let sum = walChecksum(block, off, 8, header.bigEndianChecksum, out.checksum);
    sum = walChecksum(block, off + WAL_FRAME_HEADER_BYTES, header.pageSizeBytes, header.bigEndianChecksum, sum);
    if (sum[0] !== block.readUInt32BE(off + 16) || sum[1] !== block.readUInt32BE(off + 20)) {
      out.broken = true;
      return out;
    }
    out.checksum = sum;
    out.validFrames = frame;
    if (pgno === 1) pendingPage1 = Buffer.from(block.subarray(off + WAL_FRAME_HEADER_BYTES, off + WAL_FRAME_HEADER_BYTES + 100));
    const dbPages = block.readUInt32BE(off + 4);
    if (dbPages !== 0) {
      out.lastCommitFrame = frame;
      out.commitPages = dbPages;
      if (pendingPage1) out.page1Head = pendingPage1;
      pendingPage1 = undefined;
    }
  }
  // A page-1 image in a transaction that has not committed yet (in this block) may commit in the next one.
  if (pendingPage1) out.pendingPage1 = pendingPage1;
  return out;
}

export interface FrameChainState extends FrameChain {
  pendingPage1?: Buffer;
}

export function startChain(header: WalHeader): FrameChainState {
  return { validFrames: 0, lastCommitFrame: 0, commitPages: 0, checksum: [header.checksum[0], header.checksum[1]], broken: false };
}
