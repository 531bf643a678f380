/**
 * One line of `strace -f -ttt -y -e trace=fcntl,clock_nanosleep,nanosleep -o …` output → a call lockscope
 * decodes: a POSIX lock call (fcntl F_SETLK/F_SETLKW with its file from -y, lock type, byte range and result)
 * or a sleep (the busy handler's). Everything else (other fcntl commands, signals, exits) is not a call.
 *
 * A thread's call can be split in two lines when another thread's line comes between (strace prints
 * `… <unfinished ...>` and later `<... fcntl resumed>…`); `StraceLineReader` joins them.
 */

export interface LockCall {
  kind: 'lock';
  tid: number;
  /** Epoch seconds, from -ttt (microsecond precision). */
  t: number;
  path: string;
  type: 'read' | 'write' | 'unlock';
  start: number;
  /** 0 = to the end of the file. */
  len: number;
  ok: boolean;
  /** EAGAIN / EACCES (refused: another process holds a conflicting lock), EBADF…; null when ok. */
  errno: string | null;
}

export interface SleepCall {
  kind: 'sleep';
  tid: number;
  t: number;
  /** The requested duration. */
  ms: number;
}

/** A thread ended (`+++ exited with N +++`, `+++ killed by SIG… +++`): its waits are over. */
export interface ExitCall {
  kind: 'exit';
  tid: number;
  t: number;
}

export type TraceCall = LockCall | SleepCall | ExitCall;

const PREFIX = /^(?:\[pid\s+)?(\d+)\]?\s+(\d+\.\d+)\s+(.*)$/;
const FCNTL = /^fcntl\((\d+)<(.*)>, F_(?:SETLK|SETLKW|SETLK64|SETLKW64), \{l_type=F_(RDLCK|WRLCK|UNLCK), l_whence=SEEK_SET, l_start=(-?\d+), l_len=(-?\d+)(?:, l_pid=\d+)?\}\)\s+= (-?\d+)(?: (E[A-Z]+))?/;
const SLEEP = /^(?:clock_nanosleep(?:_time64)?\([A-Z_]+, 0, |nanosleep\()\{tv_sec=(\d+), tv_nsec=(\d+)\}/;
const UNFINISHED = ' <unfinished ...>';
/** A call in progress when strace detached (the end of the window): printed once, with its arguments. */
const DETACHED = / ?<detached \.\.\.>$/;
const RESUMED = /^<\.\.\. [a-z_0-9]+ resumed>/;

/** strace -y prints a path with C escapes for bytes it does not print as they are. */
export function unescapeStracePath(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, '\\': 92, '"': 34, "'": 39 };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = text[i + 1] ?? '';
    if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (/^[0-7]{1,3}/.test(text.slice(i + 1))) {
      const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      bytes.push(Number.parseInt(oct, 8));
      i += oct.length;
    } else if (next in simple) {
      bytes.push(simple[next]!);
      i += 1;
    } else {
      bytes.push(92);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses one complete call line (prefix already split off). */
function parseCall(tid: number, t: number, body: string): TraceCall | null {
  if (body.startsWith('fcntl(')) {
    const m = FCNTL.exec(body);
    if (!m) return null;
    const [, , rawPath, type, start, len, ret, errno] = m;
    return {
      kind: 'lock',
      tid,
      t,
      path: unescapeStracePath(rawPath!),
      type: type === 'RDLCK' ? 'read' : type === 'WRLCK' ? 'write' : 'unlock',
      start: Number(start),
      len: Number(len),
      ok: ret === '0',
      errno: ret === '0' ? null : (errno ?? 'E?'),
    };
  }
  const s = SLEEP.exec(body);
  if (s) return { kind: 'sleep', tid, t, ms: Number(s[1]) * 1000 + Number(s[2]) / 1e6 };
  return null;
}

export type LineResult = { call: TraceCall } | { ignored: true } | { unparsed: true };

/** Reads strace's lines in order, joining a thread's unfinished call with its resumption. */
export class StraceLineReader {
  private pending = new Map<number, { t: number; head: string }>();

  read(line: string): LineResult {
    const m = PREFIX.exec(line);
    if (!m) return line.trim() === '' ? { ignored: true } : { unparsed: true };
    const tid = Number(m[1]);
    const t = Number(m[2]);
    let body = m[3]!;
    if (body.startsWith('+++ exited') || body.startsWith('+++ killed')) return { call: { kind: 'exit', tid, t } };
    if (body.startsWith('+++') || body.startsWith('---')) return { ignored: true };
    if (body.endsWith(UNFINISHED) || DETACHED.test(body)) {
      const head = body.endsWith(UNFINISHED) ? body.slice(0, -UNFINISHED.length) : body.replace(DETACHED, '');
      // A sleep's request is complete before it blocks: decode it now.
      if (!head.startsWith('fcntl(')) {
        const call = parseCall(tid, t, head);
        return call ? { call } : { ignored: true };
      }
      this.pending.set(tid, { t, head });
      return { ignored: true };
    }
    const resumed = RESUMED.exec(body);
    let at = t;
    if (resumed) {
      const head = this.pending.get(tid);
      this.pending.delete(tid);
      if (!head || !body.startsWith('<... fcntl resumed>')) return { ignored: true };
      body = head.head + body.slice(resumed[0].length);
      at = head.t;
    }
    if (!body.startsWith('fcntl(') && !body.includes('nanosleep')) return { ignored: true };
    const call = parseCall(tid, at, body);
    if (call) return { call };
    // fcntl with another command (F_GETFL, F_SETFD, F_GETLK…) or on a descriptor without a path: not a lock call.
    return { ignored: true };
  }
}
