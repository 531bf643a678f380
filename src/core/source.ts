/**
 * The source contract: what a source of facts provides to the rest of lockscope. A source is one folder
 * under src/sources/ and one entry in src/sources/index.ts (SOURCES).
 *
 * Today there is one implementation, the SQLite source (src/sources/sqlite/source.ts): its targets are
 * database files, its facts are what the files, their -wal/-shm/-journal and /proc/locks show. The /proc
 * reading (src/sources/proc/) and the stress harness (src/sources/stress/) add facts to the same database
 * (lock samples, stress runs) and are not sources of their own targets.
 *
 * How far the contract goes today: the text renderer takes a database's header summary from its source
 * (`summarise`); `audit` and `locks` resolve their targets (src/cli/targets.ts) and gather each target's
 * facts (src/cli/audit-run.ts, src/cli/locks-run.ts) through the source that claims it (`sourceFor`). What is not
 * through it yet is in ARCHITECTURE.md.
 */
import type { CheckCategory } from './check.js';
import type { DatabaseReport, SourceFacts, SourceId, Stack } from './model.js';

/** What the CLI passes to a long-running step: a signal to stop early. */
export interface GatherContext {
  /** Aborted on Ctrl-C / SIGTERM; a source stops between steps and reports what it has. */
  signal?: AbortSignal;
}

/** How the command line's (or the config's) entries are turned into targets. */
export interface TargetQuery {
  entries: readonly string[];
  /** The folder relative entries are read from (the cwd, or the config file's folder). */
  baseDir: string;
  /** Show each target as given on the command line, or relative to the cwd (entries from the config). */
  display: 'as-given' | 'relative-to-cwd';
  cwd: string;
}

/** The resolved targets: in order and once each; entries that named nothing become a report with an error. */
export interface ResolvedTargets {
  targets: string[];
  unmatched: DatabaseReport[];
  /** Both, in the order of the entries (each entry's targets, then its unmatched report): what a command runs on, in this order. */
  inOrder: (string | DatabaseReport)[];
}

/** One row of the facts table at the top of a database's text section: label, value. */
export type SummaryRow = readonly [label: string, value: string];

export interface Source<F extends SourceFacts = SourceFacts> {
  id: SourceId;
  /** One line: what its targets are. */
  describe: string;
  /**
   * Whether a command-line or config entry (a path, a glob, a URL), or one of the targets it resolved to, is
   * this source's. SOURCES are asked in order and the first that claims an entry resolves and gathers it, so a
   * new kind of target (a `postgres://` URL, an app's source tree) needs no change in the commands.
   */
  claims(entry: string): boolean;
  /** Paths, globs or other spellings of targets → the targets, each once. */
  resolveTargets(query: TargetQuery): ResolvedTargets;
  /**
   * Reads one target's facts. A target that cannot be examined at all (missing, not this source's kind)
   * throws; a part that cannot be read is a GatherError inside the facts, and the runner turns the checks
   * that need it into `skip`.
   */
  gather(target: string, context: GatherContext): F;
  /** The check categories (checks/index.ts) its facts feed. */
  categories: readonly CheckCategory[];
  /** Whether these facts are this source's. */
  owns(facts: SourceFacts): facts is F;
  /** The facts table of the text output. */
  summarise(facts: F): readonly SummaryRow[];
  /** The stacks (drivers, frameworks) its fixes are written for (`--stack`). */
  stacks: readonly Stack[];
}
