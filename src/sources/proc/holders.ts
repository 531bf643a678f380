/**
 * Who has the database's files open: /proc/<pid>/fd (and /proc/<pid>/maps for a mapped -shm), matched by
 * device and inode, never by name — a renamed path, a hard link, or a path inside another mount namespace
 * (a container) still matches. Read-only: stat() of the /proc/<pid>/fd/<n> magic links and plain reads of
 * /proc text files. lockscope never opens the database's files here, so no process's locks are touched.
 *
 * Also what the scan cannot see (other users' processes, hidepid, PID namespaces) and, where there is no
 * /proc/locks (macOS), the lsof fallback for open-file holders.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { deviceString } from '../sqlite/files.js';
import type { DatabaseFiles, HolderFile, RawLock } from '../../core/facts.js';

/** One of the database's files to look for, by identity. */
export interface FileTarget {
  role: HolderFile;
  /** As /proc/locks and /proc/<pid>/maps print it: `maj:min` in hex. */
  device: string;
  inode: string;
  /** The inode as a Number for the fast first comparison (confirmed exactly with a bigint stat). */
  inoNumber: number;
}

const ROLES: readonly HolderFile[] = ['db', 'wal', 'shm', 'journal'];

export function fileTargets(files: DatabaseFiles): FileTarget[] {
  const out: FileTarget[] = [];
  for (const role of ROLES) {
    const info = files[role];
    if (info.exists && info.device && info.inode) out.push({ role, device: info.device, inode: info.inode, inoNumber: Number(info.inode) });
  }
  return out;
}

export interface OpenFilesScan {
  /** pid → the database's files it has open. */
  byPid: Map<number, Set<HolderFile>>;
  /** pid → descriptor numbers that point at the db or -shm (for fdinfo, OFD attribution). */
  fdsByPid: Map<number, number[]>;
  processesScanned: number;
  /** Processes whose /proc/<pid>/fd could not be read (EACCES/EPERM). */
  unreadable: number[];
}

function listPids(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      const pid = Number(name);
      if (Number.isInteger(pid)) pids.push(pid);
    }
  }
  return pids;
}

function addFile(map: Map<number, Set<HolderFile>>, pid: number, role: HolderFile): void {
  let set = map.get(pid);
  if (!set) map.set(pid, (set = new Set()));
  set.add(role);
}

/**
 * Scans /proc/<pid>/fd of `pids` (default: every process) for the targets, and /proc/<pid>/maps for a
 * mapped -shm (of the processes with the database open, or of all with `maps: 'all'`). `excludePid`
 * (lockscope itself) is skipped.
 */
