/**
 * A real Prometheus server (Debian's prometheus package) scrapes `lockscope watch --metrics` on localhost, and the
 * value it stores for lockscope_wal_bytes is the -wal file's size; `promtool check metrics` accepts the exposition.
 * Prometheus runs from a temporary config with its own storage folder, on a free port, scraping every second.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { waitFor } from '../../fixtures/holders.js';
import { ROOT } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { startWatch } from './helpers.js';

const { holders, tempDir } = scratchPerTest();
const hasPrometheus = spawnSync('prometheus', ['--version']).status === 0 && spawnSync('promtool', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts prometheus and resolves once it says it is ready (its readiness line on stderr). */
function startPrometheus(dir: string, target: string, port: number): Promise<ChildProcessWithoutNullStreams> {
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: lockscope\n    static_configs:\n      - targets: ['${target}']\n`);
  const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`prometheus not ready: ${err}`));
    }, 20_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('Server is ready to receive web requests')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`prometheus exited with ${code}: ${err}`)));
  });
}

describe.skipIf(!hasPrometheus)('lockscope watch --metrics scraped by a real Prometheus', () => {
  it('stores lockscope_wal_bytes equal to the -wal file size; promtool accepts the exposition', async () => {
    const dir = tempDir('lockscope-prom-');
    const db = join(dir, 'app.db');
    buildDatabase(db, { journalMode: 'wal', rows: 10 });
    // An idle connection keeps the WAL (the last close would checkpoint and delete it); then commits fill it.
    holders.push(await holdState(db, 'wal-idle'));
    python(db, 'c = sqlite3.connect(db, isolation_level=None)\nfor i in range(25):\n    c.execute("INSERT INTO t(v) VALUES (?)", ("z" * 100,))\nc.close()');
    const walBytes = statSync(`${db}-wal`).size;
    expect(walBytes).toBeGreaterThan(0);

    // Prometheus starts (its slowest part) while watch starts: both on free ports picked here.
    const [port, promPort] = [await freePort(), await freePort()];
    const w = startWatch([db, '--metrics', `127.0.0.1:${port}`, '--interval', '200ms'], join(dir, 'events.ndjson'));
    const starting = startPrometheus(dir, `127.0.0.1:${port}`, promPort);
    let prometheus: ChildProcessWithoutNullStreams | null = null;
    try {
      await waitFor(() => (w.stderr().includes(`serving metrics on http://127.0.0.1:${port}/metrics`) ? true : undefined), 'watch listening', 10_000);
      const url = `http://127.0.0.1:${port}/metrics`;
      const exposition = await (await fetch(url)).text();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
      for (const name of ['lockscope_wal_bytes', 'lockscope_checkpoint_lag_frames', 'lockscope_write_lock_held_seconds', 'lockscope_longest_reader_seconds', 'lockscope_lock_holders', 'lockscope_stalled_holders', 'lockscope_events_total']) {
        expect(exposition).toContain(`# TYPE ${name} `);
      }
      expect(await (await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

      prometheus = await starting;
      const query = `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(`lockscope_wal_bytes{database="${db}"}`)}`;
      let stored: string | undefined;
      const deadline = Date.now() + 20_000;
      while (stored === undefined && Date.now() < deadline) {
        const body = (await (await fetch(query)).json()) as { data: { result: { value: [number, string] }[] } };
        stored = body.data.result[0]?.value[1];
        if (stored === undefined) await new Promise((r) => setTimeout(r, 200));
      }
      expect(stored, 'a stored lockscope_wal_bytes sample').toBeDefined();
      expect(Number(stored)).toBe(walBytes);
      expect(statSync(`${db}-wal`).size).toBe(walBytes);
    } finally {
      prometheus ??= await starting.catch(() => null);
      if (prometheus && prometheus.exitCode === null) {
        const p = prometheus;
        await new Promise((resolve) => {
          p.once('exit', resolve);
          p.kill('SIGTERM');
        });
      }
      expect(await w.stop('SIGTERM')).toBe(0);
    }
  }, 30_000);

  it("the README's alert rules pass promtool check rules", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rules = /Prometheus alert rules[^\n]*\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(rules).toContain('lockscope_stalled_holders');
    const file = join(tempDir('lockscope-rules-'), 'rules.yml');
    writeFileSync(file, rules!);
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});
