/**
 * The exit code contract: 0 nothing at or above --fail-on, 1 something is, 2 lockscope could not do what was asked;
 * 128 + the signal's number when a signal cut a long command short (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
 */
import { type DatabaseReport, SEVERITY } from './model.js';

export type FailOn = 'fail' | 'warn' | 'never';

/**
 * `stress --live` answered "no" at its prompt: nothing was examined or written. Not 2 (nothing was wrong with
 * the input) nor 0 (a CI gate must not read it as a clean run): a code of its own, so a script can tell it.
 */
export const EXIT_NOT_CONFIRMED = 3;

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

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** The shell's exit status for a process stopped by `signal` (128 + its number). */
export function signalExitCode(signal: string): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 0);
}
