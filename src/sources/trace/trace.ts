/**
 * One trace of one database: which processes (those that have it open, the given pids, or a started command),
 * strace over the window, every line through the decoder, and the facts.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { deviceString } from '../sqlite/files.js';
import { type FileTarget, scanOpenFiles } from '../proc/holders.js';
import { locksOnInode, readProcLocks } from '../proc/lock-table.js';
import type { RawLock } from '../../core/facts.js';
import { classifyRuntime, processArgv, processCommand, processExe } from '../proc/processes.js';
import { type HeldLock, LockDecoder } from './decoder.js';
import type { TraceFacts, TracedProcess } from './facts.js';
import { StraceLineReader } from './strace-line.js';
import { TraceSetupError, runStrace, tgidOf } from './strace.js';

/** `--for` when none is given: short, because tracing slows the app while it runs (README, bench/trace.ts). */
export const DEFAULT_TRACE_MS = 10_000;

export interface TraceRequest {
  /** The database as given. */
  path: string;
  cwd: string;
  pids?: readonly number[];
  command?: readonly string[];
  windowMs: number;
  signal?: AbortSignal;
  straceBin?: string;
}

/**
 * The database's real path and its -shm's, as strace -y prints the descriptors' paths. A started command may
 * create the database (`allowMissing`): its folder must exist.
 */
