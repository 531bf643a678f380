/**
 * watch's terminal view: on a real pseudo-terminal (python3's pty module, 80×24) it draws on the alternate screen
 * and Ctrl-C (byte 0x03, typed as a user would) ends it with exit 0, the screen and cursor given back; and the
 * pure renderer fits any terminal size.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { BIN } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { renderView, sparkline } from '../../src/cli/watch/view.js';
import type { WatchedDatabase } from '../../src/cli/watch/run.js';

const { tempDir } = scratchPerTest();

// Runs argv on a pty; once the view's title shows (readiness), types Ctrl-C; prints the exit status and whether
// the output ended by leaving the alternate screen.
const DRIVER = String.raw`
import os, pty, sys, select, time
pid, fd = pty.fork()
if pid == 0:
    import fcntl, struct, termios
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
seen, sent, deadline = b'', False, time.time() + 20
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
    if not sent and b'latest events' in seen:
        os.write(fd, b'\x03'); sent = True
    if time.time() > deadline:
        os.kill(pid, 9)
        break
_, status = os.waitpid(pid, 0)
lines = [l for l in seen.split(b'\x1b[H') if b'lockscope watch' in l]
print('SENT' if sent else 'NOT-SENT', os.waitstatus_to_exitcode(status), 'RESTORED' if seen.rstrip().endswith(b'\x1b[?25h\x1b[?1049l') else 'NOT-RESTORED', max((len(l.split(b'\x1b[K')) - 1 for l in lines), default=0))
`;

describe('lockscope watch on a terminal', () => {
  it('draws the view in place; Ctrl-C exits 0 and gives the screen back', () => {
    const dir = tempDir('lockscope-view-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const r = spawnSync('python3', ['-c', DRIVER, process.execPath, BIN, 'watch', db, '--interval', '200ms'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TERM: 'xterm' } });
    const [sent, code, restored, rows] = r.stdout.trim().split('\n').pop()!.split(' ');
    expect([sent, code, restored]).toEqual(['SENT', '0', 'RESTORED']);
    // At most 23 lines drawn on a 24-row terminal (the last row stays free so nothing scrolls).
    expect(Number(rows)).toBeGreaterThan(0);
    expect(Number(rows)).toBeLessThanOrEqual(23);
  }, 30_000);

  it('renders within the width and height it is given', () => {
    const procs = Array.from({ length: 30 }, (_, i) => ({
      pid: 1000 + i,
      identity: { command: `python3 worker.py --queue ${'x'.repeat(200)}` },
      attachedSinceMs: 0,
      seenAtStart: false,
      locks: [],
      write: i === 0 ? { sinceMs: 0, checkpoint: false, pending: false } : null,
      read: null,
      activityAtHoldStart: null,
      activityNow: null,
      stillSinceMs: null,
      activityReadAtMs: null,
      holdSinceMs: null,
    }));
    const db = {
      path: '/srv/app/data/app.db',
      error: null,
      metrics: { up: true, walBytes: 5_000_000, checkpointLagFrames: 12, writeLockHeldSeconds: 3, longestReaderSeconds: 0, holders: {}, stalledHolders: 0 },
      walHistory: [1, 5, 3, 9, 2],
      live: { processes: procs },
      conditions: [],
    } as unknown as WatchedDatabase;
    for (const [cols, rows] of [[40, 10], [80, 24], [200, 60]] as const) {
      const lines = renderView([db], [], cols, rows, 412_000);
      expect(lines.length).toBeLessThanOrEqual(rows - 1);
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(cols);
    }
    expect(renderView([db], [], 80, 24, 412_000).join('\n')).toContain('write 412 s');
    expect(sparkline([0, 1, 2, 4, 8], 5)).toBe('▁▁▂▄█');
  });
});
