/**
 * The report model shared by gatherers, checks, the runner and the formatters.
 * Everything here is plain JSON-serialisable data.
 */

/** The result of one check. `skip` = not applicable or facts missing; `error` = lockscope's own bug. */
export type Status = 'pass' | 'warn' | 'fail' | 'info' | 'skip' | 'error';

export const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'info', 'skip', 'error'];

/**
 * Stacks a fix can be written for; `sql` and `shell` fixes apply to every stack. What each stack does by default
 * (busy timeout, synchronous, when its transactions begin) lives in src/stacks.ts.
 */
export type Stack =
  | 'python'
  | 'django'
  | 'sqlalchemy'
  | 'better-sqlite3'
  | 'node-sqlite3'
  | 'go'
  | 'rails'
  | 'prisma'
  | 'peewee'
  | 'knex'
  | 'sequelize'
  | 'drizzle'
  | 'node-sqlite'
  | 'sqlite3-cli'
  | 'laravel';

export const STACKS: readonly Stack[] = [
  'python',
  'django',
  'sqlalchemy',
  'better-sqlite3',
  'node-sqlite3',
  'go',
  'rails',
  'prisma',
  'peewee',
  'knex',
  'sequelize',
  'drizzle',
  'node-sqlite',
  'sqlite3-cli',
  'laravel',
];

/** A concrete, structured fix: never advice hidden in prose. */
export interface Fix {
  /** One line: what to do. */
  summary: string;
  /** The stack this fix is written for; absent = applies whatever the app is written in. */
  stack?: Stack;
  /** SQL to run (PRAGMA, BEGIN IMMEDIATE…). */
  sql?: string;
  /** A code snippet for `stack`. */
  code?: string;
  /** A shell command. */
  shell?: string;
  /** A link to the documentation behind the fix. */
  docs?: string;
  /** What to be careful about when applying it. */
  caution?: string;
}

/** Machine-readable values behind a finding: what was measured, names with units. */
export type Evidence = Record<string, string | number | boolean | null | undefined | readonly (string | number)[] | Record<string, unknown>>;

export interface Finding {
  /** The check id (stable, kebab-case). */
  id: string;
  status: Status;
  /** Reads right for the status: the check's title when it passes, its failure title otherwise. */
  title: string;
  /** What was measured, with numbers. */
  message: string;
  /** Identifies which of the check's messages this is (stable, for tests and scripts). */
  messageId: string;
  fixes: Fix[];
  evidence: Evidence;
}

/** A problem that stopped a database (or a path) from being examined at all. */
export interface ReportError {
  /** Stable code, e.g. ENOENT, NOT_SQLITE, EISDIR, FIFO, EACCES. */
  code: string;
  /** One line naming the file and the problem. */
  message: string;
}

export interface DatabaseReport {
  path: string;
  facts?: unknown;
  findings?: Finding[];
  error?: ReportError;
  /** Extra sections added by other commands (holders, stress…), keyed by name. */
  [section: string]: unknown;
}

export interface Summary {
  pass: number;
  warn: number;
  fail: number;
  info: number;
  skip: number;
  error: number;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  command: string;
  databases: DatabaseReport[];
  summary: Summary;
  exitCode: 0 | 1 | 2;
}

export function emptySummary(): Summary {
  return { pass: 0, warn: 0, fail: 0, info: 0, skip: 0, error: 0 };
}

export function summarize(databases: readonly DatabaseReport[]): Summary {
  const summary = emptySummary();
  for (const db of databases) for (const f of db.findings ?? []) summary[f.status] += 1;
  return summary;
}

/** Severity order used by `--fail-on` and by the worst-result logic. */
export const SEVERITY: Record<Status, number> = { pass: 0, skip: 0, info: 0, warn: 1, fail: 2, error: 3 };
