/** Runs the registered checks over one target's facts: each check on the facts of its own source. */
import type { AnyCheck, AppOf } from './check.js';
import { type AppSettings, type GatherError, isGatherError } from './facts.js';
import { type Finding, type SourceFacts, type SourceId, type Stack, factsSource } from './model.js';

/** User overrides: check id → threshold name → value. */
export type ThresholdOverrides = Record<string, Record<string, number>>;
/** User severity overrides: check id → off | info | warn | fail (issue: config `checks`). */
export type SeverityOverrides = Record<string, 'off' | 'info' | 'warn' | 'fail'>;

export interface RunOptions {
  /** The SQLite app's connection settings (ctx.app of the sqlite checks). */
  app: AppSettings;
  /** Another source's app settings, by source id (ctx.app of its checks; {} when absent). */
  apps?: { [S in Exclude<SourceId, 'sqlite'>]?: AppOf<S> };
  thresholds?: ThresholdOverrides;
  severity?: SeverityOverrides;
  /** The app's stack: its defaults stand in for undeclared settings in the checks that use them. */
  stack?: Stack;
}

export function thresholdsFor(check: AnyCheck, overrides: ThresholdOverrides | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, spec] of Object.entries(check.thresholds)) out[name] = spec.default;
  return { ...out, ...(overrides?.[check.id] ?? {}) };
}


/**
 * The one place where gather failures meet checks: picks exactly the facts a check declares. A check of another
 * source does not apply (null); a required fact that failed to gather skips the check; a required fact that is
 * absent (a run-only fact this run did not gather) means the check does not apply (null); an optional fact that
 * failed is passed as undefined, with its error in `unavailable`.
 */
export function runCheck(check: AnyCheck, facts: SourceFacts, options: RunOptions): Finding | null {
  const source = factsSource(facts);
  if (check.source !== source) return null;
  const all = facts as unknown as Readonly<Record<string, unknown>>;
  const base = { id: check.id, fixes: [], evidence: {} };
  const picked: Record<string, unknown> = {};
  const unavailable: Record<string, GatherError['error']> = {};
  for (const key of check.requires) {
    if (all[key] === undefined) return null;
  }
  for (const key of check.requires) {
    const value = all[key];
    if (isGatherError(value)) {
      return {
        ...base,
        status: 'skip',
        title: check.title,
        messageId: 'facts-unavailable',
        message: `Skipped: lockscope could not read ${String(key)}: ${value.error.message}`,
        evidence: { fact: String(key), errorCode: value.error.code },
      };
    }
    picked[key] = value;
  }
  for (const key of check.optional ?? []) {
    const value = all[key];
    if (isGatherError(value)) unavailable[key] = value.error;
    else if (value !== undefined) picked[key] = value;
  }
  const app = source === 'sqlite' ? options.app : (options.apps?.[source as Exclude<SourceId, 'sqlite'>] ?? {});
  const ctx: { app: unknown; thresholds: Record<string, number>; unavailable: object; stack?: Stack } = { app, thresholds: thresholdsFor(check, options.thresholds), unavailable };
  if (options.stack) ctx.stack = options.stack;
  try {
    const result = check.run(picked, ctx);
    // The contract gives an info result a title of its own (src/core/check.ts); the passing title over an info
    // message reads as a contradiction. A check that breaks it (through a cast) is lockscope's bug.
    if (result.status === 'info' && (!result.title || result.title === check.title)) {
      return {
        ...base,
        status: 'error',
        title: check.title,
        messageId: 'info-without-title',
        message: `lockscope bug: ${check.id} gave an info result (${result.messageId}) under its passing title`,
      };
    }
    return {
      id: check.id,
      status: result.status,
      title: result.title ?? (result.status === 'warn' || result.status === 'fail' ? check.failureTitle : check.title),
      messageId: result.messageId,
      message: result.message,
      fixes: result.fixes ?? [],
      evidence: result.evidence ?? {},
      ...(result.locations && result.locations.length > 0 ? { locations: result.locations } : {}),
    };
  } catch (err) {
    return {
      ...base,
      status: 'error',
      title: check.title,
      messageId: 'check-crashed',
      message: `lockscope bug: the check threw ${(err as Error)?.message ?? String(err)}`,
    };
  }
}

/** Applies a severity override: `off` drops the finding; info/warn/fail replace a non-passing status. */
export function applySeverity(finding: Finding, severity: SeverityOverrides | undefined): Finding | null {
  const override = severity?.[finding.id];
  if (!override) return finding;
  if (override === 'off') return null;
  if (finding.status === 'warn' || finding.status === 'fail' || finding.status === 'info') {
    if (finding.status === 'info' && override !== 'info') return finding;
    return { ...finding, status: override };
  }
  return finding;
}

export function runChecks(checks: readonly AnyCheck[], facts: SourceFacts, options: RunOptions): Finding[] {
  const findings: Finding[] = [];
  for (const check of checks) {
    const finding = runCheck(check, facts, options);
    const kept = finding && applySeverity(finding, options.severity);
    if (kept) findings.push(kept);
  }
  return findings;
}
