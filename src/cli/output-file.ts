/**
 * `--output <file>` without destroying data: the report is never written onto a database being read, its
 * -wal/-shm/-journal, or any file that holds SQLite data, however it is named (symlink, hard link, `./`).
 * `lockscope audit app.db --json --output app.db-wal` used to replace the WAL, and with it every transaction
 * committed since the last checkpoint.
 *
 * The decision is taken twice: by name and by (device, inode) before any work (`outputRefusal`), and again
 * on the open file descriptor the report is written through (`writeReportFile`), so a symlink swapped in
 * between cannot redirect the write. The file is opened without truncation and truncated only once it has
 * passed, so a refused target is left byte for byte as it was.
 */
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, readSync, realpathSync, statSync, writeFileSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The report was not written because of what the target is; the message is one line. */
export class OutputRefused extends Error {}

/**
 * Files SQLite keeps beside a database (https://www.sqlite.org/tempfiles.html): the rollback journal and,
 * in WAL mode, the WAL and the wal-index.
 */
const SIDE_FILES: readonly { suffix: string; what: string }[] = [
  { suffix: '', what: 'the database' },
  { suffix: '-wal', what: 'the WAL file' },
  { suffix: '-shm', what: 'the shared-memory (wal-index) file' },
  { suffix: '-journal', what: 'the rollback journal' },
];

/**
 * Magic numbers at the start of SQLite's files: the database header string (fileformat2.html §1.3.1), the
 * WAL header magic 0x377f0682/0x377f0683 (fileformat2.html §4.1), the rollback journal header
 * d9 d5 05 f9 20 a1 63 d7 (fileformat2.html §3).
 */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const WAL_MAGICS = [Buffer.from([0x37, 0x7f, 0x06, 0x82]), Buffer.from([0x37, 0x7f, 0x06, 0x83])];
const JOURNAL_MAGIC = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);

function sqliteContent(head: Buffer): string | null {
  if (head.length >= 16 && head.subarray(0, 16).equals(SQLITE_HEADER)) return 'it starts with the SQLite database header';
  if (head.length >= 4 && WAL_MAGICS.some((m) => head.subarray(0, 4).equals(m))) return 'it starts with the SQLite WAL header';
  if (head.length >= 8 && head.subarray(0, 8).equals(JOURNAL_MAGIC)) return 'it starts with the SQLite rollback-journal header';
  return null;
}

