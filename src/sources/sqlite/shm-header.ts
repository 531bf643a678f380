/**
 * Parser for the wal-index header at the start of `-shm`: two copies of WalIndexHdr (48 bytes each)
 * then WalCkptInfo, in native byte order (little-endian on the machines lockscope supports).
 * Layout: wal.c lines 321-460 (3.40.1); validation as walIndexTryHdr (wal.c:2319).
 */
import type { ShmHeader } from '../../core/facts.js';

/** Bytes 0-135: two header copies (96), nBackfill, aReadMark[5], aLock[8], nBackfillAttempted, unused. */
export const SHM_HEADER_BYTES = 136;
const WALINDEX_VERSION = 3007000;
const READMARK_NOT_USED = 0xffffffff;
const HDR_COPY_BYTES = 48;

export interface ShmParse {
  header: ShmHeader | null;
  valid: boolean;
  invalidReason?: string;
}

/** The wal-index checksum: 10 native u32 words over bytes 0-39, summed in pairs (walChecksumBytes). */
export function shmHeaderChecksum(buf: Buffer): [number, number] {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < 40; i += 8) {
    s1 = (s1 + buf.readUInt32LE(i) + s2) >>> 0;
    s2 = (s2 + buf.readUInt32LE(i + 4) + s1) >>> 0;
  }
  return [s1, s2];
}

export function parseShmHeader(buf: Buffer): ShmParse {
  if (buf.length < SHM_HEADER_BYTES) {
    return { header: null, valid: false, invalidReason: `-shm is ${buf.length} bytes, shorter than the ${SHM_HEADER_BYTES}-byte header` };
  }
  const header: ShmHeader = {
    iVersion: buf.readUInt32LE(0),
    iChange: buf.readUInt32LE(8),
    isInit: buf.readUInt8(12),
    bigEndCksum: buf.readUInt8(13),
    // szPage is a u16 where 1 means 65536 (wal.c WalIndexHdr.szPage).
    pageSizeBytes: buf.readUInt16LE(14) === 1 ? 65536 : buf.readUInt16LE(14),
    mxFrame: buf.readUInt32LE(16),
    nPage: buf.readUInt32LE(20),
    // aSalt is memcpy'd from the WAL header (big-endian bytes), so read it the WAL's way to compare.
    salt1: buf.readUInt32BE(32),
    salt2: buf.readUInt32BE(36),
    nBackfill: buf.readUInt32LE(96),
    readMarks: [0, 1, 2, 3, 4].map((i) => {
      const mark = buf.readUInt32LE(100 + 4 * i);
      return mark === READMARK_NOT_USED ? null : mark;
    }),
    nBackfillAttempted: buf.readUInt32LE(128),
  };
  if (!buf.subarray(0, HDR_COPY_BYTES).equals(buf.subarray(HDR_COPY_BYTES, 2 * HDR_COPY_BYTES))) {
    return { header, valid: false, invalidReason: 'the two header copies differ (a writer was updating it)' };
  }
  if (header.isInit !== 1) return { header, valid: false, invalidReason: 'wal-index not initialised (isInit != 1)' };
  if (header.iVersion !== WALINDEX_VERSION) {
    return { header, valid: false, invalidReason: `unknown wal-index version ${header.iVersion}` };
  }
  const [c1, c2] = shmHeaderChecksum(buf);
  if (c1 !== buf.readUInt32LE(40) || c2 !== buf.readUInt32LE(44)) {
    return { header, valid: false, invalidReason: 'wal-index header checksum mismatch' };
  }
  return { header, valid: true };
}
