/**
 * Reads one PostgreSQL database's lock state through lockscope's own read-only session: a handful of catalog
 * and statistics views (no table of the app's is read, no lock beyond AccessShare on catalogs is taken, and
 * lock_timeout/statement_timeout bound every query).
 */
import type { Client } from 'pg';
import type { Gathered } from '../../core/facts.js';
import type { PgDatabaseStats, PgFacts, PgLock, PgPreparedTransaction, PgRoleSetting, PgSession, PgSetting } from './facts.js';
import { limitSession } from './connect.js';
import { blockingTrees } from './trees.js';

/** The timeouts and limits lockscope reports (transaction_timeout exists from PostgreSQL 17). */
export const PG_SETTINGS = [
  'lock_timeout',
  'statement_timeout',
  'idle_in_transaction_session_timeout',
  'idle_session_timeout',
  'transaction_timeout',
  'deadlock_timeout',
  'log_lock_waits',
  'max_connections',
  'superuser_reserved_connections',
] as const;

async function attempt<T>(fn: () => Promise<T>): Promise<Gathered<T>> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { error: { code: e.code ?? 'ERROR', message: e.message ?? String(err) } };
  }
}

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : Math.max(0, Math.round(Number(v))));
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v));

export async function readSessions(client: Client): Promise<PgSession[]> {
  const { rows } = await client.query(`
    select pid, usename, application_name, client_addr::text as client, backend_type, state,
           extract(epoch from (clock_timestamp() - xact_start)) * 1000 as xact_ms,
           extract(epoch from (clock_timestamp() - query_start)) * 1000 as query_ms,
           extract(epoch from (clock_timestamp() - state_change)) * 1000 as state_ms,
           xact_start, query_start, wait_event_type, wait_event, left(query, 200) as query,
           pg_blocking_pids(pid) as blocked_by, datname = current_database() as here
      from pg_stat_activity
     where pid <> pg_backend_pid() and backend_type = 'client backend'`);
  const all = rows.map((r): PgSession & { here: boolean } => ({
    pid: r.pid,
    user: r.usename,
    application: r.application_name || null,
    client: r.client,
    backendType: r.backend_type,
    state: r.state,
    transactionAgeMs: ms(r.xact_ms),
    queryAgeMs: ms(r.query_ms),
    stateAgeMs: ms(r.state_ms),
    xactStart: iso(r.xact_start),
    queryStart: iso(r.query_start),
    waitEventType: r.wait_event_type,
    waitEvent: r.wait_event,
    query: r.query,
    blockedBy: (r.blocked_by as number[]) ?? [],
    here: r.here === true,
  }));
  // This database's sessions, and any session of another database that one of them waits for.
  const involved = new Set(all.filter((s) => s.here).flatMap((s) => s.blockedBy));
  return all.filter((s) => s.here || involved.has(s.pid)).map(({ here: _here, ...s }) => s);
}

export async function readLocks(client: Client, versionNum: number): Promise<PgLock[]> {
  const waitstart = versionNum >= 140000 ? `extract(epoch from (clock_timestamp() - l.waitstart)) * 1000` : 'null';
  const { rows } = await client.query(`
    select l.pid, l.locktype, l.mode, l.granted, ${waitstart} as wait_ms, p.gid,
           case when l.locktype = 'relation' then coalesce(c.relname_full, l.relation::text)
                when l.locktype = 'transactionid' then 'transaction ' || l.transactionid::text
                when l.locktype = 'virtualxid' then 'virtual transaction ' || l.virtualxid
                when l.locktype = 'advisory' then 'advisory ' || l.classid::text || ':' || l.objid::text
                when l.locktype = 'tuple' then coalesce(c.relname_full, l.relation::text) || ' row (' || l.page || ',' || l.tuple || ')'
                when l.locktype = 'object' then 'object ' || l.classid::regclass::text || ' ' || l.objid::text
                else l.locktype end as object
      from pg_locks l
      left join lateral (select n.nspname || '.' || r.relname as relname_full
                           from pg_class r join pg_namespace n on n.oid = r.relnamespace
                          where r.oid = l.relation) c on true
      left join lateral (select px.gid from pg_prepared_xacts px
                           join pg_locks x on x.pid is null and x.locktype = 'transactionid' and x.transactionid = px.transaction
                          where l.pid is null and x.virtualtransaction = l.virtualtransaction limit 1) p on true
     where (l.pid is null or l.pid <> pg_backend_pid())
       and (l.database is null or l.database = (select oid from pg_database where datname = current_database()))`);
  return rows.map((r): PgLock => ({ pid: r.pid, lockType: r.locktype, mode: r.mode, granted: r.granted, object: r.object, waitMs: r.granted ? null : ms(r.wait_ms), preparedGid: r.gid ?? null }));
}

