/**
 * Parser for the `-wal` file: 32-byte header, then frames of a 24-byte header + one page,
 * all big-endian (https://www.sqlite.org/fileformat2.html#walformat; wal.c WAL_HDRSIZE=32,
 * WAL_FRAME_HDRSIZE=24).
 */
export const WAL_HEADER_BYTES = 32;
export const WAL_FRAME_HEADER_BYTES = 24;
/** wal.c WAL_MAGIC; the low bit selects big-endian checksums. */
const WAL_MAGIC = 0x377f0682;
/** wal.c WAL_MAX_VERSION. */
const WAL_FORMAT_VERSION = 3007000;

export interface WalHeader {
  pageSizeBytes: number;
  checkpointSequence: number;
  salt1: number;
  salt2: number;
}

/** Null when SQLite would treat the WAL as empty (short file, wrong magic or version). */
export function parseWalHeader(buf: Buffer): WalHeader | null {
  if (buf.length < WAL_HEADER_BYTES) return null;
  const magic = buf.readUInt32BE(0);
  if ((magic & 0xfffffffe) !== WAL_MAGIC) return null;
  if (buf.readUInt32BE(4) !== WAL_FORMAT_VERSION) return null;
  const pageSizeBytes = buf.readUInt32BE(8);
  if (pageSizeBytes < 512 || pageSizeBytes > 65536 || (pageSizeBytes & (pageSizeBytes - 1)) !== 0) return null;
  return {
    pageSizeBytes,
    checkpointSequence: buf.readUInt32BE(12),
    salt1: buf.readUInt32BE(16),
    salt2: buf.readUInt32BE(20),
  };
}

/** Frame n (1-based) starts at 32 + (n-1) * (pageSize + 24). */
export function frameOffset(frame: number, pageSizeBytes: number): number {
  return WAL_HEADER_BYTES + (frame - 1) * (pageSizeBytes + WAL_FRAME_HEADER_BYTES);
}

export function framesInFile(sizeBytes: number, pageSizeBytes: number): number {
  if (sizeBytes <= WAL_HEADER_BYTES) return 0;
  return Math.floor((sizeBytes - WAL_HEADER_BYTES) / (pageSizeBytes + WAL_FRAME_HEADER_BYTES));
}
