/** The stress command's steps after the run: check the outcome, and the database's report (or why there is none). */
import { checksIn } from '../../checks/index.js';
import type { AppSettings } from '../core/facts.js';
import type { CheckedDatabase, FailedDatabase, Finding } from '../core/model.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../core/runner.js';
import type { StressFacts } from '../core/stress-facts.js';
import { AuditInputError } from '../sources/sqlite/gather.js';
import type { StressOutcome } from '../sources/stress/run.js';

/** The `stress` object of the JSON report: the facts without the recommended arm (that is in `compare`). */
export function stressJson(stress: StressFacts): Omit<StressFacts, 'recommended'> {
  const { recommended: _recommended, ...rest } = stress;
  return rest;
}

export function stressDatabaseReport(path: string, outcome: StressOutcome, findings: Finding[]): CheckedDatabase {
  const { stress: _stress, ...facts } = outcome.facts;
  const db: CheckedDatabase = { path, facts, findings, stress: stressJson(outcome.stress) };
  if (outcome.compare) db.compare = outcome.compare;
  return db;
}

/** The stress checks on a finished (or interrupted) run, and the database's report with its stress and compare sections. */
export function checkStress(path: string, outcome: StressOutcome, options: { app: AppSettings; thresholds?: ThresholdOverrides; severity?: SeverityOverrides }): CheckedDatabase {
  const findings = runChecks(checksIn('stress'), outcome.facts, options);
  return stressDatabaseReport(path, outcome, findings);
}

/** A stress that could not run at all (the database cannot be read, the scratch copy failed): that database's error. */
export function stressErrorReport(path: string, err: unknown): FailedDatabase {
  const e = err as { code?: string; message?: string };
  const message = err instanceof AuditInputError ? `${path}: ${err.message}` : (e.message ?? String(err));
  return { path, error: { code: e.code ?? 'ERROR', message } };
}
