/**
 * Plain, read-only file access for the audit. Never creates a file (no O_CREAT), never opens a FIFO
 * or device (type checked with stat first, and O_NONBLOCK in case it changes in between), never writes.
 */
import { closeSync, constants, fstatSync, openSync, readSync, readFileSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import type { FileInfo, FileType } from '../../core/facts.js';

export class FileAccessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function fileType(st: Stats | BigIntStats): FileType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'char-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/**
 * Node's st_dev is glibc-encoded; /proc/locks prints `%02x:%02x`.
 * major = ((dev>>8)&0xfff) | ((dev>>32)&~0xfff); minor = (dev&0xff) | ((dev>>12)&~0xff).
 */
export function deviceString(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

let passwd: Map<number, string> | undefined;
export function userName(uid: number): string | undefined {
  if (!passwd) {
    passwd = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && !passwd.has(Number(id))) passwd.set(Number(id), name);
      }
    } catch {
      // No /etc/passwd: names stay unresolved, uids are still reported.
    }
  }
  return passwd.get(uid);
}

/** stat() one path; a missing file is `exists: false`, other errors throw FileAccessError. */
export function statFile(path: string): FileInfo {
  let st: BigIntStats;
  try {
    st = statSync(path, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path, exists: false };
    throw new FileAccessError(code, `cannot stat: ${describeErrno(code)}`);
  }
  const uid = Number(st.uid);
  const info: FileInfo = {
    path,
    exists: true,
    type: fileType(st),
    sizeBytes: Number(st.size),
    mode: Number(st.mode) & 0o7777,
    uid,
    gid: Number(st.gid),
    device: deviceString(st.dev),
    inode: st.ino.toString(),
    mtimeMs: Number(st.mtimeMs),
  };
  const owner = userName(uid);
  if (owner !== undefined) info.owner = owner;
  return info;
}

export function describeErrno(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'path too long';
    case 'EIO':
      return 'I/O error';
    default:
      return code;
  }
}

/**
 * Reads up to `length` bytes at `position` from a regular file, read-only.
 * `maxFrames`-style scans use `withReadOnlyFile` instead to keep one descriptor.
 */
export function readRegularFile(path: string, length: number, position = 0): Buffer {
  return withReadOnlyFile(path, (fd) => readAt(fd, length, position));
}

export function withReadOnlyFile<T>(path: string, use: (fd: number, sizeBytes: number) => T): T {
  let fd: number;
  try {
    // O_NONBLOCK: if a FIFO or device slipped in after stat, open must not block on it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileAccessError(code, `cannot open: ${describeErrno(code)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileAccessError('NOT_REGULAR', `not a regular file (${fileType(st)})`);
    return use(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

export function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    let n: number;
    try {
      n = readSync(fd, buf, got, length - got, position + got);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      throw new FileAccessError(code, `cannot read: ${describeErrno(code)}`);
    }
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
