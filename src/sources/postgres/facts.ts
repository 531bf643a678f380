/**
 * What the PostgreSQL source gathers from one server (one database): its version, the timeouts in force, the
 * sessions, the blocking trees built from pg_blocking_pids(), prepared transactions and the database's
 * counters. lockscope's own backend is never among them.
 */
import type { Gathered } from '../../core/facts.js';
import type { LockTimeline } from '../../core/series.js';
import type { PgDdlRace } from './ddl-race.js';

/** A setting as pg_settings reports it in lockscope's session (server, database and lockscope's role). */
export interface PgSetting {
  name: string;
  /** Raw value in `unit` (pg_settings.setting). */
  setting: string;
  unit: string | null;
  /** pg_settings.source: default, configuration file, database, user, … */
  source: string;
}

/** A setting of an app's role (or of the database) from ALTER ROLE/DATABASE … SET (pg_db_role_setting). */
export interface PgRoleSetting {
  role: string | null;
  database: string | null;
  name: string;
  value: string;
}

export interface PgSession {
  pid: number;
  user: string | null;
  application: string | null;
  client: string | null;
  backendType: string | null;
  /** active, idle, idle in transaction, idle in transaction (aborted), … */
  state: string | null;
  /** Ages in ms at the moment of the snapshot; null when not in a transaction / no query yet. */
  transactionAgeMs: number | null;
  queryAgeMs: number | null;
  stateAgeMs: number | null;
  xactStart: string | null;
  queryStart: string | null;
  waitEventType: string | null;
  waitEvent: string | null;
  /** The first 200 characters of the last query. */
  query: string | null;
  /** pg_blocking_pids(pid): the sessions it waits for. */
  blockedBy: number[];
}

/** A heavyweight lock (pg_locks), with its object by name where it has one. */
export interface PgLock {
  /** null for a prepared transaction's locks. */
  pid: number | null;
  lockType: string;
  mode: string;
  granted: boolean;
  /** relation::regclass, the transaction id, or the advisory key; null when none applies. */
  object: string | null;
  /** ms waited so far (pg_locks.waitstart, PostgreSQL 14+); null when granted or not known. */
  waitMs: number | null;
  /** The prepared transaction's gid, for its locks (pid null). */
  preparedGid?: string | null;
}

/** One waiter in a blocking tree. */
export interface PgWaiter {
  pid: number;
  /** Who it waits for directly (pg_blocking_pids). */
  blockedBy: number[];
  /** The lock it waits for: mode and object. */
  mode: string | null;
  object: string | null;
  /** ms waited so far: pg_locks.waitstart where the server has it, else the age of its state. */
  waitMs: number | null;
  /** How far below the root (1 = waits for the root directly). */
  depth: number;
}

/** A root blocker (it blocks, and waits for nobody) and everyone waiting behind it, directly or not. */
export interface PgBlockingTree {
  root: number;
  waiters: PgWaiter[];
  /** The longest wait among the waiters (ms); null when none is known. */
  longestWaitMs: number | null;
}

export interface PgPreparedTransaction {
  gid: string;
  owner: string | null;
  database: string | null;
  ageMs: number;
  /** Locks it holds (pg_locks rows with no pid and its virtual transaction). */
  locks: number;
}

export interface PgDatabaseStats {
  name: string;
  backends: number;
  deadlocks: number;
  conflicts: number;
}

/** `locks --for`: what the window saw. */
export interface PgWindow {
  durationMs: number;
  samples: number;
  /** pg_stat_database.deadlocks at the end minus at the start. */
  deadlocks: number;
  /** Per session: the longest wait seen and the longest it was a root blocker. */
  sessions: { pid: number; user: string | null; application: string | null; longestWaitMs: number; longestRootMs: number; samplesBlocking: number; samplesWaiting: number }[];
  /** Root blockers seen over the window (pid → the most waiters at once). */
  roots: { pid: number; maxWaiters: number; longestWaitMs: number }[];
  /** As locks --for on SQLite: per session, the intervals it blocked (lock ROOT-BLOCKER) or waited (WAITING). */
  timeline?: LockTimeline;
}

export interface PgFacts {
  source: 'postgres';
  /** The target with its password masked. */
  target: string;
  observedAt: string;
  server: { version: string; versionNum: number; database: string; user: string };
  /** lockscope's own backend: excluded from every list here. */
  ownPid: number;
  /** The timeouts and limits in force, as pg_settings shows them. */
  settings: Record<string, PgSetting>;
  /** ALTER ROLE / ALTER DATABASE … SET values that apply to this database. */
  roleSettings: Gathered<PgRoleSetting[]>;
  sessions: PgSession[];
  locks: Gathered<PgLock[]>;
  trees: PgBlockingTree[];
  prepared: Gathered<PgPreparedTransaction[]>;
  database: Gathered<PgDatabaseStats>;
  /** `locks --for` only. */
  window?: PgWindow;
  /** `stress --ddl-race` only. */
  ddlRace?: PgDdlRace;
}

declare module '../../core/model.js' {
  interface FactsBySource {
    postgres: PgFacts;
  }
}