export function scanOpenFiles(
  targets: readonly FileTarget[],
  opts: { pids?: Iterable<number>; excludePid?: number; procRoot?: string; maps?: 'all' | 'db-openers' } = {},
): OpenFilesScan {
  const procRoot = opts.procRoot ?? '/proc';
  const result: OpenFilesScan = { byPid: new Map(), fdsByPid: new Map(), processesScanned: 0, unreadable: [] };
  if (targets.length === 0) return result;
  const byIno = new Map<number, FileTarget[]>();
  for (const t of targets) byIno.set(t.inoNumber, [...(byIno.get(t.inoNumber) ?? []), t]);
  const shm = targets.find((t) => t.role === 'shm');
  const mapsKey = shm ? ` ${shm.device} ${shm.inode} ` : null;
  const pids = opts.pids ? [...opts.pids] : listPids(procRoot);
  for (const pid of pids) {
    if (pid === opts.excludePid) continue;
    const fdDir = `${procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(fdDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') result.unreadable.push(pid);
      continue; // ENOENT: the process ended between the listing and now.
    }
    result.processesScanned += 1;
    for (const fd of fds) {
      const path = `${fdDir}/${fd}`;
      let device: string;
      let inode: string;
      let candidates: FileTarget[] | undefined;
      try {
        // stat() follows the magic link to the open file itself, even if it was renamed or deleted.
        const st = statSync(path, { throwIfNoEntry: false });
        candidates = st ? byIno.get(st.ino) : undefined;
        if (!candidates) continue;
        const exact = statSync(path, { bigint: true, throwIfNoEntry: false });
        if (!exact) continue;
        device = deviceString(exact.dev);
        inode = exact.ino.toString();
      } catch {
        continue; // EACCES on one descriptor, or it closed meanwhile.
      }
      for (const t of candidates) {
        if (t.device === device && t.inode === inode) {
          addFile(result.byPid, pid, t.role);
          if (t.role === 'db' || t.role === 'shm') result.fdsByPid.set(pid, [...(result.fdsByPid.get(pid) ?? []), Number(fd)]);
        }
      }
    }
    // A mapped -shm whose descriptor is closed is still attached to the wal-index. SQLite's unix VFS keeps
    // the -shm descriptor open for as long as it maps it (os_unix.c: unixShmPurge unmaps, then closes
    // hShm), so only a process with the database open and no -shm descriptor needs its maps read; reading
    // every process's maps would triple the scan time on a busy machine (bench/locks.ts). `maps: 'all'`
    // reads them all.
    const open = result.byPid.get(pid);
    if (mapsKey && !open?.has('shm') && (opts.maps === 'all' || open?.has('db'))) {
      try {
        const maps = readFileSync(`${procRoot}/${pid}/maps`, 'latin1');
        if (maps.includes(mapsKey)) addFile(result.byPid, pid, 'shm');
      } catch {
        // Gone, or not readable: the fd scan already reported what it could.
      }
    }
  }
  return result;
}

/** The OFD locks (pid -1 in /proc/locks) a process holds through the given descriptors, from fdinfo `lock:` lines. */
export function ofdLocksInFdinfo(pid: number, fds: readonly number[], procRoot = '/proc'): number {
  let n = 0;
  for (const fd of fds) {
    try {
      const text = readFileSync(`${procRoot}/${pid}/fdinfo/${fd}`, 'utf8');
      for (const line of text.split('\n')) if (line.startsWith('lock:') && line.includes('OFDLCK')) n += 1;
    } catch {
      // Closed meanwhile.
    }
  }
  return n;
}

/** include/linux/proc_ns.h PROC_PID_INIT_INO: the inode of the initial PID namespace (stable since Linux 3.8). */
export const PROC_PID_INIT_INO = 0xeffffffc;

/**
 * Whether lockscope runs in the initial PID namespace. In a nested one (a container), /proc/locks leaves out
 * every lock whose owner has no pid here (fs/locks.c locks_show), so such holders are invisible.
 */
export function pidNamespace(procRoot = '/proc'): 'initial' | 'nested' | 'unknown' {
  try {
    const m = /pid:\[(\d+)\]/.exec(readlinkSync(`${procRoot}/self/ns/pid`));
    if (m) return Number(m[1]) === PROC_PID_INIT_INO ? 'initial' : 'nested';
  } catch {
    // Fall through to NSpid.
  }
  try {
    const m = /^NSpid:\s+(.+)$/m.exec(readFileSync(`${procRoot}/self/status`, 'utf8'));
    // More than one pid: nested inside the namespace of this procfs. One pid cannot tell (own procfs mount).
    if (m && (m[1] ?? '').trim().split(/\s+/).length > 1) return 'nested';
  } catch {
    // No procfs at all.
  }
  return 'unknown';
}

/** /proc mounted with hidepid (1, 2, invisible, noaccess): other users' processes are hidden or unreadable. */
export function procHidepid(procRoot = '/proc'): boolean {
  try {
    for (const line of readFileSync(`${procRoot}/self/mountinfo`, 'utf8').split('\n')) {
      const parts = line.split(' ');
      if (parts[4] !== procRoot) continue;
      const m = /(?:^|,)hidepid=([^,\s]+)/.exec(line);
      if (m && m[1] !== '0' && m[1] !== 'off') return true;
    }
  } catch {
    // Not Linux.
  }
  return false;
}

/**
 * Locks hidden from this PID namespace, anywhere on the system: /proc/locks numbers every lock in the
 * global list, also the ones it skips, so the printed ordinals have gaps.
 */
export function hiddenLockCount(table: readonly RawLock[]): number {
  const ordinals = new Set<number>();
  for (const l of table) if (!l.waiting) ordinals.add(l.ordinal);
  let max = 0;
  for (const o of ordinals) if (o > max) max = o;
  return Math.max(0, max - ordinals.size);
}

export interface LsofHolder {
  pid: number;
  command?: string;
  uid?: number;
  files: HolderFile[];
}

/**
 * The fallback where there is no /proc/locks (macOS, BSD): lsof lists processes with the files open, by
 * device and inode of the paths given. It says nothing about SQLite's byte-range locks.
 */
export function lsofHolders(files: DatabaseFiles, timeoutMs = 5000): { status: 'ok' | 'missing' | 'failed'; holders: LsofHolder[]; error?: string } {
  const targets = ROLES.filter((r) => files[r].exists).map((r) => ({ role: r, path: files[r].path, inode: files[r].inode }));
  if (targets.length === 0) return { status: 'ok', holders: [] };
  let out: string;
  try {
    out = execFileSync('lsof', ['-w', '-n', '-P', '-F', 'pcufi', '--', ...targets.map((t) => t.path)], {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number; stdout?: string };
    if (e.code === 'ENOENT') return { status: 'missing', holders: [], error: 'lsof is not installed' };
    // lsof exits 1 when no process has any of the files open.
    if (e.status === 1 && typeof e.stdout === 'string') out = e.stdout;
    else return { status: 'failed', holders: [], error: e.message ?? String(err) };
  }
  return { status: 'ok', holders: parseLsof(out, targets) };
}

/** Parses `lsof -F pcufi` output: p<pid>, c<command>, u<uid>, then f<fd>/i<inode> per file. */
export function parseLsof(out: string, targets: readonly { role: HolderFile; inode?: string }[]): LsofHolder[] {
  const byPid = new Map<number, LsofHolder>();
  let current: LsofHolder | undefined;
  for (const line of out.split('\n')) {
    const tag = line[0];
    const value = line.slice(1);
    if (tag === 'p') {
      const pid = Number(value);
      current = byPid.get(pid) ?? { pid, files: [] };
      byPid.set(pid, current);
    } else if (!current) {
      continue;
    } else if (tag === 'c') current.command = value;
    else if (tag === 'u') current.uid = Number(value);
    else if (tag === 'i') {
      const t = targets.find((x) => x.inode === value);
      if (t && !current.files.includes(t.role)) current.files.push(t.role);
    }
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}
