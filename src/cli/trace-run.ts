/**
 * The trace steps shared by `lockscope trace` and `audit --trace`: trace a database over a window with the
 * signals wired (Ctrl-C, SIGTERM and SIGHUP end the window early; strace then detaches), check, build the report;
 * and the app settings a trace observed, for the audit.
 */
import { checksIn } from '../../checks/index.js';
import type { AppSettings } from '../core/facts.js';
import type { CheckedDatabase, Report, Stack } from '../core/model.js';
import { buildReport } from '../core/report.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../core/runner.js';
import type { FailOn } from '../core/exit-code.js';
import type { TraceFacts } from '../sources/trace/facts.js';
import { observedSettings } from '../sources/trace/observed.js';
import { type TraceRequest, traceDatabase } from '../sources/trace/trace.js';
import type { Io } from './io.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Traces with the signals listened to; `interrupted` is the signal that ended the window early, if one did. */
export async function traceWithSignals(io: Io, req: Omit<TraceRequest, 'signal'>): Promise<{ facts: TraceFacts; interrupted: NodeJS.Signals | null }> {
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  const stop = io.interrupts.listen(SIGNALS, (signal) => {
    interrupted ??= signal;
    abort.abort(signal);
  });
  try {
    const facts = await traceDatabase({ ...req, signal: abort.signal });
    return { facts, interrupted };
  } finally {
    stop();
  }
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
