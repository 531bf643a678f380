import { defineCheck } from '../src/core/check.js';
import type { Fix } from '../src/core/model.js';
import { busyTimeoutFixes, immediateTransactionFixes, walModeFix } from '../src/sources/sqlite/fixes.js';
import {
  attemptsOf,
  busyTotal,
  percentOf,
  recommendedEvidence,
  recommendedNote,
  workloadEvidence,
} from '../src/sources/stress/check-helpers.js';
import type { StressFacts } from '../src/core/stress-facts.js';

/** Fixes for what the run shows caused the BUSY errors, most likely cause first. */
function busyFixes(s: StressFacts): Fix[] {
  const w = s.workload;
  const fixes: Fix[] = [];
  if (w.journalMode !== 'wal') fixes.push(walModeFix());
  if (s.upgradeBusy.total > 0) fixes.push(...immediateTransactionFixes());
  if (w.busyTimeoutMs === 0) fixes.push(...busyTimeoutFixes(5000));
  if (s.busyAfterTimeout > 0) {
    fixes.push({
      summary: `Make write transactions shorter than the busy timeout (${w.busyTimeoutMs} ms): do slow work (network calls, file I/O, computation) before BEGIN, and commit in smaller batches`,
      caution: 'A longer busy timeout only helps if one writer at a time finishes within it; SQLite polls for the lock and does not queue waiters.',
    });
  }
  if (w.busyTimeoutMs > 0 && w.busyTimeoutMs < 5000 && s.busyAfterTimeout > 0) fixes.push(...busyTimeoutFixes(5000));
  return fixes;
}

export default defineCheck({
  id: 'stress-busy',
  title: 'No SQLITE_BUSY under concurrent writers',
  failureTitle: 'Writes fail with SQLITE_BUSY under concurrent load',
  description: 'SQLITE_BUSY errors (all extended codes) measured by a stress run, against the attempts made.',
  source: 'sqlite',
  category: 'stress',
  requires: ['stress'],
  messages: {
    'no-busy': ['pass'],
    'busy-many': ['fail', 'warn'],
    'busy-some': ['fail', 'warn'],
  },
  defaultSeverity: 'fail',
  thresholds: {
    failPercent: { default: 1, unit: 'percent', description: 'BUSY errors above this share of all attempts fail (any BUSY warns).' },
  },
  run({ stress: s }, { thresholds }) {
    const failPercent = thresholds.failPercent;
    const attempts = attemptsOf(s);
    const busy = busyTotal(s.errors);
    const busyPercent = percentOf(busy, attempts);
    const evidence = {
      ...workloadEvidence(s),
      attempts,
      busyErrors: busy,
      busyPercent,
      failPercent,
      SQLITE_BUSY: s.errors.SQLITE_BUSY,
      SQLITE_BUSY_SNAPSHOT: s.errors.SQLITE_BUSY_SNAPSHOT,
      SQLITE_BUSY_RECOVERY: s.errors.SQLITE_BUSY_RECOVERY,
      SQLITE_LOCKED: s.errors.SQLITE_LOCKED,
      busyAtOnce: s.busyAtOnce,
      busyAfterTimeout: s.busyAfterTimeout,
      failedTransactions: s.failed,
      retries: s.retries,
      ...recommendedEvidence(s),
    };
    const who = `${s.workload.writers} writer${s.workload.writers === 1 ? '' : 's'}${s.workload.readers > 0 ? ` and ${s.workload.readers} reader${s.workload.readers === 1 ? '' : 's'}` : ''}`;
    if (busy === 0) {
      return {
        status: 'pass',
        messageId: 'no-busy',
        message: `No SQLITE_BUSY in ${attempts.toLocaleString('en-US')} attempts by ${who} over ${(s.durationMs / 1000).toFixed(1)} s.`,
        evidence,
      };
    }
    const codes = (['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT'] as const)
      .filter((c) => s.errors[c] > 0)
      .map((c) => `${c} ${s.errors[c].toLocaleString('en-US')}`)
      .join(', ');
    const how =
      s.workload.busyTimeoutMs === 0
        ? `all at once, because busy_timeout is 0 ms (${s.workload.knobLabels.busyTimeout})`
        : `${s.busyAtOnce.toLocaleString('en-US')} at once (no busy timeout helps those), ${s.busyAfterTimeout.toLocaleString('en-US')} after waiting out the ${s.workload.busyTimeoutMs} ms busy timeout`;
    const givenUp = s.failed > 0 ? ` ${s.failed.toLocaleString('en-US')} transactions were given up${s.workload.retry > 0 ? ` after ${s.workload.retry} retries` : ''}.` : '';
    const over = busyPercent > failPercent;
    return {
      status: over ? 'fail' : 'warn',
      messageId: over ? 'busy-many' : 'busy-some',
      message: `${busy.toLocaleString('en-US')} of ${attempts.toLocaleString('en-US')} attempts (${busyPercent}%) by ${who} failed with "database is locked" (${codes}): ${how}.${givenUp}${recommendedNote(s)}`,
      evidence,
      fixes: busyFixes(s),
    };
  },
});
