/**
 * Runs a command on a real pseudo-terminal (python3's pty module, 80×24), types Ctrl-C (byte 0x03) as a user
 * would once `ready` shows in its output (the readiness handshake), and returns its exit status and everything
 * it wrote to the terminal. The terminal driver turns Ctrl-C into SIGINT only while the terminal is not in raw
 * mode, which is what these tests are about.
 */
import { spawnSync } from 'node:child_process';

const DRIVER = String.raw`
import os, pty, sys, select, time
ready, argv = sys.argv[1].encode(), sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    import fcntl, struct, termios
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))  # a terminal 80 columns wide
    os.execvp(argv[0], argv)
seen, sent, deadline = b'', False, time.time() + 40
while True:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        seen += data
    if not sent and ready in seen:
        os.write(fd, b'\x03'); sent = True
    if time.time() > deadline:
        os.kill(pid, 9)
        break
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(seen)
print()
print('SENT' if sent else 'NOT-SENT', os.waitstatus_to_exitcode(status))
`;

export interface PtyRun {
  /** Ctrl-C was typed (the ready marker showed). */
  sent: boolean;
  exitCode: number | null;
  /** Everything the command wrote to the terminal. */
  output: string;
}

export function ctrlCOnPty(argv: string[], ready: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): PtyRun {
  const r = spawnSync('python3', ['-c', DRIVER, ready, ...argv], { encoding: 'latin1', timeout: timeoutMs, env, maxBuffer: 64 * 1024 * 1024 });
  const out = String(r.stdout ?? '');
  const cut = out.lastIndexOf('\n', out.length - 2);
  const [sent, code] = out.slice(cut + 1).trim().split(' ');
  return { sent: sent === 'SENT', exitCode: code === undefined ? null : Number(code), output: out.slice(0, Math.max(0, cut)) };
}
