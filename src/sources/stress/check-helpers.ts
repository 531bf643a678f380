/** Small pure helpers shared by the stress-* checks. */
import { busyTotal, errorTotal, fmtMs } from '../../output/stress-text.js';
import type { StressFacts } from '../../core/stress-facts.js';

export { busyTotal, errorTotal, fmtMs };

/** Write attempts plus read transactions: the denominator of error rates. */
export function attemptsOf(s: StressFacts): number {
  return s.attempts + s.readers.completed + errorTotal(s.readers.errors);
}

export function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((100 * part * 1000) / whole) / 1000;
}

/** One sentence on the recommended arm of `--compare`, or '' when none ran. */
export function recommendedNote(s: StressFacts): string {
  const r = s.recommended;
  if (!r) return '';
  return ` Measured with the recommended settings (WAL, busy_timeout ${r.settings.busyTimeoutMs} ms, BEGIN ${r.settings.tx.toUpperCase()}, synchronous ${r.settings.synchronous.toUpperCase()}) on the same workload: ${busyTotal(r.errors)} BUSY errors, ${Math.round(r.transactionsPerSecond)} tx/s, p99 ${fmtMs(r.latencyMs?.p99)}.`;
}

/** Evidence of the recommended arm, for scripts. */
export function recommendedEvidence(s: StressFacts): Record<string, number | null> {
  const r = s.recommended;
  if (!r) return {};
  return {
    recommendedBusyErrors: busyTotal(r.errors),
    recommendedTransactionsPerSecond: r.transactionsPerSecond,
    recommendedP99Ms: r.latencyMs?.p99 ?? null,
  };
}

export function workloadEvidence(s: StressFacts): Record<string, string | number> {
  const w = s.workload;
  return {
    writers: w.writers,
    readers: w.readers,
    tx: w.tx,
    pattern: w.pattern,
    journalMode: w.journalMode,
    busyTimeoutMs: w.busyTimeoutMs,
    synchronous: w.synchronous,
    durationMs: s.durationMs,
    // Where the knobs came from (declared, the stack's driver default, SQLite's default), in every format.
    knobSources: `busy_timeout: ${w.knobLabels.busyTimeout}; transaction: ${w.knobLabels.tx}; synchronous: ${w.knobLabels.synchronous}`,
  };
}
