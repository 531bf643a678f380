/**
 * The one way lockscope's main thread opens a SQLite connection (only for --checkpoint and stress set-up).
 * better-sqlite3 is loaded on first use: the read-only audit and `locks` never need it, and loading a native
 * module costs start-up time.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = BetterSqlite3.Database;

let constructor: typeof BetterSqlite3 | undefined;

/** Opens an existing database (never creates one) with a busy timeout of `timeoutMs`. */
export function openExisting(path: string, timeoutMs: number): SqliteDatabase {
  constructor ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return new constructor(path, { fileMustExist: true, timeout: timeoutMs });
}
