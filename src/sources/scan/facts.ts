/**
 * The facts of `lockscope scan`: where an app opens or configures SQLite, read from its source tree and config
 * files with parsers (src/sources/scan/parse.ts), never by running it. Joined to FactsBySource by declaration
 * merging (src/core/model.ts), so the scan checks (`source: 'scan'`) run on these facts only.
 */
import type { Stack } from '../../core/model.js';

/**
 * One setting of a connection: set in the app's code or config (with its line), the driver's default (cited in
 * src/sources/sqlite/stacks.ts), or unknown (why: an environment variable, a computed value, not verified).
 */
export type SiteSetting<T> =
  | { state: 'set-here'; value: T; line: number; text: string; /** The file it is set in when not the site's own (the app's .env). */ file?: string }
  | { state: 'driver-default'; value: T; source: string }
  | { state: 'unknown'; why: string; line?: number };

export type TxMode = 'deferred' | 'immediate' | 'exclusive';

/** A place the app opens (or configures every connection of) a SQLite database. */
export interface ConnectionSite {
  /** Path as the user names it (the scanned folder as given, joined with the file's path in it), '/'-separated. */
  file: string;
  line: number;
  endLine: number;
  stack: Stack;
  /** The call or config entry: `sqlite3.connect`, `new Database`, `DATABASES['default']`, `knex({ client: 'better-sqlite3' })`. */
  api: string;
  /** The driver's or framework's version from a lockfile or requirements, with the file it came from. */
  version: { value: string; from: string } | null;
  /** The database path when it is a literal; otherwise why not (and the expression, to group sites by). */
  database: { literal: string } | { unknown: string; expression: string };
  busyTimeoutMs: SiteSetting<number>;
  transactionMode: SiteSetting<TxMode | 'begins-at-first-write' | 'explicit'>;
  journalMode: SiteSetting<string>;
  synchronous: SiteSetting<string>;
  /** Other PRAGMAs it sets, with their lines. */
  pragmas: { name: string; value: string; line: number }[];
  /** `PRAGMA journal_mode=WAL` runs on every connection it opens (a connect hook, the open call's own code path). */
  journalModeOnEveryConnection?: { line: number; how: string };
  /**
   * PRAGMAs the code runs on one connection it checks out of a pool (SQLAlchemy `with engine.connect()`), not in
   * the pool's per-connection hook: the pool's other connections do not get them.
   */
  onePooledConnection?: { name: string; value: string; line: number }[];
  /** Opened inside a function that runs per request or per item: the heuristic's reason. */
  perCall?: { line: number; function: string; why: string };
}

/** A unit of work (transaction block) the app runs. */
export interface TransactionSite {
  file: string;
  line: number;
  endLine: number;
  stack: Stack;
  api: string;
  mode: TxMode | 'begins-at-first-write';
  /** Where the mode comes from: this call, the connection's or framework's settings (with line), or the default. */
  modeFrom: { kind: 'set-here'; line: number } | { kind: 'settings'; file: string; line: number } | { kind: 'driver-default'; source: string };
  /** Lines of statements in the block that read and that write (heuristic: see checks/scan-deferred-transactions.md). */
  reads: number[];
  writes: number[];
}

export interface ScanFiles {
  /** Source and config files read and parsed. */
  scanned: number;
  /** Files larger than the size limit, not read. */
  skippedLarge: number;
  /** Files with a NUL byte in their first 8 KiB, not parsed. */
  skippedBinary: number;
  /** Symbolic links not followed (they point out of the tree, or anywhere: scan follows none). */
  skippedSymlinks: number;
  /** Files the parser could not parse cleanly (still searched; the tree marks the broken part). */
  parseErrors: number;
  /** Directories skipped by name (node_modules, .git, vendor, dist, build…) or by .gitignore. */
  skippedDirs: number;
  bytes: number;
}

export interface ScanFacts {
  source: 'scan';
  /** The folder scanned, as given. */
  root: string;
  files: ScanFiles;
  connections: ConnectionSite[];
  transactions: TransactionSite[];
  /** Files in tests/ and migrations/ folders: scanned for nothing (they do not run in production). */
  skippedTestFiles: number;
}

declare module '../../core/model.js' {
  interface FactsBySource {
    scan: ScanFacts;
  }
}