export async function readDatabaseStats(client: Client): Promise<PgDatabaseStats> {
  // A fresh read of the cumulative statistics, not the snapshot an earlier read in this session cached.
  await client.query('select pg_stat_clear_snapshot()');
  const { rows } = await client.query(`select datname, numbackends, deadlocks, conflicts from pg_stat_database where datname = current_database()`);
  const r = rows[0];
  return { name: r.datname, backends: Number(r.numbackends), deadlocks: Number(r.deadlocks), conflicts: Number(r.conflicts) };
}

/** Gathers everything `audit` and `locks` show for the database the client is connected to. */
export async function gatherPg(client: Client, target: string): Promise<PgFacts> {
  const head = await client.query(`select current_setting('server_version') as version, current_setting('server_version_num')::int as num,
                                          current_database() as db, current_user as usr, pg_backend_pid() as pid`);
  const h = head.rows[0];
  const settingRows = await client.query(`select name, setting, unit, source from pg_settings where name = any($1)`, [PG_SETTINGS as unknown as string[]]);
  const settings: Record<string, PgSetting> = {};
  for (const r of settingRows.rows) settings[r.name] = { name: r.name, setting: r.setting, unit: r.unit, source: r.source };
  // Read before lockscope sets its own limits, so the values above are the server's, database's and role's.
  await limitSession(client);
  const roleSettings = await attempt(async (): Promise<PgRoleSetting[]> => {
    const { rows } = await client.query(`
      select r.rolname, d.datname, s.setconfig
        from pg_db_role_setting s
        left join pg_roles r on r.oid = s.setrole
        left join pg_database d on d.oid = s.setdatabase
       where s.setdatabase = 0 or d.datname = current_database()`);
    return rows.flatMap((r) =>
      ((r.setconfig as string[]) ?? []).map((kv) => {
        const eq = kv.indexOf('=');
        return { role: r.rolname ?? null, database: r.datname ?? null, name: kv.slice(0, eq), value: kv.slice(eq + 1) };
      }),
    );
  });
  const sessions = await readSessions(client);
  const locks = await attempt(() => readLocks(client, h.num));
  const prepared = await attempt(async (): Promise<PgPreparedTransaction[]> => {
    const { rows } = await client.query(`
      select p.gid, p.owner, p.database, extract(epoch from (clock_timestamp() - p.prepared)) * 1000 as age_ms,
             (select count(*) from pg_locks l
               where l.pid is null and l.locktype <> 'transactionid'
                 and l.virtualtransaction = (select x.virtualtransaction from pg_locks x
                                              where x.pid is null and x.locktype = 'transactionid' and x.transactionid = p.transaction
                                              limit 1)) as locks
        from pg_prepared_xacts p`);
    return rows.map((r) => ({ gid: r.gid, owner: r.owner, database: r.database, ageMs: ms(r.age_ms) ?? 0, locks: Number(r.locks) }));
  });
  const database = await attempt(() => readDatabaseStats(client));
  return {
    source: 'postgres',
    target,
    observedAt: new Date().toISOString(),
    server: { version: h.version, versionNum: h.num, database: h.db, user: h.usr },
    ownPid: h.pid,
    settings,
    roleSettings,
    sessions,
    locks,
    trees: blockingTrees(sessions, Array.isArray(locks) ? locks : []),
    prepared,
    database,
  };
}
