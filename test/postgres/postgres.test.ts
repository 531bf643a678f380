/**
 * lockscope against a real PostgreSQL server (test/helpers/postgres.ts): sessions that block, wait, sit idle in
 * a transaction, deadlock, prepare transactions and race on start-up DDL — and the audit, locks and stress
 * that name them. Skipped only where PostgreSQL is not installed and LOCKSCOPE_REQUIRE_PG is not 1.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';
import { PG_AVAILABLE, type PgServer, startPg, waitUntilBlocked } from '../helpers/postgres.js';
import { scratchPerTest } from '../helpers/scratch.js';

interface Json {
  exitCode: number;
  databases: { path: string; error?: { code: string; message: string }; facts?: Record<string, unknown>; findings?: { id: string; status: string; messageId: string; message: string; evidence: Record<string, unknown> }[] }[];
}
const finding = (j: Json, id: string) => j.databases[0]!.findings!.find((f) => f.id === id);
const scratch = scratchPerTest();

function runAsync(args: string[]): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return {
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))),
    kill: (s) => child.kill(s),
  };
}

/** Waits until lockscope's own session (application_name lockscope*) is connected: the run has started. */
async function waitForLockscope(admin: pg.Client, application = 'lockscope', timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const { rows } = await admin.query('select count(*)::int n from pg_stat_activity where application_name = $1', [application]);
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${application} never connected`);
}

describe.skipIf(!PG_AVAILABLE)('PostgreSQL source (real server)', () => {
  let server: PgServer;
  let admin: pg.Client;
  beforeAll(async () => {
    server = await startPg();
    admin = await server.client({ admin: true, application: 'test-admin' });
    await admin.query('create table public.t (id int primary key, v int)');
    await admin.query('insert into public.t values (1, 1), (2, 2)');
    await admin.query('grant all on public.t to app');
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('audit names the root blocker (idle in transaction), its waiter, the missing timeouts, never lockscope itself, and masks the password', async () => {
    const holder = await server.client({ application: 'billing-worker' });
    const waiter = await server.client({ application: 'web' });
    await holder.query('begin');
    await holder.query('update t set v = 10 where id = 1');
    const holderPid = (await holder.query('select pg_backend_pid() p')).rows[0].p as number;
    const waiterPid = (await waiter.query('select pg_backend_pid() p')).rows[0].p as number;
    const pending = waiter.query('update t set v = 11 where id = 1').catch((e: Error) => e);
    await waitUntilBlocked(admin, waiterPid);
    try {
      const r = runCli(['audit', server.appUrl, '--json', '--threshold', 'pg-root-blocker.warnMs=0', '--threshold', 'pg-idle-in-transaction.idleMs=0']);
      expect(r.stdout).not.toContain(server.password);
      expect(r.stderr).not.toContain(server.password);
      const j = JSON.parse(r.stdout) as Json;
      expect(j.databases[0]!.path).toBe(server.appUrl.replace(server.password, '***'));
      const root = finding(j, 'pg-root-blocker')!;
      expect(root).toMatchObject({ status: 'warn', messageId: 'blocking', evidence: { rootPid: holderPid, application: 'billing-worker', state: 'idle in transaction', blocked: [waiterPid] } });
      expect(finding(j, 'pg-idle-in-transaction')).toMatchObject({ status: 'fail', messageId: 'idle-blocking', evidence: { pid: holderPid, blocks: 1 } });
      expect(finding(j, 'pg-missing-timeouts')).toMatchObject({ status: 'warn', messageId: 'missing-timeouts' });
      const sessions = (j.databases[0]!.facts!.sessions as { application: string | null }[]).map((s) => s.application);
      expect(sessions).toContain('billing-worker');
      expect(sessions.some((a) => a?.startsWith('lockscope'))).toBe(false);
      expect(r.code).toBe(1);
      // The text of `locks` draws the tree: the root first, its waiter under it.
      const text = runCli(['locks', server.appUrl]).stdout.replace(/\s+/g, ' ');
      expect(text).not.toContain('stack:');
      expect(text).toMatch(new RegExp(`root pid ${holderPid} · app · billing-worker \\(idle in transaction`));
      expect(text).toMatch(new RegExp(`└ pid ${waiterPid} · app · web .* waits .* for ShareLock on transaction`));
      // SARIF and an error carry no password either.
      expect(runCli(['audit', server.appUrl, '--format', 'sarif']).stdout).not.toContain(server.password);
    } finally {
      await holder.query('rollback');
      await pending;
    }
    const bad = runCli(['audit', server.appUrl.replace('/appdb', '/nosuchdb')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toContain('database "nosuchdb" does not exist');
    expect(bad.stderr + bad.stdout).not.toContain(server.password);
  });

  it('timeouts set with ALTER ROLE pass pg-missing-timeouts; an orphaned prepared transaction fails', async () => {
    await admin.query("alter role app set lock_timeout = '5s'");
    await admin.query("alter role app set idle_in_transaction_session_timeout = '1min'");
    const c = await server.client();
    await c.query('begin');
    await c.query('update t set v = 3 where id = 2');
    await c.query("prepare transaction 'orphan-1'");
    try {
      const j = JSON.parse(runCli(['audit', server.appUrl, '--json', '--threshold', 'pg-prepared-transactions.ageMs=0']).stdout) as Json;
      expect(finding(j, 'pg-missing-timeouts')).toMatchObject({ status: 'pass', messageId: 'timeouts-set' });
      expect(finding(j, 'pg-prepared-transactions')).toMatchObject({ status: 'fail', messageId: 'orphaned-prepared', evidence: { gid: 'orphan-1' } });
    } finally {
      await admin.query("rollback prepared 'orphan-1'");
      await admin.query('alter role app reset all');
    }
  });

  it('locks --for sees a deadlock in the window, and who waited', async () => {
    const a = await server.client({ application: 'a' });
    const b = await server.client({ application: 'b' });
    const aPid = (await a.query('select pg_backend_pid() p')).rows[0].p as number;
    const run = runAsync(['locks', server.appUrl, '--for', '3s', '--json']);
    // The sampling session (not the first snapshot's) is connected: the window has begun.
    await waitForLockscope(admin, 'lockscope-sample');
    await a.query('begin');
    await b.query('begin');
    await a.query('update t set v = 1 where id = 1');
    await b.query('update t set v = 2 where id = 2');
    const first = a.query('update t set v = 1 where id = 2').catch((e: { code?: string }) => e);
    await waitUntilBlocked(admin, aPid);
    const second = b.query('update t set v = 2 where id = 1').catch((e: { code?: string }) => e);
    const outcomes = await Promise.all([first, second]);
    expect(outcomes.some((o) => (o as { code?: string })?.code === '40P01')).toBe(true);
    await a.query('rollback').catch(() => undefined);
    await b.query('rollback').catch(() => undefined);
    // A backend reports its statistics at exit at once (an idle one may wait up to ~10 s): end both sessions.
    await a.end();
    await b.end();
    const r = await run.done;
    const j = JSON.parse(r.stdout) as Json;
    expect(finding(j, 'pg-deadlocks')).toMatchObject({ status: 'fail', messageId: 'deadlocks' });
    const window = j.databases[0]!.facts!.window as { sessions: { pid: number; samplesWaiting: number }[]; timeline: { holds: { lock: string }[] } };
    expect(window.sessions.some((s) => s.samplesWaiting > 0)).toBe(true);
    expect(window.timeline.holds.some((h) => h.lock === 'WAITING')).toBe(true);
    expect(r.code).toBe(1);
  }, 30_000);

  it('stress --ddl-race --compare reproduces the start-up race and shows the advisory lock removes it; no scratch schema is left', async () => {
    // A scratch schema left by a killed run (its owner's advisory lock is free): dropped by this run.
    const app = await server.client();
    await app.query('create schema lockscope_stress_1_dead00');
    const r = runCli(['stress', server.appUrl, '--ddl-race', '--compare', '--writers', '8', '--rounds', '12', '--json'], { timeoutMs: 60_000 });
    const j = JSON.parse(r.stdout) as Json;
    const race = j.databases[0]!.facts!.ddlRace as { arms: { arm: string; succeeded: number; rounds: number; sessions: number; errors: Record<string, number> }[]; leftoversDropped: string[] };
    const [plain, locked] = race.arms;
    expect(locked!.succeeded).toBe(locked!.rounds * locked!.sessions);
    expect(plain!.succeeded).toBeLessThan(plain!.rounds * plain!.sessions);
    expect(race.leftoversDropped).toEqual(['lockscope_stress_1_dead00']);
    expect(finding(j, 'pg-ddl-race')).toMatchObject({ status: 'fail', messageId: 'race-fixed-by-lock' });
    expect(r.code).toBe(1);
    const left = await admin.query("select nspname from pg_namespace where nspname like 'lockscope%'");
    expect(left.rows).toEqual([]);
    // Nothing outside the scratch schema was written: the app's table is as it was.
    expect((await admin.query('select count(*)::int n from t')).rows[0].n).toBe(2);
  }, 60_000);

  it('Ctrl-C (SIGINT) during the race drops the scratch schema and exits 130', async () => {
    const run = runAsync(['stress', server.appUrl, '--ddl-race', '--rounds', '100000', '--writers', '2']);
    await waitForLockscope(admin, 'lockscope-ddl-race');
    const end = Date.now() + 10_000;
    while ((await admin.query("select count(*)::int n from pg_namespace where nspname like 'lockscope_stress_%'")).rows[0].n === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    run.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted by SIGINT');
    expect((await admin.query("select count(*)::int n from pg_namespace where nspname like 'lockscope_stress_%'")).rows[0].n).toBe(0);
  }, 30_000);

  it('refuses what it cannot honour: a remote server without --yes, SQLite flags on a PostgreSQL target, --ddl-race on a SQLite file, a qualified --ddl-file', () => {
    const remote = runCli(['stress', 'postgres://app:secret@192.0.2.1/appdb', '--ddl-race']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('is not on this machine');
    expect(remote.stderr).not.toContain('secret');
    const mixed = runCli(['stress', server.appUrl, '--ddl-race', '--live']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--live is for SQLite databases');
    const dir = scratch.tempDir();
    const sqlite = runCli(['stress', join(dir, 'app.db'), '--ddl-race']);
    expect(sqlite.code).toBe(2);
    expect(sqlite.stderr).toContain('--ddl-race is for PostgreSQL targets');
    const ddl = join(dir, 'ddl.sql');
    writeFileSync(ddl, 'CREATE TABLE public.x (id int);\n');
    const qualified = runCli(['stress', server.appUrl, '--ddl-race', '--ddl-file', ddl]);
    expect(qualified.code).toBe(2);
    expect(qualified.stderr).toContain('names a schema');
    const plain = runCli(['stress', server.appUrl]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('--ddl-race');
  });
});
