/** Assembles the versioned report document that every formatter renders. */
import { type FailOn, exitCode } from './exit-code.js';
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
