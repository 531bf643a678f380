/**
 * `lockscope stress postgres://… --ddl-race`: N sessions run the same start-up DDL at the same moment, the way
 * several app processes (or replicas) run their migrations at boot — and meet PostgreSQL's catalog races:
 * "tuple concurrently updated" (XX000, from simple_heap_update() when two sessions update one catalog row:
 * concurrent GRANT, COMMENT, ALTER) and unique violations on pg_type_typname_nsp_index /
 * pg_class_relname_nsp_index (23505: `CREATE … IF NOT EXISTS` racing, which "is not intended to provide a hard
 * guarantee against concurrent-creation race conditions"). `--compare` runs the same rounds with one
 * `pg_advisory_xact_lock` around each session's DDL.
 *
 * Everything happens in a scratch schema of lockscope's own (lockscope_stress_<pid>_<hex>): created at the
 * start, dropped at any end (Ctrl-C and SIGTERM included, through the AbortSignal); a schema left by a run that
 * was killed is dropped by the next run (its owner's advisory lock is free again).
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { connect, limitSession } from './connect.js';

/** The DDL a typical app runs at start-up; `{schema}` is lockscope's scratch schema. */
export const DEFAULT_DDL = [
  'CREATE TABLE IF NOT EXISTS {schema}.items (id bigint PRIMARY KEY, name text NOT NULL)',
  'CREATE INDEX IF NOT EXISTS items_name ON {schema}.items (name)',
  "COMMENT ON TABLE {schema}.items IS 'created at start-up'",
  'GRANT SELECT ON {schema}.items TO PUBLIC',
];

export const SCRATCH_PREFIX = 'lockscope_stress_';
const ADVISORY_KEY = 'lockscope-ddl-race';

export interface DdlRaceArm {
  /** plain: the DDL as the app runs it; advisory-lock: each session's DDL in one transaction behind pg_advisory_xact_lock. */
  arm: 'plain' | 'advisory-lock';
  rounds: number;
  sessions: number;
  /** Session-rounds that ran every statement without an error. */
  succeeded: number;
  /** Session-rounds that failed, by kind. */
  errors: { tupleConcurrentlyUpdated: number; uniqueViolation: number; alreadyExists: number; deadlock: number; other: number };
  /** The first message of each kind, as the server wrote it. */
  examples: Record<string, string>;
  durationMs: number;
}

export interface PgDdlRace {
  schema: string;
  statements: string[];
  arms: DdlRaceArm[];
  interrupted: string | null;
  /** Scratch schemas of earlier runs that were killed, dropped at the start of this one. */
  leftoversDropped: string[];
}