function tryStat(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function tryRealpath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

interface Protected {
  /** Absolute names (as given and with links resolved) of every database and side file. */
  names: Map<string, string>;
  /** "dev:ino" of those that exist. */
  inodes: Map<string, string>;
}

function protectedFiles(databases: readonly string[], cwd: string): Protected {
  const names = new Map<string, string>();
  const inodes = new Map<string, string>();
  for (const db of databases) {
    const abs = resolve(cwd, db);
    const bases = new Set([abs]);
    const real = tryRealpath(abs);
    if (real) bases.add(real);
    // The side files sit next to the database file SQLite opens, which is the link's target.
    const realDir = tryRealpath(dirname(abs));
    if (realDir) bases.add(join(realDir, basename(abs)));
    for (const base of bases) {
      for (const { suffix, what } of SIDE_FILES) {
        const reason = suffix === '' ? `it is ${db}, a database this run reads` : `it is ${what} of ${db}, a database this run reads`;
        names.set(base + suffix, reason);
        const st = tryStat(base + suffix);
        if (st) inodes.set(`${st.dev}:${st.ino}`, reason);
      }
    }
  }
  return { names, inodes };
}

function kindOf(st: Stats): string | null {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  return null;
}

/** Where the report would land: the real path of an existing file, else the new name in the real directory. */
function targetPath(abs: string): string {
  let link = false;
  try {
    link = lstatSync(abs).isSymbolicLink();
  } catch {
    // Does not exist yet: created in its (resolved) directory.
  }
  const real = tryRealpath(abs);
  if (real) return real;
  if (link) throw new OutputRefused('it is a symbolic link to a file that does not exist');
  const dir = tryRealpath(dirname(abs));
  return dir ? join(dir, basename(abs)) : abs;
}

function readHead(path: string): Buffer {
  let fd: number | null = null;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(16);
    return buf.subarray(0, readSync(fd, buf, 0, 16, 0));
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * `--output /dev/stdout` (or /dev/stderr, /dev/fd/N, /proc/self/fd/N) on a pipe, socket or terminal: a
 * descriptor lockscope already has, so writing cannot wait for a reader that never comes. Such a pipe has no
 * name to resolve (its link reads "pipe:[123]"), and a socket (what Node gives a child as stdio) cannot be
 * opened by name at all: the caller writes to the descriptor itself (its stdout/stderr stream).
 */
export function ownStreamFd(output: string, cwd: string): number | null {
  const m = /^\/(?:dev\/(stdout|stderr)|dev\/fd\/(\d+)|proc\/self\/fd\/(\d+))$/.exec(resolve(cwd, output));
  if (!m) return null;
  const fd = m[1] === 'stdout' ? 1 : m[1] === 'stderr' ? 2 : Number(m[2] ?? m[3]);
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket() || st.isCharacterDevice() ? fd : null;
  } catch {
    return null;
  }
}

function ownStream(abs: string): boolean {
  return ownStreamFd(abs, '/') !== null;
}

/** Why the report must not go to `output`, or null. Opens nothing for writing and creates nothing. */
export function outputRefusal(output: string, databases: readonly string[], cwd: string): string | null {
  if (ownStream(resolve(cwd, output))) return null;
  try {
    const target = targetPath(resolve(cwd, output));
    const prot = protectedFiles(databases, cwd);
    const byName = prot.names.get(target) ?? prot.names.get(resolve(cwd, output));
    if (byName) return byName;
    const st = tryStat(target);
    if (!st) return null;
    const kind = kindOf(st);
    if (kind) return `it is ${kind}: --output writes a regular file (use shell redirection for pipes)`;
    const byInode = prot.inodes.get(`${st.dev}:${st.ino}`);
    if (byInode) return byInode;
    return st.isFile() ? sqliteContent(readHead(target)) : null;
  } catch (err) {
    if (err instanceof OutputRefused) return err.message;
    throw err;
  }
}

/**
 * Writes `text` to `output` unless `outputRefusal` says no, re-checking on the descriptor it writes through.
 * Throws OutputRefused (nothing written, nothing created or truncated) or the file system's error.
 */
export function writeReportFile(output: string, text: string, databases: readonly string[], cwd: string): void {
  const early = outputRefusal(output, databases, cwd);
  if (early) throw new OutputRefused(early);
  if (ownStream(resolve(cwd, output))) {
    writeFileSync(resolve(cwd, output), text);
    return;
  }
  const target = targetPath(resolve(cwd, output));
  // O_NOFOLLOW: the resolved path must not have become a symlink since. O_NONBLOCK: opening a FIFO that
  // appeared since must not wait for a reader. No O_TRUNC: nothing is lost until the checks below pass.
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o666);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new OutputRefused('it became a symbolic link while lockscope ran');
    if (code === 'ENXIO') throw new OutputRefused('it is a FIFO (named pipe): --output writes a regular file (use shell redirection for pipes)');
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    // A character device such as /dev/null or a terminal may be writable but not readable.
    const st = tryStat(target);
    if (st?.isCharacterDevice()) {
      writeFileSync(target, text);
      return;
    }
    throw err;
  }
  try {
    const st = fstatSync(fd);
    const kind = kindOf(st);
    if (kind) throw new OutputRefused(`it is ${kind}: --output writes a regular file (use shell redirection for pipes)`);
    if (st.isCharacterDevice()) {
      // /dev/null, a terminal: written through a blocking descriptor (a non-blocking one may refuse with EAGAIN).
      writeFileSync(target, text);
      return;
    }
    const prot = protectedFiles(databases, cwd);
    const byInode = prot.inodes.get(`${st.dev}:${st.ino}`);
    if (byInode) throw new OutputRefused(byInode);
    const head = Buffer.alloc(16);
    const content = sqliteContent(head.subarray(0, readSync(fd, head, 0, 16, 0)));
    if (content) throw new OutputRefused(content);
    ftruncateSync(fd, 0);
    const data = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written, written);
  } finally {
    closeSync(fd);
  }
}
