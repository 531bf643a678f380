/**
 * `lockscope watch --once`, the health check: one Nagios plugin line with perfdata, and the plugin exit codes —
 * 0 OK, 1 WARNING, 2 CRITICAL (a holder stopped with SIGSTOP), 3 UNKNOWN (no such database) — on real files and
 * a real stopped process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState } from '../../fixtures/databases.js';
import { waitFor } from '../../fixtures/holders.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const { holders, tempDir } = scratchPerTest();
const ONCE = ['watch', '--once', '--interval', '100ms'];

/** perfdata of the line: label → { value, unit, warn, crit }. */
function perfdata(line: string): Record<string, { value: number; unit: string; warn: string; crit: string }> {
  const out: Record<string, { value: number; unit: string; warn: string; crit: string }> = {};
  const perf = line.split(' | ')[1] ?? '';
  for (const m of perf.matchAll(/'([^']+)'=([\d.]+)([a-zA-Z%]*);([\d.]*);([\d.]*);0;/g)) out[m[1]!] = { value: Number(m[2]), unit: m[3]!, warn: m[4]!, crit: m[5]! };
  return out;
}

describe('lockscope watch --once', () => {
  it('OK (exit 0) on a quiet database, with perfdata and the thresholds in force', () => {
    const dir = tempDir('lockscope-once-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const r = runCli([...ONCE, db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^LOCKSCOPE OK - .+ \| /);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const perf = perfdata(r.stdout);
    expect(perf.wal_bytes).toEqual({ value: 0, unit: 'B', warn: String(64 * 1024 * 1024), crit: String(1024 * 1024 * 1024) });
    expect(perf.write_lock_held_seconds).toMatchObject({ value: 0, unit: 's', warn: '1', crit: '30' });
  });

  it('WARNING (exit 1) when the checkpoint lag is over the checkpoint-lag warning set by --threshold; perfdata shows the WAL', async () => {
    const dir = tempDir('lockscope-once-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    holders.push(await holdState(db, 'wal-write'));
    const r = runCli([...ONCE, db, '--threshold', 'checkpoint-lag.warnFrames=1']);
    expect(r.stdout).toMatch(/^LOCKSCOPE WARNING - .*checkpoint-lag: /);
    expect(r.code).toBe(1);
    const perf = perfdata(r.stdout);
    expect(perf.wal_bytes!.value).toBeGreaterThan(0);
    expect(perf.checkpoint_lag_frames!.value).toBeGreaterThan(1);
    expect(perf.checkpoint_lag_frames!.warn).toBe('1');
    expect(perf.lock_holders!.value).toBe(1);
  });

  it('CRITICAL (exit 2) when a write-lock holder is stopped (SIGSTOP)', async () => {
    const dir = tempDir('lockscope-once-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const h = await holdState(db, 'wal-write');
    holders.push(h);
    process.kill(h.pid, 'SIGSTOP');
    await waitFor(() => (/\) T /.test(readFileSync(`/proc/${h.pid}/stat`, 'utf8')) ? true : undefined), 'stopped');
    const r = runCli([...ONCE, db]);
    expect(r.stdout).toMatch(new RegExp(`^LOCKSCOPE CRITICAL - .*${h.pid}.* stopped`));
    expect(r.code).toBe(2);
    process.kill(h.pid, 'SIGCONT');
  });

  it('UNKNOWN (exit 3) when the database does not exist', () => {
    const dir = tempDir('lockscope-once-');
    const r = runCli([...ONCE, join(dir, 'missing.db')]);
    expect(r.stdout).toMatch(/^LOCKSCOPE UNKNOWN - .*missing\.db: no such file/);
    expect(r.code).toBe(3);
  });
});
