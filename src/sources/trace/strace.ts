/**
 * Runs strace over a window and streams its lines to a callback: attached to running processes (`-p`), or
 * starting a command under it. strace is the field's standard tracer (packaged everywhere), so lockscope builds
 * on it rather than on ptrace of its own.
 *
 * It only observes: strace attaches with PTRACE_SEIZE and, on SIGINT/SIGTERM, detaches from every process it
 * attached to (strace(1), "-p"). lockscope ends it that way at the end of the window, on Ctrl-C, on SIGTERM and
 * on its own error, and kills it only if it has not gone 5 s later (the kernel then detaches its tracees).
 *
 * The trace goes through `-o '|cat >&3'` (strace's pipe-to-command output, which strace opens close-on-exec):
 * with -o strace prefixes every line with the thread id, and Node's stdio descriptors are sockets that strace
 * cannot open by path. A started command gets none of lockscope's descriptors: a shell closes fd 3 and points
 * the command's stdout and stderr at lockscope's stderr before it execs the command.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** strace's -e: the lock calls and the sleeps of SQLite's busy handler (a regex, so names absent on this architecture are no error). */
export const TRACE_EXPR = 'trace=/^(fcntl|fcntl64|clock_nanosleep|clock_nanosleep_time64|nanosleep)$';

/** How long strace may take to attach to every process before lockscope gives up (and strace detaches). */
const ATTACH_TIMEOUT_MS = 10_000;

/** A problem that stops the trace before it starts: one line for the user, exit 2. */
export class TraceSetupError extends Error {
  constructor(
    message: string,
    readonly code: 'NO_STRACE' | 'PTRACE_DENIED' | 'NO_PROCESS' | 'STRACE_FAILED' | 'BAD_TARGET',
  ) {
    super(message);
  }
}

export interface StraceRun {
  /** 'window': the window ended; 'signal': Ctrl-C/SIGTERM; 'exited': every traced process ended; 'error': strace failed mid-way. */
  endedBy: 'window' | 'signal' | 'exited' | 'error';
  /** Epoch ms when tracing began (all attached, or the command started) and ended. */
  startedMs: number;
  endedMs: number;
  /** strace's own complaints, for the error case. */
  messages: string[];
}

export interface StraceOptions {
  pids?: readonly number[];
  /** The pids were found, not named: one that ended before strace reached it is skipped, not an error. */
  foundPids?: boolean;
  command?: readonly string[];
  windowMs: number;
  signal?: AbortSignal;
  onLine: (line: string) => void;
  /** Called once tracing has begun (every pid attached, or the command started). */
  onStart?: (startedMs: number) => void;
  straceBin?: string;
}

/** Why ptrace is refused here, in words (Yama, another user), for the one-line error. */
export function ptraceDeniedReason(pid: number): string {
  const reasons: string[] = [];
  try {
    const scope = readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim();
    const words: Record<string, string> = {
      '1': 'Yama ptrace_scope is 1 (only a parent may trace its children)',
      '2': 'Yama ptrace_scope is 2 (only root with CAP_SYS_PTRACE may trace)',
      '3': 'Yama ptrace_scope is 3 (no process may be traced)',
    };
    if (words[scope]) reasons.push(words[scope]!);
  } catch {
    // No Yama: not the reason.
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const tracer = /^TracerPid:\s+(\d+)/m.exec(status)?.[1];
    if (tracer && tracer !== '0') reasons.push(`it is already traced by pid ${tracer} (a debugger, another strace)`);
    if (uid !== undefined && process.getuid && Number(uid) !== process.getuid() && process.getuid() !== 0) reasons.push(`it runs as uid ${uid} and lockscope as uid ${process.getuid()}`);
  } catch {
    // Gone meanwhile.
  }
  return reasons.length ? reasons.join('; ') : 'no CAP_SYS_PTRACE over it';
}

