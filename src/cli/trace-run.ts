/**
 * The trace steps shared by `lockscope trace` and `audit --trace`: trace a database over a window with the
 * signals wired (Ctrl-C, SIGTERM and SIGHUP end the window early; strace then detaches), check, build the report;
 * and the app settings a trace observed, for the audit.
 */
import { checksIn } from '../../checks/index.js';
import type { AppSettings } from '../core/facts.js';
import type { CheckedDatabase, DatabaseReport, Report, Stack } from '../core/model.js';
import { buildReport } from '../core/report.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../core/runner.js';
import type { FailOn } from '../core/exit-code.js';
import type { TraceFacts } from '../sources/trace/facts.js';
import { observedSettings } from '../sources/trace/observed.js';
import { type TraceRequest, traceDatabase, traceDatabases } from '../sources/trace/trace.js';
import { type AuditOptions, auditDatabase } from './audit-run.js';
import type { Io } from './io.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs `trace` with the signals listened to; `interrupted` is the signal that ended the window early, if one did. */
async function withSignals<T>(io: Io, trace: (signal: AbortSignal) => Promise<T>): Promise<{ result: T; interrupted: NodeJS.Signals | null }> {
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const stop = io.interrupts.listen(SIGNALS, (signal) => {
    interrupted ??= signal;
    abort.abort(signal);
  });
  try {
    const result = await trace(abort.signal);
    return { result, interrupted };
  } finally {
    stop();
  }
}

/** `lockscope trace`: one database. */
export async function traceWithSignals(io: Io, req: Omit<TraceRequest, 'signal'>): Promise<{ facts: TraceFacts; interrupted: NodeJS.Signals | null }> {
  const { result, interrupted } = await withSignals(io, (signal) => traceDatabase({ ...req, signal }));
  return { facts: result, interrupted };
}

/** `audit --trace`: every database target at once, one strace; each target's trace facts by its path. */
export async function traceForAudit(io: Io, paths: readonly string[], windowMs: number): Promise<{ traced: Map<string, TraceFacts>; interrupted: NodeJS.Signals | null }> {
  const { result, interrupted } = await withSignals(io, (signal) => traceDatabases({ paths, cwd: io.cwd, windowMs, signal }));
  return { traced: new Map(result.map((f) => [f.path, f])), interrupted };
}

/** The audit with each target's settings completed by what its trace observed (withObserved). */
export async function auditWithTrace(targets: readonly (string | DatabaseReport)[], options: AuditOptions, traced: ReadonlyMap<string, TraceFacts>, failOn: FailOn): Promise<Report> {
  const databases: DatabaseReport[] = [];
  for (const t of targets) {
    if (typeof t !== 'string') {
      databases.push(t);
      continue;
    }
    const facts = traced.get(t);
    databases.push(await auditDatabase(t, facts ? { ...options, app: withObserved(options.app, facts) } : options));
  }
  return buildReport('audit', databases, failOn);
}

/** One line per traced database whose trace observed neither setting, so "not known" in the report is explained. */
export function unobservedNotes(traced: ReadonlyMap<string, TraceFacts>): string[] {
  const out: string[] = [];
  for (const [path, facts] of traced) {
    const seen = observedSettings(facts);
    if (seen.busyTimeoutMs || seen.transactionMode) continue;
    const n = facts.processes.length;
    out.push(`--trace: ${path}: ${n} process(es) traced for ${(facts.window.tracedMs / 1000).toFixed(1)} s; no wait ended in SQLITE_BUSY and no write was refused at once, so neither the busy timeout nor the transaction mode was observed`);
  }
  return out;
}

export interface TraceCheckOptions {
  thresholds?: ThresholdOverrides;
  severity?: SeverityOverrides;
  stack?: Stack;
}

/** The trace checks on one database's trace facts. */
export function checkTrace(path: string, facts: TraceFacts, options: TraceCheckOptions): CheckedDatabase {
  const findings = runChecks(checksIn('trace'), facts, { app: {}, thresholds: options.thresholds, severity: options.severity, ...(options.stack ? { stack: options.stack } : {}) });
  return { path, facts, findings };
}

export function traceReport(path: string, facts: TraceFacts, options: TraceCheckOptions, failOn: FailOn): Report {
  return buildReport('trace', [checkTrace(path, facts, options)], failOn);
}

/** `audit --trace`: the declared settings, with what the trace observed filling in those the app did not declare. */
export function withObserved(declared: AppSettings, facts: TraceFacts): AppSettings {
  const observed = observedSettings(facts);
  const app: AppSettings = { ...declared };
  const origins = { ...(declared.origins ?? {}) };
  if (declared.busyTimeoutMs === undefined && observed.busyTimeoutMs) {
    app.busyTimeoutMs = observed.busyTimeoutMs.value;
    origins.busyTimeoutMs = observed.busyTimeoutMs.origin;
  }
  if (declared.transactionMode === undefined && observed.transactionMode) {
    app.transactionMode = observed.transactionMode.value;
    origins.transactionMode = observed.transactionMode.origin;
  }
  if (Object.keys(origins).length > 0) app.origins = origins;
  return app;
}
