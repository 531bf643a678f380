/** Assembles the versioned report document that every formatter renders. */
import { type FailOn, exitCode, signalExitCode } from './exit-code.js';
import type { DatabaseReport, Report } from './model.js';
import { summarize } from './model.js';
import { VERSION } from './version.js';

export function buildReport(command: string, databases: DatabaseReport[], failOn: FailOn): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'lockscope', version: VERSION },
    command,
    databases,
    summary: summarize(databases),
    exitCode: exitCode(databases, failOn),
  };
}

/**
 * A report of a command a signal cut short (Ctrl-C, SIGTERM): it holds the partial results, says so, and its
 * exit code is the process's (130, 143), so the summary line and the JSON agree with the shell.
 */
export function markInterrupted(report: Report, signal: string): Report {
  return { ...report, interrupted: signal, exitCode: signalExitCode(signal) };
}
