/**
 * Parser for the 100-byte SQLite database header.
 * Layout: https://www.sqlite.org/fileformat2.html#the_database_header
 */
import type { DbHeader } from '../../core/facts.js';

export const DB_HEADER_BYTES = 100;
const MAGIC = 'SQLite format 3\u0000';

export class HeaderError extends Error {
  constructor(
    readonly code: 'EMPTY' | 'TRUNCATED' | 'NOT_SQLITE' | 'CORRUPT_HEADER' | 'UNREADABLE_FORMAT',
    message: string,
  ) {
    super(message);
  }
}

/** "3.40.1" from 3040001 (SQLITE_VERSION_NUMBER = X*1000000 + Y*1000 + Z). */
export function versionString(versionNumber: number): string {
  const major = Math.floor(versionNumber / 1_000_000);
  const minor = Math.floor((versionNumber % 1_000_000) / 1000);
  const patch = versionNumber % 1000;
  return `${major}.${minor}.${patch}`;
}

/** Parses `buf` (the first bytes of the file, `fileSize` in all); throws HeaderError on bad input. */
export function parseDbHeader(buf: Buffer, fileSize: number): DbHeader {
  if (fileSize === 0) throw new HeaderError('EMPTY', 'empty file (0 bytes): not a SQLite database yet');
  if (buf.length < 16 || buf.toString('latin1', 0, 16) !== MAGIC) {
    throw new HeaderError('NOT_SQLITE', 'not a SQLite database (no "SQLite format 3" header)');
  }
  if (buf.length < DB_HEADER_BYTES) {
    throw new HeaderError('TRUNCATED', `truncated header: ${fileSize} bytes, a SQLite header needs ${DB_HEADER_BYTES}`);
  }
  const rawPageSize = buf.readUInt16BE(16);
  // 1 encodes 65536; otherwise a power of two from 512 to 32768.
  const pageSizeBytes = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSizeBytes < 512 || pageSizeBytes > 65536 || (pageSizeBytes & (pageSizeBytes - 1)) !== 0) {
    throw new HeaderError('CORRUPT_HEADER', `corrupt header: page size ${rawPageSize} is not a power of two from 512 to 65536`);
  }
  // Bytes 18/19 exactly as btree.c lockBtree reads them (sqlite/sqlite src/btree.c; sqlite3.c:76463-76478 in
  // the 3.53.2 amalgamation): write version > 2 sets BTS_READ_ONLY; read version > 2 fails with
  // SQLITE_NOTADB ("file is not a database"); read version == 2 opens the WAL. Nothing else is checked: 0 is
  // accepted, and 1/2 or 3/2 open in WAL mode (measured here with python3's sqlite3 3.40.1 on crafted files).
  const writeVersion = buf.readUInt8(18);
  const readVersion = buf.readUInt8(19);
  if (readVersion > 2) {
    throw new HeaderError(
      'UNREADABLE_FORMAT',
      `SQLite refuses to open this file ("file is not a database"): header byte 19, the read format version, is ${readVersion}, and SQLite reads only versions up to 2 (btree.c lockBtree)`,
    );
  }
  // Offsets 21-23 are fixed payload fractions; anything else means the header is damaged.
  if (buf[21] !== 64 || buf[22] !== 32 || buf[23] !== 32) {
    throw new HeaderError('CORRUPT_HEADER', 'corrupt header: payload fractions at offsets 21-23 are not 64/32/32');
  }
  const fileChangeCounter = buf.readUInt32BE(24);
  const versionValidFor = buf.readUInt32BE(92);
  const largestRootPage = buf.readUInt32BE(52);
  const incremental = buf.readUInt32BE(64);
  const encoding = buf.readUInt32BE(56);
  const sqliteVersionNumber = buf.readUInt32BE(96);
  return {
    pageSizeBytes,
    writeVersion,
    readVersion,
    walEnabled: readVersion === 2,
    readOnly: writeVersion > 2,
    reservedBytesPerPage: buf.readUInt8(20),
    fileChangeCounter,
    pageCount: buf.readUInt32BE(28),
    pageCountValid: versionValidFor === fileChangeCounter && buf.readUInt32BE(28) !== 0,
    freelistPages: buf.readUInt32BE(36),
    schemaCookie: buf.readUInt32BE(40),
    schemaFormat: buf.readUInt32BE(44),
    // prepare.c sqlite3InitOne (sqlite3.c:148104-148113 in 3.53.2) takes the low byte (`(u8)meta[BTREE_FILE_FORMAT-1]`),
    // 0 counts as 1, and refuses above SQLITE_MAX_FILE_FORMAT (4) with "unsupported file format".
    schemaFormatSupported: (buf.readUInt32BE(44) & 0xff) <= 4,
    autoVacuum: largestRootPage === 0 ? 'none' : incremental !== 0 ? 'incremental' : 'full',
    textEncoding: encoding === 1 ? 'utf-8' : encoding === 2 ? 'utf-16le' : encoding === 3 ? 'utf-16be' : encoding === 0 ? 'utf-8' : 'unknown',
    userVersion: buf.readUInt32BE(60),
    applicationId: buf.readUInt32BE(68),
    sqliteVersionNumber,
    sqliteVersion: versionString(sqliteVersionNumber),
  };
}
