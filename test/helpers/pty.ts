/**
 * Runs a command on a real pseudo-terminal (python3's pty module), as in a user's terminal: once `trigger`
 * shows in its output (the readiness handshake), types `send`; returns the output and the exit code.
 */
import { spawnSync } from 'node:child_process';

const DRIVER = String.raw`
import os, pty, sys, select, time
trigger, send, seconds, columns = sys.argv[1].encode(), sys.argv[2].encode(), float(sys.argv[3]), int(sys.argv[4])
pid, fd = pty.fork()
if pid == 0:
    import fcntl, struct, termios
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, columns, 0, 0))
    os.execvp(sys.argv[5], sys.argv[5:])
seen, sent, deadline = b'', False, time.time() + seconds
while True:
    r, _, _ = select.select([fd], [], [], 0.5)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        seen += data
    if not sent and trigger in seen:
        os.write(fd, send); sent = True
    if time.time() > deadline:
        os.kill(pid, 9)
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode('utf8', 'replace'))
print('\n' + ('SENT' if sent else 'NOT-SENT'), os.waitstatus_to_exitcode(status))
`;

export interface PtyResult {
  /** Everything the command wrote to the terminal (stdout and stderr together, as a terminal shows them). */
  output: string;
  /** Whether `trigger` showed and `send` was typed. */
  sent: boolean;
  /** The exit code (negative: killed by that signal). */
  code: number;
}

/** `timeoutMs` is a hang guard: past it the command is killed. */
export function runOnPty(argv: readonly string[], opts: { trigger: string; send: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; columns?: number }): PtyResult {
  const seconds = (opts.timeoutMs ?? 30_000) / 1000;
  const r = spawnSync('python3', ['-c', DRIVER, opts.trigger, opts.send, String(seconds), String(opts.columns ?? 80), ...argv], {
    encoding: 'utf8',
    timeout: (seconds + 10) * 1000,
    env: opts.env,
  });
  const out = String(r.stdout ?? '');
  const last = out.trimEnd().lastIndexOf('\n');
  const [flag, code] = out.slice(last + 1).trim().split(' ');
  return { output: out.slice(0, Math.max(0, last)), sent: flag === 'SENT', code: Number(code) };
}
