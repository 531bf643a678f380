/**
 * The shape of a check: a pure, synchronous function of the facts it declares, from one source.
 * A check never opens a file or prints; it returns one result, and the runner turns it into a Finding.
 *
 * The contract a check fills in (defineCheck infers every type parameter from the object literal):
 * - `source`: whose facts it reads (`sqlite`, or a source that registered its facts in FactsBySource). The
 *   runner runs it only on that source's facts, and `requires`/`optional` are keys of those facts.
 * - `requires`: facts it cannot run without. The runner passes them with gather errors ruled out; a failed
 *   gatherer turns the check into a `skip` (messageId `facts-unavailable`). A required fact that is absent
 *   (`undefined`: a run-only fact such as sampling, --checkpoint or stress that this run did not gather) means
 *   the check does not apply.
 * - `optional`: facts it uses when present; `undefined` when absent or when the gatherer failed (the failure is
 *   in `ctx.unavailable`). Only declared facts are passed: reading any other does not compile.
 * - `thresholds`: each with its default, unit and meaning; `ctx.thresholds` has exactly these names, typed.
 * - `messages`: every messageId the check can return, with the statuses it can end in; `run` cannot return
 *   another id or another status for it.
 * - `defaultSeverity` and `category`: data, shown by `lockscope checks` and used by the commands.
 */
import type { GatherError } from './facts.js';
import type { AppSettings } from './facts.js';
import type { Evidence, FactsBySource, FindingLocation, Fix, SourceId, Stack, Status } from './model.js';

/** The facts of one source. */
export type FactsOf<S extends SourceId> = FactsBySource[S];
/** The names of one source's facts. */
export type FactKey<S extends SourceId = SourceId> = keyof FactsOf<S> & string;

/**
 * The app's settings a source's checks are given (`ctx.app`): SQLite's per-connection settings, with where each
 * came from. A source whose checks need other settings adds its entry by declaration merging, as for facts.
 */
export interface AppSettingsBySource {
  sqlite: AppSettings;
}
export type AppOf<S extends SourceId> = S extends keyof AppSettingsBySource ? AppSettingsBySource[S] : Record<string, never>;

/** A required fact as the check sees it: never a gather error, never absent. */
export type RequiredFact<S extends SourceId, K extends FactKey<S>> = Exclude<FactsOf<S>[K], GatherError | undefined>;

/** Exactly the facts a check declared: the required ones, and the optional ones (undefined when unavailable). */
export type CheckFacts<S extends SourceId, R extends FactKey<S>, O extends FactKey<S> = never> = { readonly [P in R]: RequiredFact<S, P> } & {
  readonly [P in O]: Exclude<FactsOf<S>[P], GatherError> | undefined;
};

export type ThresholdUnit = 'bytes' | 'ms' | 'frames' | 'pages' | 'count' | 'percent' | 'ratio';

export interface ThresholdSpec {
  default: number;
  unit: ThresholdUnit;
  description: string;
}

/** The statuses a check's own result can have (skip for "not applicable here" is a result too). */
export type ResultStatus = Exclude<Status, 'error'>;
export type Severity = 'fail' | 'warn' | 'info';

/** Which command runs a check (checks/index.ts CATEGORIES has the order and what each means). */
export type CheckCategory = 'audit' | 'locks' | 'checkpoint' | 'stress' | 'trace' | 'scan';

export interface CheckContext<T extends string = string, O extends string = string, S extends SourceId = SourceId> {
  /** The app's connection settings (observed, found in its code, or declared; see SettingOrigin); undefined = not known. */
  app: AppOf<S>;
  /** This check's thresholds: defaults merged with the user's overrides. */
  thresholds: { readonly [N in T]: number };
  /** The app's stack (--stack / config `stack`): its defaults (src/sources/sqlite/stacks.ts) stand in for undeclared settings. */
  stack?: Stack;
  /** Why an optional fact is undefined when its gatherer failed (absent key: it was gathered, or not asked for). */
  unavailable: { readonly [P in O]?: GatherError['error'] };
}

interface ResultBase {
  /** What was measured, with numbers. */
  message: string;
  evidence?: Evidence;
  fixes?: Fix[];
  /**
   * A title for this result when neither the check's title nor its failureTitle reads right (e.g. an `info`
   * that must not print the passing title). Absent: title for pass/info/skip, failureTitle for warn/fail.
   */
  title?: string;
  /** The lines of the user's code or config it is about (a source that reads code: lockscope scan). */
  locations?: FindingLocation[];
}

/** Declared messages: messageId → the statuses a result with that id can have. */
export type Messages = Record<string, readonly ResultStatus[]>;

/**
 * A result with status `S`: an `info` result must carry a title of its own, since the check's title reads as a
 * pass ("has the known WAL and locking fixes") and would contradict an info message ("It predates the fix…").
 */
type ResultWith<I extends string, S extends ResultStatus> = S extends 'info'
  ? ResultBase & { messageId: I; status: S; title: string }
  : ResultBase & { messageId: I; status: S };

/** One result: a declared messageId with one of the statuses declared for it (an info one with its own title). */
export type CheckResult<M extends Messages = Messages> = {
  [I in keyof M & string]: ResultWith<I, M[I][number]>;
}[keyof M & string];

export interface CheckDef<S extends SourceId, R extends FactKey<S>, O extends FactKey<S> = never, T extends string = string, M extends Messages = Messages> {
  /** Stable kebab-case id = file name = doc name. */
  id: string;
  /** Whose facts it reads: the runner gives it only that source's facts. */
  source: S;
  /** Which command runs it (the registry's one order decides the order within a command). */
  category: CheckCategory;
  /** Reads right when it passes. */
  title: string;
  /** Reads right when it does not. */
  failureTitle: string;
  /** One line for `lockscope checks`: what it measures. */
  description: string;
  requires: readonly R[];
  optional?: readonly O[];
  /** Every threshold with its default, unit and meaning ({} when none): the one place its default is written. */
  thresholds: { readonly [N in T]: ThresholdSpec };
  messages: M;
  /**
   * The worst status this check gives with its default thresholds and no severity override: the status a
   * config `checks` entry replaces, shown by `lockscope checks` and used as the SARIF rule's default level.
   * The meta test keeps it equal to the worst of the declared messages' statuses and the doc's status table.
   */
  defaultSeverity: Severity;
  run(facts: CheckFacts<S, R, O>, ctx: CheckContext<T, O, S>): CheckResult<M>;
}

/** Identity helper that keeps each check an object literal with its types inferred. */
export function defineCheck<S extends SourceId, R extends FactKey<S>, const M extends Messages, O extends FactKey<S> = never, T extends string = never>(
  check: CheckDef<S, R, O, T, M>,
): CheckDef<S, R, O, T, M> {
  return check;
}

/** A registered check of any shape, as the runner and the catalogue see it. */
export interface AnyCheck {
  id: string;
  source: SourceId;
  category: CheckCategory;
  title: string;
  failureTitle: string;
  description: string;
  requires: readonly string[];
  optional?: readonly string[];
  thresholds: { readonly [name: string]: ThresholdSpec };
  messages: Messages;
  defaultSeverity: Severity;
  // The runner passes exactly the declared facts of the check's source; the check's own signature is narrower.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(facts: any, ctx: any): CheckResult;
}
