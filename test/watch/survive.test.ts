/**
 * watch goes on through what happens to files in production: the database replaced by another file (a restore,
 * a rename over it), deleted and created again, and its own events file rotated away (logrotate's create
 * mode). Each is an event, never a crash; the events file is reopened at its path, and --textfile keeps being
 * replaced whole.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, python } from '../../fixtures/databases.js';
import { buildHotJournal } from '../../fixtures/journals.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { waitFor } from '../../fixtures/holders.js';
import { startWatch } from './helpers.js';

const { tempDir } = scratchPerTest();

describe('lockscope watch survives its files changing', () => {
  it('database replaced, deleted, recreated; events file rotated: events, and exit 0 on SIGTERM', async () => {
    const dir = tempDir('lockscope-survive-');
    const db = join(dir, 'app.db');
    const events = join(dir, 'events.ndjson');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    const textfile = join(dir, 'lockscope.prom');
    const w = startWatch([db, '--interval', '200ms', '--hz', '20', '--events', events, '--textfile', textfile], events);
    try {
      await waitFor(() => (w.stderr().includes('lockscope: watching') ? true : undefined), 'watch started', 10_000);
      buildDatabase(join(dir, 'new.db'), { journalMode: 'delete', rows: 3 });
      renameSync(join(dir, 'new.db'), db);
      const replaced = await w.next((e) => e.kind === 'database-replaced', 'database-replaced');
      expect(replaced.type).toBe('note');

      renameSync(events, `${events}.1`);
      // logrotate's postrotate habit: SIGHUP reopens the file; it does not end watch (the exit code below is 0).
      w.child.kill('SIGHUP');
      rmSync(db);
      const gone = await w.next((e) => e.kind === 'database-unreadable' && e.type === 'start', 'database-unreadable start');
      expect(gone.message).toContain('no such file');
      buildDatabase(db, { journalMode: 'wal', rows: 5 });
      const back = await w.next((e) => e.type === 'end' && e.id === gone.id, 'database-unreadable end');
      expect(back.message).toMatch(/^readable again after [\d.]+ s$/);
      // The rotated file kept what was written before; the new file at the path got what came after.
      expect(existsSync(events)).toBe(true);
      expect(readFileSync(events, 'utf8')).toContain(`"id":"${gone.id}","kind":"database-unreadable"`);
      expect(readFileSync(`${events}.1`, 'utf8')).toContain('"kind":"database-replaced"');
      // The textfile is replaced whole each interval (never a temporary file left beside it) and is valid exposition.
      await waitFor(() => (readFileSync(textfile, 'utf8').includes(`lockscope_database_up{database="${db}"} 1`) ? true : undefined), 'textfile up again', 10_000);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: readFileSync(textfile, 'utf8'), encoding: 'utf8' });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
    expect(w.stderr()).toBe(`lockscope: watching ${db} every 0.2 s (SIGINT or SIGTERM stops)\n`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 20_000);

  it('a hot journal appearing (a writer killed mid-transaction) is an event, which ends once the next opener rolls it back', async () => {
    const dir = tempDir('lockscope-survive-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'delete', rows: 10 });
    const w = startWatch([db, '--interval', '200ms', '--hz', '20']);
    try {
      await waitFor(() => (w.stderr().includes('lockscope: watching') ? true : undefined), 'watch started', 10_000);
      buildHotJournal(db);
      const hot = await w.next((e) => e.kind === 'hot-journal' && e.type === 'start', 'hot-journal start');
      expect(hot).toMatchObject({ check: 'hot-journal', status: 'fail' });
      python(db, 'c = sqlite3.connect(db)\nc.execute("SELECT count(*) FROM t").fetchall()\nc.close()');
      const gone = await w.next((e) => e.type === 'end' && e.id === hot.id, 'hot-journal end');
      expect(gone.message).toMatch(/^no hot journal any more after [\d.]+ s$/);
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
  }, 20_000);
});
