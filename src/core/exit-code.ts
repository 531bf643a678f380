/** The exit code contract: 0 nothing at or above --fail-on, 1 something is, 2 lockscope could not do what was asked. */
import { type DatabaseReport, SEVERITY } from './model.js';

export type FailOn = 'fail' | 'warn' | 'never';

export function exitCode(databases: readonly DatabaseReport[], failOn: FailOn): 0 | 1 | 2 {
  let worst: 0 | 1 | 2 = 0;
  for (const db of databases) {
    if (db.error) return 2;
    for (const f of db.findings ?? []) {
      if (f.status === 'error') return 2;
      if (failOn !== 'never' && SEVERITY[f.status] >= SEVERITY[failOn]) worst = 1;
    }
  }
  return worst;
}
