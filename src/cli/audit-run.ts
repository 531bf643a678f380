/** The audit's steps over a list of targets: gather (and --checkpoint, --stress), check, build the report; and its replay. */
import { checksIn } from '../../checks/index.js';
import { sourceFor, sourceOf } from '../sources/index.js';
import type { AppSettings, AuditFacts, GatherError } from '../core/facts.js';
import type { GatherContext } from '../core/source.js';
import type { StressFacts } from '../core/stress-facts.js';
import { type CheckedDatabase, type DatabaseReport, type FailedDatabase, type Report, type SourceFacts, type Stack, isFactsOf } from '../core/model.js';
import { buildReport } from '../core/report.js';
import { type RunOptions, type SeverityOverrides, type ThresholdOverrides, runChecks } from '../core/runner.js';
import type { FailOn } from '../core/exit-code.js';
import type { FactsFile } from './facts-file.js';
import { replaySettings } from './facts-replay.js';

export interface AuditOptions {
  app: AppSettings;
  thresholds?: ThresholdOverrides;
  severity?: SeverityOverrides;
  checkpoint?: GatherContext['checkpoint'];
  /** The app's stack (--stack / config `stack`): fixes are filtered by it, and its defaults change verdicts. */
  stack?: Stack;
}

export interface AuditStress {
  /** Runs the short stress for one database's facts (lockscope stress's runStressForAudit). */
  run: (facts: AuditFacts) => Promise<StressFacts | GatherError>;
  /** The signal that interrupted the run (SIGINT, SIGTERM, SIGHUP), or null while none has. */
  interrupted?: () => string | null;
}

/**
 * A stress cut short by a signal measured a fraction of its workload: its numbers are not judged as a
 * measurement. The stress checks are skipped with this reason and the JSON carries it as the stress error.
 */
function interruptedStress(signal: string): GatherError {
  return { error: { code: 'INTERRUPTED', message: `interrupted by ${signal}: the stress was cut short, so lockscope does not judge its numbers (run it again to the end)` } };
}

/** One path's gathered facts, or why there are none (bad input is the database's `error`, never an exception). */
export type AuditGathered = { ok: true; facts: SourceFacts } | { ok: false; failed: FailedDatabase };

/** Gathers one path's facts (and runs --checkpoint). */
export async function gatherForAudit(path: string, options: AuditOptions): Promise<AuditGathered> {
  // The source that claims the target gathers it (resolveTargets kept only claimed targets), with the steps
  // the flags ask for when it can run them.
  const source = sourceFor(path);
  if (!source) return { ok: false, failed: { path, error: { code: 'NO_SOURCE', message: `${path}: lockscope reads no target of this kind` } } };
  const context: GatherContext = { purpose: 'audit' };
  if (options.checkpoint) {
    if (!source.steps.includes('checkpoint')) {
      return { ok: false, failed: { path, error: { code: 'NOT_SUPPORTED', message: `${path}: --checkpoint does not apply to ${source.id} targets` } } };
    }
    context.checkpoint = options.checkpoint;
  }
  try {
    return { ok: true, facts: await source.gather(path, context) };
  } catch (err) {
    return { ok: false, failed: { path, error: source.inputError(path, err) } };
  }
}

/** Audit runs every category; the sampling, checkpoint and stress checks apply only when their facts were gathered. */
const AUDIT_CHECKS = checksIn('audit', 'locks', 'checkpoint', 'stress');

export function checkFacts(path: string, facts: SourceFacts, options: AuditOptions): CheckedDatabase {
  const run: RunOptions = { app: options.app, thresholds: options.thresholds, severity: options.severity };
  if (options.stack) run.stack = options.stack;
  const checked: CheckedDatabase = { path, facts, findings: runChecks(AUDIT_CHECKS, facts, run) };
  const app = sourceOf(facts).describeApp?.(options.app, options.stack, facts);
  if (app) checked.app = app;
  return checked;
}

/** Audits one path: facts, then checks. */
export async function auditDatabase(path: string, options: AuditOptions): Promise<DatabaseReport> {
  const gathered = await gatherForAudit(path, options);
  return gathered.ok ? checkFacts(path, gathered.facts, options) : gathered.failed;
}

/** Audits each target in order; a target that is already a report (a glob that matched nothing) is kept as is. */
export async function runAudit(targets: readonly (string | DatabaseReport)[], options: AuditOptions, failOn: FailOn): Promise<Report> {
  const databases: DatabaseReport[] = [];
  for (const t of targets) databases.push(typeof t === 'string' ? await auditDatabase(t, options) : t);
  return buildReport('audit', databases, failOn);
}

/** The same, with a short stress run per database between gathering and checking (`audit --stress`). */
export async function runAuditWithStress(targets: readonly (string | DatabaseReport)[], options: AuditOptions, stress: AuditStress, failOn: FailOn): Promise<Report> {
  const databases: DatabaseReport[] = [];
  for (const target of targets) {
    if (typeof target !== 'string') {
      databases.push(target);
      continue;
    }
    const before = stress.interrupted?.();
    if (before) {
      databases.push({ path: target, error: { code: 'INTERRUPTED', message: `${target}: not audited: interrupted by ${before}` } });
      continue;
    }
    const gathered = await gatherForAudit(target, options);
    if (!gathered.ok) {
      databases.push(gathered.failed);
      continue;
    }
    const facts = gathered.facts;
    // The stress harness runs SQLite: another source's target is audited without it.
    if (!isFactsOf(facts, 'sqlite')) {
      databases.push(checkFacts(target, facts, options));
      continue;
    }
    const measured = await stress.run(facts);
    const signal = stress.interrupted?.();
    const withStress: AuditFacts = { ...facts, stress: signal ? interruptedStress(signal) : measured };
    databases.push(checkFacts(target, withStress, options));
  }
  return buildReport('audit', databases, failOn);
}

/** `audit --from-facts`: the saved databases checked again, without opening any of their files. */
export function replayAudit(file: FactsFile, flags: { app: AppSettings; stack?: Stack; threshold?: ThresholdOverrides }, failOn: FailOn): Report {
  const databases = file.databases.map((d): DatabaseReport => {
    if (d.error) return { path: d.path, error: d.error };
    const settings = replaySettings(d.settings, flags);
    const options: AuditOptions = { app: settings.app, thresholds: settings.thresholds, severity: settings.severity };
    if (settings.stack) options.stack = settings.stack;
    return checkFacts(d.path, d.facts, options);
  });
  return buildReport('audit', databases, failOn);
}
