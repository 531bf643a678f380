/**
 * A real holder whose command line carries a bidi override and 100,000 characters: every text output shows
 * it escaped and cut; the JSON keeps all of it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState } from '../../fixtures/databases.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;

describe('hostile command lines of lock holders', () => {
  it('bidi controls escaped, 100,000 characters cut with a marker in text formats, whole in JSON', async () => {
    const dir = scratch.tempDir('lockscope-escape-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal' });
    const long = 'x'.repeat(100_000);
    const holder = await holdState(db, 'wal-write', ['\u202e\u2066evil', long]);
    scratch.holders.push(holder);
    // The longest run of the argument's character: without the cut, the whole 100,000 of them.
    const longestRun = (text: string) => Math.max(0, ...(text.match(/x+/g) ?? []).map((run) => run.length));
    for (const args of [['locks', db], ['audit', db], ['audit', db, '--format', 'markdown'], ['audit', db, '--format', 'github'], ['audit', db, '--format', 'junit']]) {
      const r = runCli(args);
      expect(r.stdout, args.join(' ')).not.toMatch(RAW_UNSAFE);
      expect(r.stdout, args.join(' ')).toContain('\\u202e');
      // Without the cut, the whole 100,000-character argument is printed (a GitHub annotation is one long line
      // of every finding and fix anyway, so the line length says nothing).
      expect(longestRun(r.stdout), args.join(' ')).toBeLessThan(1_000);
    }
    expect(runCli(['locks', db]).stdout).toMatch(/… \(\+[\d,]+ chars\)/);
    const json = JSON.parse(runCli(['locks', db, '--json']).stdout);
    const h = json.databases[0].holders.find((x: { pid: number }) => x.pid === holder.pid);
    expect(h.command.length).toBeGreaterThan(100_000);
    expect(h.command).toContain(long);
    // JSON keeps the string as read (JSON.stringify escapes control characters, not U+202E).
    expect(h.command).toContain('\u202e\u2066evil');
  });
});
