/**
 * A real PostgreSQL server for the tests: Debian's `postgresql` package, `initdb` in a temporary directory and
 * `pg_ctl` on a free port (as the `postgres` user when the tests run as root: initdb refuses root), stopped and
 * removed after. Without the package the PostgreSQL tests are skipped — except where LOCKSCOPE_REQUIRE_PG=1
 * (.ci/run sets it), where a missing server is a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  port: number;
  /** postgres://app:…@127.0.0.1:port/appdb — the app's role, with a password in the URL. */
  appUrl: string;
  /** The superuser's URL (set-up, and the sessions the tests play). */
  adminUrl: string;
  password: string;
  /** A new client of the app's role (or the superuser); closed by stop(). */
  client(options?: { admin?: boolean; application?: string }): Promise<pg.Client>;
  stop(): Promise<void>;
}

function binDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

export const PG_BIN = binDir();
/** Whether the PostgreSQL tests run: a missing server fails them in CI (LOCKSCOPE_REQUIRE_PG=1) instead of skipping. */
export const PG_AVAILABLE = PG_BIN !== null || process.env.LOCKSCOPE_REQUIRE_PG === '1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const asRoot = process.getuid?.() === 0;
function runAsPostgres(cmd: string, args: string[]): void {
  const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

export async function startPg(): Promise<PgServer> {
  if (!PG_BIN) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql); LOCKSCOPE_REQUIRE_PG=1 makes this a failure');
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-pg-'));
  chmodSync(dir, 0o755);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runAsPostgres(join(PG_BIN, 'initdb'), ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c deadlock_timeout=200ms -c max_prepared_transactions=5 -c fsync=off`;
  runAsPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, '-o', opts, '-w', '-l', join(dir, 'log'), 'start']);
  const password = 'pw-s3cret-Q7';
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/appdb`;
  const boot = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await boot.connect();
  await boot.query(`create role app login password '${password}'`);
  await boot.query('create database appdb owner app');
  await boot.end();
  const clients: pg.Client[] = [];
  const appUrl = `postgres://app:${password}@127.0.0.1:${port}/appdb`;
  return {
    port,
    appUrl,
    adminUrl,
    password,
    async client(options = {}) {
      const c = new pg.Client({ connectionString: options.admin ? adminUrl : appUrl, application_name: options.application ?? 'test-app' });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients.splice(0)) await c.end().catch(() => undefined);
      try {
        runAsPostgres(join(PG_BIN!, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Waits until `pid` waits for a lock (pg_stat_activity.wait_event_type = 'Lock'): a readiness handshake, no sleeps. */
export async function waitUntilBlocked(admin: pg.Client, pid: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query(`select wait_event_type from pg_stat_activity where pid = $1`, [pid]);
    if (rows[0]?.wait_event_type === 'Lock') return;
    if (Date.now() > end) throw new Error(`pid ${pid} never waited for a lock`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
