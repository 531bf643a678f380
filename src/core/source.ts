/**
 * The source contract: what a source of facts provides to the rest of lockscope. A source is one folder
 * under src/sources/ and one entry in src/sources/index.ts (SOURCES); its facts type joins FactsBySource
 * (src/core/model.ts) by declaration merging from its own folder, and its checks declare `source: '<id>'`.
 *
 * The commands name no source: `audit` and `locks` resolve their targets (src/cli/targets.ts), gather each
 * target's facts, run the steps a flag asks for (--checkpoint, locks --for), turn a target that cannot be
 * examined into its error, and add the locks sections, all through the source that claims the target
 * (`sourceFor`). The text renderer takes a target's facts table from its source (`summarise`).
 */
import type { CheckCategory } from './check.js';
import type { AppSettings } from './facts.js';
import type { AppSettingRow, DatabaseReport, ReportError, ReportSections, SourceFacts, SourceId, Stack } from './model.js';

/** Steps beyond a plain gather that a flag can ask for; a source lists those it can run (`steps`). */
export type GatherStep = 'checkpoint' | 'sample';

/** What the CLI passes to gather: which command asks, the steps asked for, and a signal to stop early. */
export interface GatherContext {
  /** Aborted on Ctrl-C / SIGTERM; a source stops between steps and reports what it has. */
  signal?: AbortSignal;
  /**
   * The command that gathers: `locks` asks for the holders even where the cheap way fails (the SQLite source
   * falls back to lsof when /proc/locks is missing); `audit` keeps to the cheap way; `watch` (once per interval,
   * for hours) looks only at the processes that hold a lock, not at every process's open files.
   */
  purpose?: 'audit' | 'locks' | 'watch';
  /** `audit --checkpoint`: run it (the source's one write), then describe the target as it left it. */
  checkpoint?: { mode: 'passive' | 'full' | 'restart' | 'truncate'; timeoutMs: number };
}

/** What `stress` asks of a source that runs its own workload. */
export interface SourceStressRequest {
  /** Concurrent start-up DDL (`--ddl-race`), with the statements of `--ddl-file` (its text) or the source's own. */
  ddlRace: boolean;
  statements?: string;
  /** Concurrent sessions (--writers) and rounds (--rounds). */
  sessions?: number;
  rounds?: number;
  /** Run the fixed arm too. */
  compare: boolean;
  /** Confirmed writes to a server that is not on this machine (--yes). */
  confirmed: boolean;
  signal?: AbortSignal;
}

/** `locks --for`: the sampling window. */
export interface SampleWindow {
  durationMs: number;
  hz: number;
  signal?: AbortSignal;
  /** Called while the window runs, with each of the source's targets' progress in the order given. */
  onProgress?: (elapsedMs: number, targets: LockWindowProgress[]) => void;
}

/** One target's lock sampling in progress (`locks --for` progress lines). */
export interface LockWindowProgress {
  /** Processes holding a lock on it at the last sample. */
  holders: number;
  /** The longest write-lock hold so far, an ongoing one included; null = none seen. */
  longestWrite: { pid: number; ms: number } | null;
  /** Frames in the WAL (the -shm header's mxFrame) at the last sample; null = not WAL, or unreadable. */
  walFrames: number | null;
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
  gather(target: string, context: GatherContext): F | Promise<F>;
  /** The steps of GatherContext it can run; a command refuses a flag asking for another (exit 2). */
  steps: readonly GatherStep[];
  /** Why a target could not be examined at all (what `gather` threw), as the target's one-line error. */
  inputError(target: string, err: unknown): ReportError;
  /**
   * `locks --for`: samples the targets' locks over the window (all at once) and returns each target's facts
   * as the window ended, with the samples in them, or the error that stopped reading it again. Absent when the
   * source cannot sample (`steps`).
   */
  sample?(targets: readonly { target: string; facts: F }[], window: SampleWindow): Promise<({ facts: F } | { error: ReportError })[]>;
  /**
   * `audit`: the app's settings its checks used, each with its origin or "not known" (the report's `app`
   * section). `app` is RunOptions.app: the SQLite settings today; a source with other settings reads its own.
   */
  describeApp?(app: AppSettings, stack: Stack | undefined, facts: F): AppSettingRow[];
  /**
   * `stress` on this source's targets, when its workload is its own (PostgreSQL: --ddl-race); absent = the
   * SQLite harness (src/sources/stress/). Returns the target's facts with what the run measured in them.
   */
  stress?(target: string, request: SourceStressRequest): Promise<F>;
  /** The sections `locks` adds beside the findings (who holds which lock, the sampling). */
  lockSections(facts: F): ReportSections;
  /** The check categories (checks/index.ts) its facts feed. */
  categories: readonly CheckCategory[];
  /** Saved facts (`--from-facts`) → its facts, checked as far as its checks and renderers rely on; throws a one-line Error. */
  readFacts(value: unknown): F;
  /** Whether these facts are this source's. */
  owns(facts: SourceFacts): facts is F;
  /** The facts table of the text output. */
  summarise(facts: F): readonly SummaryRow[];
  /** The stacks (drivers, frameworks) its fixes are written for (`--stack`). */
  stacks: readonly Stack[];
}
