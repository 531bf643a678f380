/**
 * Ctrl-C in a real terminal: the command runs on a pseudo-terminal (test/helpers/pty.ts), the spinner starts,
 * and the test types Ctrl-C as a user would. The terminal driver turns it into SIGINT only while the terminal
 * is not in raw mode, which ora's default stdin discarding would switch on.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { BIN } from '../helpers/cli.js';
import { ctrlCOnPty } from '../helpers/pty.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

describe('Ctrl-C on a real terminal', () => {
  it('stops lockscope stress at once: exit 130, scratch files removed', () => {
    const dir = scratch.tempDir('lockscope-pty-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    // A user's terminal: ora draws nothing when CI is set (as it is where .ci/run runs), and the spinner's raw
    // mode is what this test is about.
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', COLUMNS: '80' };
    delete env.CI;
    // Ready: the spinner's progress shows.
    const r = ctrlCOnPty([process.execPath, BIN, 'stress', db, '--duration', '60s'], 'tx/s', env);
    expect([r.sent, r.exitCode]).toEqual([true, 130]);
    expect(readdirSync(dir).filter((f) => f.includes('lockscope-stress'))).toEqual([]);
  }, 70_000);
});
