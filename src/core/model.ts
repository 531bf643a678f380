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

/**
 * Which fixes a report shows: one stack's (plus the stack-independent ones), 'all' (every stack's; also when
 * undefined), or 'generic' (the stack-independent ones only: no stack is known).
 */
export type FixFilter = Stack | 'all' | 'generic';

/** The report's `stack`: which stack's fixes it shows, and why (src/cli/stack-choice.ts). */
export interface StackInfo {
  /** The stack whose fixes are shown; 'all' = every stack's; null = none known, so the SQL fixes only. */
  name: Stack | 'all' | null;
  /**
   * flag (--stack), config (its `stack`), facts (saved with --save-facts): declared; detected: read from the
   * project's manifests (a guess); none: nothing declared or detected (or projects of different stacks);
   * not-applicable: no target is a SQLite database (the stacks are SQLite drivers and frameworks).
   */
  from: 'flag' | 'config' | 'facts' | 'detected' | 'none' | 'not-applicable';
  /** Whether the stack's defaults stand in for undeclared settings in the verdicts: only a declared stack's do. */
  defaultsInVerdicts: boolean;
  /** Why, in a few words: the flag, the config file, or the manifest and what it names. */
  reason: string;
}

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

/** A place in the user's files a finding points at (lockscope scan): the path as shown, 1-based lines. */
export interface FindingLocation {
  file: string;
  line: number;
  endLine?: number;
  /** What the finding says about this place; absent = the finding's message. */
  message?: string;
}

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
  /** The lines of code or config the finding is about (SARIF regions, GitHub file=/line=); absent for a database's findings. */
  locations?: FindingLocation[];
}

/** A problem that stopped a database (or a path) from being examined at all. */
export interface ReportError {
  /** Stable code, e.g. ENOENT, NOT_SQLITE, EISDIR, FIFO, EACCES. */
  code: string;
  /** One line naming the file and the problem. */
  message: string;
}

/**
 * Facts, by the source that gathered them: one entry per source, keyed by its id. Each variant is told apart
 * by `source`. The SQLite source (the database files, their -wal/-shm/-journal and /proc) came first and its
 * JSON (schemaVersion 1) has no `source` key, so its `source` is optional; every later source (an app's
 * source tree, a traced process, a PostgreSQL server) adds its entry from its own folder, by declaration
 * merging, with a required `source` literal:
 *
 *   declare module '../../core/model.js' { interface FactsBySource { trace: TraceFacts } }
 *
 * so adding a source edits nothing in core/.
 */
export type SqliteFacts = AuditFacts & { source?: 'sqlite' };
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface FactsBySource {
  sqlite: SqliteFacts;
}
export type SourceId = keyof FactsBySource;
export type SourceFacts = FactsBySource[SourceId];

/**
 * Where an app's per-connection setting came from, best first: observed in its own lock calls (lockscope
 * trace), read from its code or config (lockscope scan, with file and line), or declared by the user (a flag,
 * the config file). A setting with no origin is not known; a stack's default (src/sources/sqlite/stacks.ts) is
 * not an origin of the app's value but a stand-in the checks name as such. Never a connection of lockscope's.
 */
export type SettingOrigin =
  | { kind: 'observed'; by: string; detail: string }
  | { kind: 'code'; file: string; line: number; detail?: string }
  | { kind: 'declared'; via: 'flag' | 'config' | 'facts-file' };

/** "observed by trace (…)", "found at settings.py:42", "declared (--busy-timeout)": for messages. */
export function describeOrigin(origin: SettingOrigin | undefined): string {
  if (!origin) return 'declared';
  switch (origin.kind) {
    case 'observed':
      return `observed by ${origin.by}${origin.detail ? ` (${origin.detail})` : ''}`;
    case 'code':
      return `found at ${origin.file}:${origin.line}${origin.detail ? ` (${origin.detail})` : ''}`;
    case 'declared':
      return origin.via === 'flag' ? 'declared (flag)' : origin.via === 'config' ? 'declared (config)' : 'declared (saved facts)';
  }
}

/** The source of a database's facts (absent `source` = SQLite, see SourceFacts). */
export function factsSource(facts: SourceFacts): SourceId {
  return facts.source ?? 'sqlite';
}

/** Whether these facts are source `id`'s (narrows them to its facts type). */
export function isFactsOf<S extends SourceId>(facts: SourceFacts, id: S): facts is FactsBySource[S] {
  return factsSource(facts) === id;
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

/**
 * One of the app's per-connection settings as the checks used it: its value and where it came from
 * (`from`: observed, found in code, declared, the stack's default standing in, or not known).
 */
export interface AppSettingRow {
  setting: string;
  /** null = not known. */
  value: string | number | null;
  unit?: string;
  from: SettingOrigin['kind'] | 'stack-default' | 'not-known';
  /** In words: "declared (flag)", "found at settings.py:42", "observed by trace (…)", "not known". */
  origin: string;
}

/** The named sections commands add beside the facts and findings. */
export interface ReportSections {
  /** `audit`: the app's connection settings the checks used, each with its origin. */
  app?: AppSettingRow[];
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
  /** The process's exit code: 0/1/2 (core/exit-code.ts), or 128 + the signal's number when `interrupted`. */
  exitCode: number;
  /** The signal (SIGINT, SIGTERM, SIGHUP) that cut the command short: the results are partial. Absent = ran to its end. */
  interrupted?: string;
  /** Which stack's fixes the report shows, and why (set by the commands that show fixes). */
  stack?: StackInfo;
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
