/** `lockscope demo` as a user runs it: five real set-ups built by child processes, audited, removed. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The block of output that belongs to scenario n (from its `── n/N` line to the next one). */
function scenario(stdout: string, n: number): string {
  const blocks = stdout.split(/^── /m).slice(1);
  return blocks[n - 1] ?? '';
}

describe('lockscope demo', () => {
  it('shows each failing set-up failing for its real cause, the fixed one passing, and removes its directory', () => {
    const r = runCli(['demo'], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lockscope demo: 5 databases in (\S+)/);
    const dir = /lockscope demo: 5 databases in (\S+)/.exec(r.stdout)![1]!;
    expect(existsSync(dir)).toBe(false);

    // The upgrade trap: a healthy WAL file and a 30 s busy timeout, and still a failure, from the Django default.
    const trap = scenario(r.stdout, 2);
    expect(trap).toContain('--busy-timeout 30000 --stack django');
    expect(trap).toContain('✔ WAL is enabled in the file (journal-mode)');
    // (a title may wrap onto a second line: [^✔⚠✖] lets the match go on within the finding's head)
    expect(trap).toMatch(/✖ [^✔⚠✖]*\(transaction-mode\)/);
    expect(trap).not.toContain('✔ Connections wait for locks');
    expect(trap).toContain('[django]');
    expect(trap).not.toContain('[sqlalchemy]');
    expect(trap).toMatch(/exit 1$/m);

    expect(scenario(r.stdout, 1)).toMatch(/✖ [^✔⚠✖]*\(busy-timeout\)/);
    expect(scenario(r.stdout, 3)).toMatch(/⚠ [^✔⚠✖]*\(checkpoint-lag\)/);
    expect(scenario(r.stdout, 4)).toMatch(/✖ [^✔⚠✖]*\(hot-journal\)/);
    const fixed = scenario(r.stdout, 5);
    expect(fixed).not.toMatch(/^[✖⚠]/m);
    expect(fixed).toMatch(/0 failed .*exit 0$/m);
  });
});
