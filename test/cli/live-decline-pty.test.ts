/**
 * `stress --live` asks before it writes to the database; answered "no" on a real terminal (python3's pty
 * module), it writes nothing and exits with a code of its own (3), not 2 (a usage error) nor 0 (a clean run).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { EXIT_NOT_CONFIRMED } from '../../src/core/exit-code.js';
import { BIN, cleanEnv, sha256 } from '../helpers/cli.js';
import { runOnPty } from '../helpers/pty.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

describe('stress --live declined at the prompt', () => {
  it.each([['n\r'], ['\r']])('answer %j: exit 3, nothing written', (answer) => {
    const dir = scratch.tempDir('lockscope-pty-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    const before = sha256(db);
    const r = runOnPty([process.execPath, BIN, 'stress', db, '--live', '--transactions', '5'], { trigger: '[y/N]', send: answer, env: cleanEnv({ TERM: 'xterm' }) });
    expect(r.sent).toBe(true);
    expect(r.code).toBe(EXIT_NOT_CONFIRMED);
    expect(EXIT_NOT_CONFIRMED).toBe(3);
    expect(r.output).toContain('lockscope: not confirmed: nothing was written (exit 3)');
    expect(sha256(db)).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['app.db']);
  });
});
