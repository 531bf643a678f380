/**
 * PostgreSQL: what lockscope's queries cost on a server with a few hundred sessions (some blocked in a tree),
 * and how often the start-up DDL race fires for N sessions, with and without the advisory lock.
 */
import type pg from 'pg';
import { PG_BIN, startPg } from '../fixtures/postgres.js';
import { connect } from '../src/sources/postgres/connect.js';
import { runDdlRace } from '../src/sources/postgres/ddl-race.js';
import { gatherPg } from '../src/sources/postgres/gather.js';
import { median } from './util.js';

export async function run(): Promise<void> {
  if (!PG_BIN) {
    console.log('  PostgreSQL not installed (apt-get install postgresql): skipped');
    return;
  }
  const server = await startPg({ maxConnections: 400 });
  try {
    const admin = await server.client({ admin: true });
    await admin.query('create table public.t (id int primary key, v int)');
    await admin.query('insert into t select g, 0 from generate_series(1, 100) g');
    await admin.query('grant all on t to app');
    await admin.end();
    const sessions: pg.Client[] = [];
    for (let i = 0; i < 300; i++) sessions.push(await server.client({ application: `worker-${i}` }));
    // A tree: one holder idle in transaction, 20 waiters on its row.
    await sessions[0]!.query('begin');
    await sessions[0]!.query('update t set v = 1 where id = 1');
    for (let i = 1; i <= 20; i++) void sessions[i]!.query('update t set v = 2 where id = 1').catch(() => undefined);
    // 30 more in transactions holding row locks of their own.
    for (let i = 21; i <= 50; i++) {
      await sessions[i]!.query('begin');
      await sessions[i]!.query('update t set v = 3 where id = $1', [i + 10]);
    }
    const client = await connect(server.appUrl);
    const times: number[] = [];
    let trees = 0;
    for (let k = 0; k < 15; k++) {
      const t = process.hrtime.bigint();
      const facts = await gatherPg(client, 'bench');
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      trees = facts.trees.length;
    }
    await client.end();
    console.log(`  gather (settings, activity, locks + pg_blocking_pids, prepared, stats) with ${sessions.length} sessions, ${trees} tree of 20 waiters: median ${median(times).toFixed(1)} ms over 15`);
    for (const s of sessions) await s.end().catch(() => undefined);

    for (const n of [2, 4, 8, 16]) {
      const race = await runDdlRace(server.appUrl, { sessions: n, rounds: 20, compare: true });
      const [plain, locked] = race.arms;
      const rate = (a: typeof plain) => `${a!.rounds * a!.sessions - a!.succeeded}/${a!.rounds * a!.sessions} failed (${(((a!.rounds * a!.sessions - a!.succeeded) / (a!.rounds * a!.sessions)) * 100).toFixed(1)} %), ${a!.durationMs} ms`;
      const e = plain!.errors;
      console.log(`  ddl race ${String(n).padStart(2)} sessions × 20 rounds: plain ${rate(plain)} [tuple ${e.tupleConcurrentlyUpdated} · unique ${e.uniqueViolation} · exists ${e.alreadyExists} · other ${e.other + e.deadlock}] · advisory lock ${rate(locked)}`);
    }
  } finally {
    await server.stop();
  }
}
