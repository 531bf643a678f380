/** Runs the registered checks over one database's facts. */
import { type AnyCheck, type CheckContext, type FactKey, RUN_ONLY_FACTS, type RunOnlyFact } from './check.js';
import { type AppSettings, type AuditFacts, type GatherError, isGatherError } from './facts.js';
import type { Finding, Stack } from './model.js';

/** User overrides: check id → threshold name → value. */
export type ThresholdOverrides = Record<string, Record<string, number>>;
/** User severity overrides: check id → off | info | warn | fail (issue: config `checks`). */
export type SeverityOverrides = Record<string, 'off' | 'info' | 'warn' | 'fail'>;

export interface RunOptions {
  app: AppSettings;
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

/** Absent (not gathered, not run): undefined, or null for a run-only fact (src/core/check.ts RUN_ONLY_FACTS). */
function absent(key: FactKey, value: unknown): boolean {
  return value === undefined || (value === null && (RUN_ONLY_FACTS as readonly FactKey[]).includes(key));
}

/**
 * The one place where gather failures meet checks: picks exactly the facts a check declares. A required fact
 * that failed to gather skips the check; a required run-only fact that was not gathered means the check does
 * not apply (null); an optional fact that failed is passed as undefined, with its error in `unavailable`.
 */
export function runCheck(check: AnyCheck, facts: AuditFacts, options: RunOptions): Finding | null {
  const base = { id: check.id, fixes: [], evidence: {} };
  const picked: Partial<Record<FactKey, unknown>> = {};
  const unavailable: Partial<Record<FactKey, GatherError['error']>> = {};
  for (const key of check.requires) {
    if (RUN_ONLY_FACTS.includes(key as RunOnlyFact) && absent(key, facts[key])) return null;
  }
  for (const key of check.requires) {
    const value = facts[key];
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
    const value = facts[key];
    if (isGatherError(value)) unavailable[key] = value.error;
    else if (!absent(key, value)) picked[key] = value;
  }
  const ctx: CheckContext<string, FactKey> = { app: options.app, thresholds: thresholdsFor(check, options.thresholds), unavailable };
  if (options.stack) ctx.stack = options.stack;
  try {
    const result = check.run(picked, ctx);
    return {
      id: check.id,
      status: result.status,
      title: result.title ?? (result.status === 'warn' || result.status === 'fail' ? check.failureTitle : check.title),
      messageId: result.messageId,
      message: result.message,
      fixes: result.fixes ?? [],
      evidence: result.evidence ?? {},
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

export function runChecks(checks: readonly AnyCheck[], facts: AuditFacts, options: RunOptions): Finding[] {
  const findings: Finding[] = [];
  for (const check of checks) {
    const finding = runCheck(check, facts, options);
    const kept = finding && applySeverity(finding, options.severity);
    if (kept) findings.push(kept);
  }
  return findings;
}
