/**
 * The shape of a check: a pure, synchronous function of the facts it declares.
 * A check never opens a file or prints; it returns one result, and the runner turns it into a Finding.
 */
import type { AuditFacts, GatherError } from './facts/types.js';
import type { AppSettings } from './facts/types.js';
import type { Evidence, Fix, Stack, Status } from './model.js';

export type FactKey = keyof AuditFacts;

/** The facts a check declared, with gather errors already ruled out by the runner. */
export type Narrowed<K extends FactKey> = Omit<AuditFacts, K> & { [P in K]: Exclude<AuditFacts[P], GatherError> };

export type ThresholdUnit = 'bytes' | 'ms' | 'frames' | 'pages' | 'count' | 'percent' | 'ratio';

export interface ThresholdSpec {
  default: number;
  unit: ThresholdUnit;
  description: string;
}

export interface CheckContext {
  /** The app's declared connection settings (flags, config); undefined = not declared. */
  app: AppSettings;
  /** This check's thresholds: defaults merged with the user's overrides. */
  thresholds: Record<string, number>;
  /** The app's stack (--stack / config `stack`): its defaults (src/stacks.ts) stand in for undeclared settings. */
  stack?: Stack;
}

export interface CheckResult {
  status: Status;
  /** Which of the check's messages this is: stable, one per way the check can end. */
  messageId: string;
  /** What was measured, with numbers. */
  message: string;
  evidence?: Evidence;
  fixes?: Fix[];
  /**
   * A title for this result when neither the check's title nor its failureTitle reads right (e.g. an `info`
   * that must not print the passing title). Absent: title for pass/info/skip, failureTitle for warn/fail.
   */
  title?: string;
}

export interface CheckDef<K extends FactKey = FactKey> {
  /** Stable kebab-case id = file name = doc name. */
  id: string;
  /** Reads right when it passes. */
  title: string;
  /** Reads right when it does not. */
  failureTitle: string;
  /** One line for `lockscope checks`: what it measures. */
  description: string;
  requires: readonly K[];
  thresholds?: Record<string, ThresholdSpec>;
  /**
   * The worst status this check gives with its default thresholds and no severity override: the status a
   * config `checks` entry replaces, shown by `lockscope checks` and used as the SARIF rule's default level.
   * Absent: taken from the status table of checks/<id>.md (a test keeps the two in step when both exist).
   */
  defaultSeverity?: 'fail' | 'warn' | 'info';
  /** False = the check does not apply to this run at all and produces no finding (e.g. no --checkpoint). */
  appliesTo?: (facts: AuditFacts) => boolean;
  run(facts: Narrowed<K>, ctx: CheckContext): CheckResult;
}

/** Identity helper that keeps each check an object literal with its types inferred. */
export function defineCheck<K extends FactKey>(check: CheckDef<K>): CheckDef<K> {
  return check;
}

// A registry holds checks of different K; the runner narrows before calling.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCheck = CheckDef<any>;
