/**
 * `--live`: the stress threads write to the target database itself, but only to a table of their own
 * (`lockscope_stress_<pid>_<hex>`), created before the threads start and dropped after they stop.
 * The app's own tables are never read or written. Tables left by a killed run (dead pid) are dropped
 * by the next live run.
 */
import { randomBytes } from 'node:crypto';
import { type SqliteDatabase, openExisting } from '../sqlite/connection.js';
import { createTableSql, runMayBeAlive, seedSql } from './scratch.js';

export const LIVE_TABLE_PATTERN = /^lockscope_stress_(\d+)_([0-9a-f]{8})$/;
/** Wait for the app's writers when creating or dropping the table (these are short DDL statements). */
export const LIVE_DDL_TIMEOUT_MS = 10_000;

export class LiveError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function liveTableName(pid = process.pid, random = randomBytes(4).toString('hex')): string {
  return `lockscope_stress_${pid}_${random}`;
}

function connect(path: string, timeoutMs: number): SqliteDatabase {
  return openExisting(path, timeoutMs);
}

function errText(err: unknown): { code: string; message: string } {
  const e = err as { code?: string; message?: string };
  return { code: e?.code ?? 'ERROR', message: e?.message ?? String(err) };
}

/**
 * Drops tables left by killed live runs and creates this run's table, in one short connection that is
 * closed before the stress threads open theirs. Returns the new table and the leftovers dropped.
 */
export function prepareLiveTable(path: string, timeoutMs = LIVE_DDL_TIMEOUT_MS): { table: string; leftoversDropped: string[] } {
  let db: SqliteDatabase;
  try {
    db = connect(path, timeoutMs);
  } catch (err) {
    const e = errText(err);
    throw new LiveError(e.code, `cannot open ${path} for --live: ${e.message}`);
  }
  try {
    const names = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'lockscope\\_stress\\_%' ESCAPE '\\'").all() as { name: string }[]).map(
      (r) => r.name,
    );
    const leftoversDropped: string[] = [];
    for (const name of names) {
      const m = LIVE_TABLE_PATTERN.exec(name);
      if (!m || runMayBeAlive(Number(m[1]))) continue;
      db.exec(`DROP TABLE IF EXISTS "${name}"`);
      leftoversDropped.push(name);
    }
    const table = liveTableName();
    db.exec(`BEGIN IMMEDIATE; ${createTableSql(table)}; ${seedSql(table)}; COMMIT`);
    return { table, leftoversDropped };
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    const e = errText(err);
    throw new LiveError(e.code, `cannot create lockscope's table in ${path}: ${e.code}: ${e.message}`);
  } finally {
    db.close();
  }
}

/** Drops this run's table (after every stress thread has closed its connection); retries while the app holds the lock. */
export function dropLiveTable(path: string, table: string, timeoutMs = LIVE_DDL_TIMEOUT_MS, attempts = 3): void {
  if (!LIVE_TABLE_PATTERN.test(table)) throw new LiveError('BAD_TABLE', `refusing to drop ${table}: not a lockscope stress table`);
  let last: { code: string; message: string } | undefined;
  for (let i = 0; i < attempts; i += 1) {
    let db: SqliteDatabase | undefined;
    try {
      db = connect(path, timeoutMs);
      db.exec(`DROP TABLE IF EXISTS "${table}"`);
      return;
    } catch (err) {
      last = errText(err);
    } finally {
      db?.close();
    }
  }
  throw new LiveError(
    last?.code ?? 'ERROR',
    `could not drop lockscope's table ${table} from ${path} (${last?.code}: ${last?.message}); the next \`lockscope stress --live\` drops it, or run: DROP TABLE "${table}";`,
  );
}
