/**
 * Progress of the long commands on stderr (`--progress`), as a CI log or a pipe sees it: stdout stays the report
 * alone (it parses as JSON) while stderr has the pgbench -P style lines.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState } from '../../fixtures/databases.js';
import type { Io } from '../../src/cli/io.js';
import { DEFAULT_LINE_EVERY_MS, progressPlan } from '../../src/cli/progress.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

function walDb(): string {
  const db = join(scratch.tempDir('lockscope-progress-'), 'app.db');
  buildDatabase(db, { journalMode: 'wal' });
  return db;
}

describe('--progress', () => {
  it('stress --json: stdout is the JSON report only, stderr has progress lines (elapsed, tx/s, BUSY by kind, p99)', () => {
    const db = walDb();
    const r = runCli(['stress', db, '--duration', '1500ms', '--writers', '2', '--busy-timeout', '0', '--json', '--progress', '200ms'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(2);
    expect(JSON.parse(r.stdout).command).toBe('stress');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('progress: '));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^progress: \d+\.\d s · [\d,]+ tx\/s · (no BUSY|SQLITE_[A-Z_]+ [\d,]+( · SQLITE_[A-Z_]+ [\d,]+)*) · p99 (-|\d+\.\d ms)$/);
  });

  it('locks --for --json: stdout is the JSON report only, stderr has lines with the holder, its write hold so far and the WAL frames', async () => {
    const db = walDb();
    const writer = await holdState(db, 'wal-write');
    scratch.holders.push(writer);
    const r = runCli(['locks', db, '--for', '1200ms', '--json', '--progress', '200ms'], { timeoutMs: 30_000 });
    expect(JSON.parse(r.stdout).databases[0].sampling.samples).toBeGreaterThan(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('progress: '));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^progress: \\d+\\.\\d s · 1 process holding locks · longest write hold \\d+\\.\\d s \\(pid ${writer.pid}\\) · WAL \\d+ frames$`));
  });

  it('off (or 0): no line; a number without a unit, or --progress without --for, is a usage error', () => {
    const db = walDb();
    const off = runCli(['locks', db, '--for', '300ms', '--progress', 'off']);
    expect(off.code).toBe(0);
    expect(off.stderr).not.toContain('progress:');
    const bare = runCli(['stress', db, '--progress', '5']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--progress needs a unit: 5s or 5ms, or off/);
    const snapshot = runCli(['locks', db, '--progress', '2s']);
    expect(snapshot.code).toBe(2);
    expect(snapshot.stderr).toContain('--progress needs --for');
  });

  it('the default: off a terminal a line every 5 s (CI logs show life); on one, the live line only; off: nothing', () => {
    const io = (tty: boolean) => ({ stderrCanAnimate: tty }) as Io;
    expect(DEFAULT_LINE_EVERY_MS).toBe(5000);
    expect(progressPlan(undefined, io(false), false)).toEqual({ live: false, lineEveryMs: 5000 });
    expect(progressPlan(undefined, io(false), true)).toEqual({ live: false, lineEveryMs: 5000 });
    expect(progressPlan(undefined, io(true), false)).toEqual({ live: true, lineEveryMs: null });
    expect(progressPlan(2000, io(true), false)).toEqual({ live: true, lineEveryMs: 2000 });
    expect(progressPlan(0, io(true), false)).toEqual({ live: false, lineEveryMs: null });
  });
});
