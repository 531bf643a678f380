/** Runs the registered checks over one database's facts. */
import type { AnyCheck, CheckContext } from './check.js';
import { type AppSettings, type AuditFacts, isGatherError } from './facts/types.js';
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
  for (const [name, spec] of Object.entries(check.thresholds ?? {})) out[name] = spec.default;
  return { ...out, ...(overrides?.[check.id] ?? {}) };
}

export function runCheck(check: AnyCheck, facts: AuditFacts, options: RunOptions): Finding | null {
  if (check.appliesTo && !check.appliesTo(facts)) return null;
  const base = { id: check.id, fixes: [], evidence: {} };
  for (const key of check.requires as (keyof AuditFacts)[]) {
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
  }
  const ctx: CheckContext = { app: options.app, thresholds: thresholdsFor(check, options.thresholds) };
  if (options.stack) ctx.stack = options.stack;
  try {
    const result = check.run(facts, ctx);
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
