/**
 * watch's flags as a user meets them: a bad --metrics address, a port already taken, an --events file that cannot
 * be opened, --once mixed with the monitor's flags: one line on stderr (or the plugin line), and the documented
 * exit code, never a stack trace. And a rollback-journal database: a long RESERVED hold is a write-lock event, and
 * no attach notes are made (an idle connection holds no lock there).
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState } from '../../fixtures/databases.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { parseListen } from '../../src/cli/watch/metrics.js';
import { startWatch } from './helpers.js';

const { holders, tempDir } = scratchPerTest();

describe('lockscope watch flags', () => {
  it('--metrics: [host:]port, 127.0.0.1 when no host is given', () => {
    expect(parseListen('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListen('localhost:99999')).toBeNull();
    expect(parseListen('host:')).toBeNull();
  });

  it('refuses what it cannot do, in one line, exit 2 (the monitor) or 3 (--once, the plugin contract)', async () => {
    const dir = tempDir('lockscope-watch-flags-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 3 });
    const events = runCli(['watch', db, '--events', join(dir, 'no', 'such', 'dir', 'e.ndjson')]);
    expect(events.code).toBe(2);
    expect(events.stderr).toMatch(/^lockscope: cannot open --events .*: ENOENT\n$/);
    const mixed = runCli(['watch', '--once', db, '--metrics', '9464']);
    expect([mixed.code, mixed.stdout]).toEqual([3, 'LOCKSCOPE UNKNOWN - --once prints one status line; --events, --metrics and --textfile belong to the monitor\n']);
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (taken.address() as { port: number }).port;
      const busy = runCli(['watch', db, '--metrics', String(port)]);
      expect([busy.code, busy.stderr]).toEqual([2, `lockscope: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`]);
    } finally {
      taken.close();
    }
  });

  it('rollback journal: a RESERVED hold is a write-lock event with its end; no attach notes', async () => {
    const dir = tempDir('lockscope-watch-flags-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'delete', rows: 3 });
    const h = await holdState(db, 'rb-reserved');
    holders.push(h);
    const w = startWatch([db, '--interval', '200ms', '--hz', '20', '--threshold', 'long-write-lock.warnMs=300ms']);
    try {
      const held = await w.next((e) => e.kind === 'write-lock-held' && e.type === 'start', 'write-lock-held start');
      expect(held.pid).toBe(h.pid);
      await h.stop();
      const end = await w.next((e) => e.type === 'end' && e.id === held.id, 'write-lock-held end');
      expect(end.message).toMatch(/^(released|pid \d+ ended or let go of the database; the write lock was released) after [\d.]+ s$/);
      expect(w.events.filter((e) => e.kind === 'attached' || e.kind === 'detached')).toEqual([]);
    } finally {
      expect(await w.stop('SIGINT')).toBe(0);
    }
  }, 20_000);
});