/** Runs strace until the window ends, the signal aborts, or every traced process has ended. */
export function runStrace(opts: StraceOptions): Promise<StraceRun> {
  const bin = opts.straceBin ?? 'strace';
  const args = ['-f', '-ttt', '-y', '-e', TRACE_EXPR, '-o', '|exec cat >&3'];
  const launch = opts.command && opts.command.length > 0;
  if (launch) {
    // --seccomp-bpf stops the command only at the traced calls (it works for a started command, not with -p).
    args.push('--seccomp-bpf', '--', 'sh', '-c', 'exec 3>&- 1>&4 2>&4 4>&-; exec "$0" "$@"', ...opts.command!);
  } else {
    for (const pid of opts.pids ?? []) args.push('-p', String(pid));
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(bin, args, { stdio: [launch ? 'inherit' : 'ignore', 'ignore', 'pipe', 'pipe', launch ? 2 : 'ignore'] });
    } catch (err) {
      reject(straceMissing(err));
      return;
    }
    const messages: string[] = [];
    const wanted = new Set(opts.pids ?? []);
    const attached = new Set<number>();
    const denied = new Map<number, string>();
    let started: number | null = null;
    let endedBy: StraceRun['endedBy'] | null = null;
    let timer: NodeJS.Timeout | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    let settled = false;
    let spawnError: Error | null = null;

    const stop = (why: StraceRun['endedBy']) => {
      if (endedBy === null) endedBy = why;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        killTimer ??= setTimeout(() => child.kill('SIGKILL'), 5000);
      }
    };
    const begin = () => {
      if (started !== null) return;
      started = Date.now();
      opts.onStart?.(started);
      timer = setTimeout(() => stop('window'), opts.windowMs);
    };
    const onAbort = () => stop('signal');
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err) => {
      spawnError = straceMissing(err);
      // A spawn that failed emits no 'close' when it never started.
      if (child.pid === undefined && !settled) {
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
        clearTimeout(attachGuard);
        reject(spawnError);
      }
    });
    let lineError: unknown = null;
    createInterface({ input: child.stdio[3] as NodeJS.ReadableStream, crlfDelay: Infinity }).on('line', (line) => {
      if (lineError !== null) return;
      try {
        opts.onLine(line);
      } catch (err) {
        // lockscope's own error: stop strace (it detaches) before reporting it.
        lineError = err;
        stop('error');
      }
    });
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (line) => {
      const att = /^strace: Process (\d+) attached/.exec(line);
      if (att) {
        attached.add(Number(att[1]));
      } else {
        if (messages.length < 20) messages.push(line.replace(/^strace: /, ''));
        const deny = /^strace: attach: ptrace\(PTRACE_SEIZE, (\d+)\): (.*)$/.exec(line);
        if (deny && opts.foundPids && /No such process/i.test(deny[2]!)) wanted.delete(Number(deny[1]));
        else if (deny) denied.set(Number(deny[1]), deny[2]!);
      }
      if (!launch && started === null && [...wanted].every((p) => attached.has(p) || denied.has(p))) {
        if (denied.size > 0 || wanted.size === 0) {
          // Refused for one of them: report it and trace nothing (a partial trace would read as "no contention").
          stop('error');
        } else begin();
      }
    });
    if (launch) child.once('spawn', begin);
    // Attaching takes milliseconds; a process that cannot be seized (stuck in the kernel) must not hang lockscope.
    let attachTimedOut = false;
    const attachGuard = setTimeout(() => {
      if (started !== null) return;
      attachTimedOut = true;
      stop('error');
    }, ATTACH_TIMEOUT_MS);

    child.on('close', () => {
      clearTimeout(attachGuard);
      opts.signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (settled) return;
      settled = true;
      if (spawnError) return reject(spawnError);
      if (lineError !== null) return reject(lineError);
      if (denied.size > 0) {
        const [pid, why] = [...denied][0]!;
        if (/No such process/i.test(why)) return reject(new TraceSetupError(`cannot attach to pid ${pid}: no such process (it ended, or the pid is wrong)`, 'NO_PROCESS'));
        if (!/not permitted/i.test(why)) return reject(new TraceSetupError(`cannot attach to pid ${pid}: ${why}`, 'STRACE_FAILED'));
        return reject(
          new TraceSetupError(
            `cannot attach to pid ${pid}: ptrace refused (${ptraceDeniedReason(pid)}); start the app under the tracer instead (lockscope trace <db> -- <command…>), or run lockscope as the app's user or as root`,
            'PTRACE_DENIED',
          ),
        );
      }
      if (started === null && wanted.size === 0 && !launch) {
        return reject(new TraceSetupError('every process that had the database open ended before strace reached it', 'NO_PROCESS'));
      }
      if (started === null && endedBy === 'signal') return reject(new TraceSetupError('interrupted before strace had attached: nothing was traced', 'STRACE_FAILED'));
      if (started === null && attachTimedOut) return reject(new TraceSetupError(`strace did not attach to every process within ${ATTACH_TIMEOUT_MS / 1000} s: nothing was traced`, 'STRACE_FAILED'));
      if (started === null) {
        return reject(new TraceSetupError(`strace could not start tracing: ${messages[0] ?? 'it exited at once'}`, 'STRACE_FAILED'));
      }
      resolve({ endedBy: endedBy ?? 'exited', startedMs: started, endedMs: Date.now(), messages });
    });
  });
}

function straceMissing(err: unknown): TraceSetupError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new TraceSetupError('strace is not installed: install it (Debian/Ubuntu: apt-get install strace; Fedora/RHEL: dnf install strace; Alpine: apk add strace) and run lockscope trace again', 'NO_STRACE');
  }
  return new TraceSetupError(`cannot run strace: ${(err as Error).message}`, 'STRACE_FAILED');
}

/** The process (thread group) a thread belongs to, from /proc/<tid>/status; the tid itself when unknown. */
export function tgidOf(tid: number): number {
  try {
    const tgid = /^Tgid:\s+(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'))?.[1];
    return tgid ? Number(tgid) : tid;
  } catch {
    return tid;
  }
}