export function tracePaths(path: string, cwd: string, allowMissing = false): { realPath: string; shmPath: string } {
  const abs = resolve(cwd, path);
  let realPath: string;
  try {
    realPath = realpathSync(abs);
    if (!statSync(realPath).isFile()) throw new TraceSetupError(`${path}: not a regular file`, 'BAD_TARGET');
  } catch (err) {
    if (err instanceof TraceSetupError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'ENOENT';
    if (code === 'ENOENT' && allowMissing) {
      try {
        realPath = join(realpathSync(dirname(abs)), basename(abs));
      } catch {
        throw new TraceSetupError(`${path}: no such folder`, 'BAD_TARGET');
      }
    } else {
      throw new TraceSetupError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`, 'BAD_TARGET');
    }
  }
  return { realPath, shmPath: `${realPath}-shm` };
}

/** The processes that have the database or its -shm open (/proc/<pid>/fd), lockscope itself left out. */
export function processesWithDatabase(realPath: string, shmPath: string): number[] {
  const targets: FileTarget[] = [];
  for (const [role, p] of [['db', realPath], ['shm', shmPath]] as const) {
    const st = statSync(p, { bigint: true, throwIfNoEntry: false });
    if (st) targets.push({ role, device: deviceString(st.dev), inode: st.ino.toString(), inoNumber: Number(st.ino) });
  }
  const scan = scanOpenFiles(targets, { excludePid: process.pid, maps: 'db-openers' });
  return [...scan.byPid.keys()].sort((a, b) => a - b);
}

/** What the traced processes hold now on the db and -shm, from /proc/locks (nothing when it cannot be read). */
function lockSnapshot(realPath: string, shmPath: string, pids: ReadonlySet<number>): HeldLock[] {
  let table: RawLock[];
  try {
    table = readProcLocks();
  } catch {
    return [];
  }
  const out: HeldLock[] = [];
  for (const [role, p] of [['db', realPath], ['shm', shmPath]] as const) {
    const st = statSync(p, { bigint: true, throwIfNoEntry: false });
    if (!st) continue;
    for (const l of locksOnInode(table, deviceString(st.dev), st.ino.toString())) {
      if (l.waiting || l.lockClass !== 'POSIX' || !pids.has(l.pid)) continue;
      out.push({ pid: l.pid, role, type: l.type === 'WRITE' ? 'write' : 'read', start: l.start, end: l.end });
    }
  }
  return out;
}

function identify(pid: number): { command: string | null; runtime: TracedProcess['runtime'] } {
  return { command: processCommand(pid) ?? null, runtime: classifyRuntime(processExe(pid), processArgv(pid)) };
}

/** Traces one database's lock calls over the window (`lockscope trace`); throws TraceSetupError when tracing cannot start. */
export async function traceDatabase(req: TraceRequest): Promise<TraceFacts> {
  const [facts] = await traceDatabases({ ...req, paths: [req.path] });
  return facts!;
}

/**
 * Traces several databases' lock calls with one strace over one window (`audit --trace`): a process can have
 * only one tracer, and an app often has more than one database open. Attaches to every process that has any
 * of them open (or the given pids); each database's decoder keeps the calls on its own files.
 */
export async function traceDatabases(req: Omit<TraceRequest, 'path'> & { paths: readonly string[] }): Promise<TraceFacts[]> {
  const launch = Boolean(req.command && req.command.length > 0);
  const targets = req.paths.map((path) => ({ path, ...tracePaths(path, req.cwd, launch) }));
  const given = req.pids ? [...req.pids] : [];
  const openers = targets.map((t) => (launch || given.length > 0 ? given : processesWithDatabase(t.realPath, t.shmPath)));
  const pids = launch ? [] : [...new Set(openers.flat())].sort((a, b) => a - b);
  if (!launch && pids.length === 0) {
    const named = req.paths.length === 1 ? req.paths[0]! : `${req.paths.length} databases`;
    throw new TraceSetupError(
      `${named}: no process has ${req.paths.length === 1 ? 'it' : 'any of them'} open, so there is nothing to attach to; start the app first, name it with --pid, or start it under the tracer: lockscope trace ${req.paths[0]} -- <command…>`,
      'NO_PROCESS',
    );
  }
  const known = new Map<number, ReturnType<typeof identify>>();
  for (const pid of pids) known.set(pid, identify(pid));
  const tgids = new Map<number, number>();
  const tgidOfTid = (tid: number) => {
    let pid = tgids.get(tid);
    if (pid === undefined) {
      pid = tgidOf(tid);
      tgids.set(tid, pid);
      if (!known.has(pid)) known.set(pid, identify(pid));
    }
    return pid;
  };
  const decoders = targets.map((t) => new LockDecoder({ dbPath: t.realPath, shmPath: t.shmPath, startMs: Date.now(), tgidOf: tgidOfTid }));
  decoders.forEach((d, i) => d.seed(lockSnapshot(targets[i]!.realPath, targets[i]!.shmPath, new Set(openers[i])), false));
  const reader = new StraceLineReader();
  let unparsed = 0;
  const run = await runStrace({
    pids,
    foundPids: given.length === 0,
    command: req.command,
    windowMs: req.windowMs,
    signal: req.signal,
    straceBin: req.straceBin,
    onStart: (startedMs) => {
      decoders.forEach((d, i) => {
        d.setStart(startedMs);
        d.seed(lockSnapshot(targets[i]!.realPath, targets[i]!.shmPath, new Set(openers[i])), true);
      });
    },
    onLine: (line) => {
      const r = reader.read(line);
      if ('call' in r) for (const d of decoders) d.feed(r.call);
      else if ('unparsed' in r) unparsed += 1;
    },
  });
  return targets.map((t, i): TraceFacts => {
    const decoder = decoders[i]!;
    const facts: TraceFacts = {
      source: 'trace',
      path: t.path,
      realPath: t.realPath,
      journalMode: decoder.sawShm ? 'wal' : decoder.sawDb ? 'rollback' : null,
      how: launch ? 'launch' : 'attach',
      window: { requestedMs: req.windowMs, tracedMs: Math.max(0, run.endedMs - run.startedMs), endedBy: run.endedBy },
      processes: decoder.finish(run.endedMs, (pid) => known.get(pid) ?? identify(pid), launch ? [] : openers[i]!),
      lockCalls: decoder.lockCalls,
      ignoredCalls: decoder.ignoredCalls,
      unparsed,
    };
    if (launch) facts.command = [...req.command!];
    return facts;
  });
}
