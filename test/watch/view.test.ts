/**
 * watch's terminal view: on a real pseudo-terminal (test/helpers/pty.ts, 80×24) it draws on the alternate screen
 * and Ctrl-C (byte 0x03, typed as a user would) ends it with exit 0, the screen and cursor given back; and the
 * pure renderer fits any terminal size.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { BIN } from '../helpers/cli.js';
import { runOnPty } from '../helpers/pty.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { renderView, sparkline } from '../../src/cli/watch/view.js';
import type { WatchedDatabase } from '../../src/cli/watch/run.js';

const { tempDir } = scratchPerTest();

describe('lockscope watch on a terminal', () => {
  it('draws the view in place; Ctrl-C exits 0 and gives the screen back', () => {
    const dir = tempDir('lockscope-view-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    // Ready: the view's list of events is drawn.
    const r = runOnPty([process.execPath, BIN, 'watch', db, '--interval', '200ms'], { trigger: 'latest events', send: '\x03', env: { ...process.env, TERM: 'xterm' }, timeoutMs: 30_000 });
    expect([r.sent, r.code]).toEqual([true, 0]);
    // The screen and the cursor are given back: the last thing written leaves the alternate screen.
    expect(r.output.trimEnd().endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    // Each frame redraws from the top left; at most 23 lines on a 24-row terminal (the last row stays free so nothing scrolls).
    const frames = r.output.split('\x1b[H').filter((f) => f.includes('lockscope watch'));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(f.split('\x1b[K').length - 1).toBeLessThanOrEqual(23);
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