export interface DdlRaceOptions {
  sessions: number;
  rounds: number;
  statements?: string[];
  compare: boolean;
  signal?: AbortSignal;
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Classifies a failed session-round by SQLSTATE and constraint. */
export function classify(err: { code?: string; message?: string; constraint?: string }): keyof DdlRaceArm['errors'] {
  if (err.code === 'XX000' && /tuple concurrently (updated|deleted)/.test(err.message ?? '')) return 'tupleConcurrentlyUpdated';
  if (err.code === '23505') return 'uniqueViolation';
  // IF NOT EXISTS checked, another session created it meanwhile: duplicate_table / duplicate_object.
  if (err.code === '42P07' || err.code === '42710') return 'alreadyExists';
  if (err.code === '40P01') return 'deadlock';
  return 'other';
}

/** Statements of a --ddl-file must name no schema: lockscope runs them in its scratch schema only. */
export function checkDdlStatements(text: string): string[] {
  const statements = text
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
  for (const s of statements) {
    const unquoted = s.replace(/'(?:[^']|'')*'/g, "''");
    if (/[A-Za-z_"][\w$"]*\s*\.\s*[A-Za-z_"]/.test(unquoted)) throw new Error(`--ddl-file: "${s.slice(0, 60)}" names a schema; lockscope runs the statements in its own scratch schema only (write unqualified names)`);
    if (/^\s*(drop\s+(schema|database|role|user)|alter\s+(system|database|role|user)|create\s+(database|role|user)|set\s+search_path)/i.test(unquoted)) throw new Error(`--ddl-file: "${s.slice(0, 60)}" would act outside lockscope's scratch schema`);
  }
  if (statements.length === 0) throw new Error('--ddl-file: no statement in it');
  return statements;
}

/** Drops scratch schemas whose run is gone (its session-level advisory lock is free). */
async function dropLeftovers(control: Client): Promise<string[]> {
  const { rows } = await control.query(`select nspname from pg_namespace where nspname like $1`, [`${SCRATCH_PREFIX}%`]);
  const dropped: string[] = [];
  for (const { nspname } of rows as { nspname: string }[]) {
    const free = await control.query(`select pg_try_advisory_lock(hashtext($1)) as free`, [nspname]);
    if (!free.rows[0].free) continue;
    try {
      await control.query(`drop schema if exists ${quote(nspname)} cascade`);
      dropped.push(nspname);
    } catch {
      // Another role's leftover (not ours to drop): left as it is.
    } finally {
      await control.query(`select pg_advisory_unlock(hashtext($1))`, [nspname]);
    }
  }
  return dropped;
}

async function runArm(url: string, schema: string, statements: string[], options: DdlRaceOptions, arm: DdlRaceArm['arm'], control: Client): Promise<DdlRaceArm> {
  const started = Date.now();
  const result: DdlRaceArm = { arm, rounds: 0, sessions: options.sessions, succeeded: 0, errors: { tupleConcurrentlyUpdated: 0, uniqueViolation: 0, alreadyExists: 0, deadlock: 0, other: 0 }, examples: {}, durationMs: 0 };
  const sessions: Client[] = [];
  try {
    for (let i = 0; i < options.sessions; i++) {
      const c = await connect(url, { readWrite: true, applicationName: `lockscope-ddl-race-${i}` });
      sessions.push(c);
      await limitSession(c, { lockTimeoutMs: 10_000, statementTimeoutMs: 30_000 });
      await c.query(`select set_config('search_path', $1, false)`, [schema]);
    }
    const sql = statements.map((s) => s.split('{schema}').join(quote(schema)));
    for (let round = 0; round < options.rounds && !options.signal?.aborted; round++) {
      // A fresh start for each round: nothing exists yet, as on a new deployment.
      await control.query(`drop schema if exists ${quote(schema)} cascade; create schema ${quote(schema)}`);
      let outcomes: ({ code?: string; message?: string } | null)[];
      if (arm === 'advisory-lock') {
        outcomes = await Promise.all(
          sessions.map(async (c) => {
            try {
              await c.query('begin');
              await c.query('select pg_advisory_xact_lock(hashtext($1))', [ADVISORY_KEY]);
              for (const s of sql) await c.query(s);
              await c.query('commit');
              return null;
            } catch (err) {
              await c.query('rollback').catch(() => undefined);
              return err as { code?: string; message?: string };
            }
          }),
        );
      } else {
        // In step, statement by statement, as processes booting together do; a session whose statement
        // failed stops there (its app would fail to start).
        outcomes = sessions.map(() => null);
        for (const s of sql) {
          await Promise.all(
            sessions.map(async (c, i) => {
              if (outcomes[i]) return;
              try {
                await c.query(s);
              } catch (err) {
                outcomes[i] = err as { code?: string; message?: string };
              }
            }),
          );
        }
      }
      result.rounds += 1;
      for (const e of outcomes) {
        if (!e) {
          result.succeeded += 1;
          continue;
        }
        const kind = classify(e);
        result.errors[kind] += 1;
        result.examples[kind] ??= `${e.code ?? ''} ${e.message ?? ''}`.trim();
      }
    }
  } finally {
    for (const c of sessions) await c.end().catch(() => undefined);
  }
  result.durationMs = Date.now() - started;
  return result;
}

/** Runs the race (and with `compare` the advisory-lock arm) in a scratch schema that is always removed. */
export async function runDdlRace(url: string, options: DdlRaceOptions): Promise<PgDdlRace> {
  const schema = `${SCRATCH_PREFIX}${process.pid}_${randomBytes(3).toString('hex')}`;
  const control = await connect(url, { readWrite: true, applicationName: 'lockscope-ddl-race' });
  const race: PgDdlRace = { schema, statements: options.statements ?? DEFAULT_DDL, arms: [], interrupted: null, leftoversDropped: [] };
  try {
    await limitSession(control, { lockTimeoutMs: 10_000, statementTimeoutMs: 30_000 });
    race.leftoversDropped = await dropLeftovers(control);
    // Held for the whole run: a later run sees this schema as in use, and drops it once this session is gone.
    await control.query('select pg_advisory_lock(hashtext($1))', [schema]);
    await control.query(`create schema ${quote(schema)}`);
    race.arms.push(await runArm(url, schema, race.statements, options, 'plain', control));
    if (options.compare && !options.signal?.aborted) race.arms.push(await runArm(url, schema, race.statements, options, 'advisory-lock', control));
    if (options.signal?.aborted) race.interrupted = String(options.signal.reason ?? 'interrupted');
  } finally {
    await control.query(`drop schema if exists ${quote(schema)} cascade`).catch(() => undefined);
    await control.end().catch(() => undefined);
  }
  return race;
}
