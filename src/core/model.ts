/**
 * The report model shared by gatherers, checks, the runner and the formatters.
 * Everything here is plain JSON-serialisable data.
 */
import type { AuditFacts, Gathered, LockSampleFacts } from './facts.js';
import type { CompareArm, StressFacts } from './stress-facts.js';

/** The result of one check. `skip` = not applicable or facts missing; `error` = lockscope's own bug. */
export type Status = 'pass' | 'warn' | 'fail' | 'info' | 'skip' | 'error';

export const STATUSES: readonly Status[] = ['pass', 'warn', 'fail', 'info', 'skip', 'error'];

/**
 * Stacks a fix can be written for; `sql` and `shell` fixes apply to every stack. What each stack does by default
 * (busy timeout, synchronous, when its transactions begin) lives in src/sources/sqlite/stacks.ts.
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

/**
 * Facts, by the source that gathered them. Each source is one variant, told apart by `source`. The SQLite
 * source (the database files, their -wal/-shm/-journal and /proc) came first and its JSON (schemaVersion 1)
 * has no `source` key, so its `source` is optional; every later source (an app's source tree, a traced
 * process, a PostgreSQL server) adds a variant with a required `source` literal.
 */
export type SqliteFacts = AuditFacts & { source?: 'sqlite' };
export type SourceFacts = SqliteFacts;
export type SourceId = NonNullable<SourceFacts['source']>;

/** The source of a database's facts (absent `source` = SQLite, see SourceFacts). */
export function factsSource(facts: SourceFacts): SourceId {
  return facts.source ?? 'sqlite';
}

/** The `holders` section of each database in `lockscope locks` (names are part of the JSON interface). */
export interface HolderEntry {
  pid: number;
  user: string | null;
  uid: number | null;
  command: string | null;
  startedAt: string | null;
  /** null = unknown (the process's descriptors could not be read). */
  files: string[] | null;
  /** /proc/<pid>/stat state when read (T / t = stopped); null = not readable. */
  state: string | null;
  /** A lockscope process (another run's sampler…), not one of the app's connections. */
  lockscope: boolean;
  locks: { name: string; mode: 'shared' | 'exclusive'; file: 'db' | 'shm'; pinsFrame?: number | null }[];
}

/** What `lockscope stress` measured, as its JSON carries it: the recommended arm is in `compare` instead. */
export type StressSection = Omit<StressFacts, 'recommended'>;

/** The named sections commands add beside the facts and findings. */
export interface ReportSections {
  /** `locks`: who holds which lock now. */
  holders?: HolderEntry[];
  /** `locks --for`: the sampled lock table (the same object as facts.lockSamples). */
  sampling?: Gathered<LockSampleFacts>;
  /** `stress`: the run. */
  stress?: StressSection;
  /** `stress --compare`: the current and the recommended arm. */
  compare?: CompareArm[];
}

/** A database that was examined: its facts, the checks' findings, and the sections of the command. */
export interface CheckedDatabase extends ReportSections {
  path: string;
  facts: SourceFacts;
  findings: Finding[];
  error?: undefined;
}

/** A database (or a path) that could not be examined at all. */
export interface FailedDatabase {
  path: string;
  error: ReportError;
  facts?: undefined;
  findings?: undefined;
}

/** Told apart by `error`: present on a FailedDatabase only. */
export type DatabaseReport = CheckedDatabase | FailedDatabase;

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
