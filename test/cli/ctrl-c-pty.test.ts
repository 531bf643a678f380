/**
 * Ctrl-C in a real terminal: the command runs on a pseudo-terminal (python3's pty module), the spinner starts,
 * and the test types Ctrl-C (byte 0x03) as a user would. The terminal driver turns it into SIGINT only while
 * the terminal is not in raw mode, which ora's default stdin discarding would switch on.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { BIN } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

// Runs argv on a pty; once the spinner's progress shows (readiness), types Ctrl-C; prints the exit status.
const DRIVER = String.raw`
import os, pty, sys, select, time
pid, fd = pty.fork()
if pid == 0:
    import fcntl, struct, termios
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))  # a terminal 80 columns wide
    os.execvp(sys.argv[1], sys.argv[1:])
seen, sent, deadline = b'', False, time.time() + 40
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
    if not sent and b'tx/s' in seen:
        os.write(fd, b'\x03'); sent = True
    if time.time() > deadline:
        os.kill(pid, 9)
        break
_, status = os.waitpid(pid, 0)
print('SENT' if sent else 'NOT-SENT', os.waitstatus_to_exitcode(status))
`;

describe('Ctrl-C on a real terminal', () => {
  it('stops lockscope stress at once: exit 130, scratch files removed', () => {
    const dir = scratch.tempDir('lockscope-pty-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    // A user's terminal: ora draws nothing when CI is set (as it is where .ci/run runs), and the spinner's raw
    // mode is what this test is about.
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', COLUMNS: '80' };
    delete env.CI;
    const r = spawnSync('python3', ['-c', DRIVER, process.execPath, BIN, 'stress', db, '--duration', '60s'], {
      encoding: 'utf8',
      timeout: 60_000,
      env,
    });
    expect(r.stdout.trim().split('\n').pop()).toBe('SENT 130');
    expect(readdirSync(dir).filter((f) => f.includes('lockscope-stress'))).toEqual([]);
  }, 70_000);
});
