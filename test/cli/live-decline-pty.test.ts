/**
 * `stress --live` asks before it writes to the database; answered "no" on a real terminal (python3's pty
 * module), it writes nothing and exits with a code of its own (3), not 2 (a usage error) nor 0 (a clean run).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { EXIT_NOT_CONFIRMED } from '../../src/core/exit-code.js';
import { BIN, cleanEnv, sha256 } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

// Runs argv on a pty; once the prompt shows (readiness), types the answer; prints the exit status and the output.
const DRIVER = String.raw`
import os, pty, sys, select, time
answer = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen, sent, deadline = b'', False, time.time() + 30
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
    if not sent and b'[y/N]' in seen:
        os.write(fd, answer); sent = True
    if time.time() > deadline:
        os.kill(pid, 9)
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode('utf8', 'replace'))
print('\n' + ('SENT' if sent else 'NOT-SENT'), os.waitstatus_to_exitcode(status))
`;

describe('stress --live declined at the prompt', () => {
  it.each([['n\r'], ['\r']])('answer %j: exit 3, nothing written', (answer) => {
    const dir = scratch.tempDir('lockscope-pty-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    const before = sha256(db);
    const r = spawnSync('python3', ['-c', DRIVER, answer, process.execPath, BIN, 'stress', db, '--live', '--transactions', '5'], {
      encoding: 'utf8',
      timeout: 40_000,
      env: cleanEnv({ TERM: 'xterm' }),
    });
    const lines = r.stdout.trim().split('\n');
    expect(lines.pop()).toBe(`SENT ${EXIT_NOT_CONFIRMED}`);
    expect(EXIT_NOT_CONFIRMED).toBe(3);
    expect(r.stdout).toContain('lockscope: not confirmed: nothing was written (exit 3)');
    expect(sha256(db)).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['app.db']);
  });
});
