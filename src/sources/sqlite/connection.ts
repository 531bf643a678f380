/**
 * The one way lockscope's main thread opens a SQLite connection (only for --checkpoint and stress set-up).
 * better-sqlite3 is an optional dependency: a native module that an install without a compiler or a prebuilt
 * binary for the platform goes without, and that the read-only audit, `locks`, `checks`, `explain` and `init`
 * never load. The commands that need it (stress, audit --checkpoint / --stress, demo) call
 * `sqliteDriverProblem` first and stop with its one line when it cannot be loaded.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = BetterSqlite3.Database;

/** The version range lockscope is built and tested with (package.json optionalDependencies). */
export const SQLITE_DRIVER = 'better-sqlite3@12';

let driver: typeof BetterSqlite3 | undefined;

/** Loads better-sqlite3 once (a require: the bundle leaves it outside, and it is CommonJS). Throws when it cannot. */
function loadDriver(): typeof BetterSqlite3 {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return driver;
}

/**
 * null when better-sqlite3 loads; otherwise the one line that says why `what` cannot run and how to get it:
 * not installed (an install with --omit=optional, or whose build of the optional module failed), or
 * installed without a binary that loads (its build script did not run, or it was built for another Node).
 */
export function sqliteDriverProblem(what: string): string | null {
  try {
    // The native addon loads with the first connection: open one in memory to know it loads.
    new (loadDriver())(':memory:').close();
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'MODULE_NOT_FOUND' && /better-sqlite3/.test(String(e.message)) && !/bindings|\.node\b/.test(String(e.message));
    const how = `npm install ${SQLITE_DRIVER} beside lockscope (with -g for a global lockscope); it needs a prebuilt binary for this platform or a compiler (python3, make, g++)`;
    if (missing) return `${what} needs better-sqlite3, an optional dependency that is not installed: ${how}`;
    const message = String(e.message ?? err);
    // bindings' error when build/Release/better_sqlite3.node is absent: the install script never ran or failed.
    const reason = /Could not locate the bindings file/.test(message) ? 'its native binary was never built: its install script did not run or failed' : message.split('\n')[0]!.slice(0, 200);
    return `${what} needs better-sqlite3, which is installed but does not load (${reason}): npm rebuild better-sqlite3, or ${how}`;
  }
}

/** Opens an existing database (never creates one) with a busy timeout of `timeoutMs`. */
export function openExisting(path: string, timeoutMs: number): SqliteDatabase {
  const Database = loadDriver();
  return new Database(path, { fileMustExist: true, timeout: timeoutMs });
}
