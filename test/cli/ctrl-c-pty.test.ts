/**
 * Ctrl-C in a real terminal: the command runs on a pseudo-terminal (python3's pty module), the spinner starts,
 * and the test types Ctrl-C (byte 0x03) as a user would. The terminal driver turns it into SIGINT only while
 * the terminal is not in raw mode, which ora's default stdin discarding would switch on.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState } from '../../fixtures/databases.js';
import { BIN } from '../helpers/cli.js';
import { runOnPty } from '../helpers/pty.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

/** A user's terminal: ora draws nothing when CI is set (as it is where .ci/run runs), and the spinner's raw mode is what these tests are about. */
function terminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', COLUMNS: '80' };
  delete env.CI;
  return env;
}

/** Runs lockscope on a pty 80 columns wide; once `cue` shows (readiness: the spinner's live line), types Ctrl-C. */
function onPty(cue: string, args: string[]): { screen: string; last: string } {
  const r = runOnPty([process.execPath, BIN, ...args], { trigger: cue, send: '\x03', env: terminalEnv(), timeoutMs: 40_000 });
  return { screen: r.output, last: `${r.sent ? 'SENT' : 'NOT-SENT'} ${r.code}` };
}

describe('Ctrl-C on a real terminal', () => {
  it('stops lockscope stress at once: exit 130, scratch files removed', () => {
    const dir = scratch.tempDir('lockscope-pty-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    const { last, screen } = onPty('tx/s', ['stress', db, '--duration', '60s']);
    expect(last).toBe('SENT 130');
    // The partial results are printed, and the summary line says the exit code the shell sees.
    expect(screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\s+/g, " ")).toMatch(/exit 130 \(interrupted by SIGINT: partial results\)/);
    expect(readdirSync(dir).filter((f) => f.includes('lockscope-stress'))).toEqual([]);
  }, 70_000);

  it('stops lockscope locks --for at once (once its live progress line shows): the window sampled so far is reported, exit 130', async () => {
    const dir = scratch.tempDir('lockscope-pty-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    const writer = await holdState(db, 'wal-write');
    try {
      const { last, screen } = onPty('holding locks', ['locks', db, '--for', '60s']);
      expect(last).toBe('SENT 130');
      // The sampling section of the partial window, with the holder it saw, and the real exit code.
      expect(screen).toContain(`${writer.pid}`);
      expect(screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\s+/g, " ")).toMatch(/exit 130 \(interrupted by SIGINT: partial results\)/);
    } finally {
      await writer.stop();
    }
  }, 70_000);
});
