import { defineCheck } from '../src/core/check.js';
import type { Fix } from '../src/core/model.js';
import { immediateTransactionFixes, perConnectionPragmaFixes, walModeFix } from '../src/sources/sqlite/fixes.js';
import { fmtMs, recommendedEvidence, recommendedNote, workloadEvidence } from '../src/sources/stress/check-helpers.js';
import type { StressFacts } from '../src/core/stress-facts.js';

function latencyFixes(s: StressFacts, lockBound: boolean): Fix[] {
  const w = s.workload;
  const fixes: Fix[] = [];
  if (w.journalMode !== 'wal') fixes.push(walModeFix());
  if (lockBound) {
    fixes.push({
      summary: 'Most of the time goes to waiting for the write lock: keep write transactions short (prepare data before BEGIN, commit promptly) and batch small writes into fewer transactions',
      caution: w.holdMs > 0 ? `This run held each write transaction open ${w.holdMs} ms (--hold): that time is multiplied by every writer queued behind it.` : undefined,
    });
  }
  if (w.journalMode === 'wal' && (w.synchronous === 'full' || w.synchronous === 'extra')) {
    fixes.push(
      ...perConnectionPragmaFixes(
        'In WAL mode, synchronous=NORMAL skips the fsync at every commit (the database stays consistent; a power loss can lose the last commits)',
        'synchronous = NORMAL',
        'https://www.sqlite.org/pragma.html#pragma_synchronous',
      ),
    );
  }
  if (w.tx === 'deferred' && s.upgradeBusy.total > 0) fixes.push(...immediateTransactionFixes());
  return fixes;
}

export default defineCheck({
  id: 'stress-latency',
  title: 'Commit latency stays low under concurrent writers',
  failureTitle: 'Write transactions are slow under concurrent load',
  description: 'The 99th percentile of committed write transactions (BEGIN to COMMIT, retries included) in a stress run.',
  source: 'sqlite',
  category: 'stress',
  requires: ['stress'],
  messages: {
    'no-commits': ['skip'],
    fast: ['pass'],
    'very-slow': ['fail', 'warn'],
    slow: ['fail', 'warn'],
  },
  defaultSeverity: 'fail',
  thresholds: {
    warnMs: { default: 200, unit: 'ms', description: 'A p99 latency above this warns.' },
    failMs: { default: 1000, unit: 'ms', description: 'A p99 latency above this fails.' },
  },
  run({ stress: s }, { thresholds }) {
    const warnMs = thresholds.warnMs;
    const failMs = thresholds.failMs;
    const l = s.latencyMs;
    if (!l) {
      return {
        status: 'skip',
        messageId: 'no-commits',
        message: 'No write transaction committed during the run, so there is no commit latency to measure (see stress-busy).',
        evidence: { ...workloadEvidence(s), committed: 0 },
      };
    }
    const lockP99 = s.lockWaitMs?.p99 ?? 0;
    // The lock wait counts as the cause when it makes up at least half of the p99 transaction.
    const lockBound = lockP99 >= l.p99 / 2;
    const evidence = {
      ...workloadEvidence(s),
      committed: s.committed,
      p50Ms: l.p50,
      p95Ms: l.p95,
      p99Ms: l.p99,
      maxMs: l.max,
      lockWaitP99Ms: lockP99,
      warnMs,
      failMs,
      ...recommendedEvidence(s),
    };
    const summary = `p50 ${fmtMs(l.p50)}, p95 ${fmtMs(l.p95)}, p99 ${fmtMs(l.p99)}, max ${fmtMs(l.max)} over ${s.committed.toLocaleString('en-US')} committed transactions`;
    if (l.p99 <= warnMs) {
      return { status: 'pass', messageId: 'fast', message: `Commit latency ${summary} (p99 within ${warnMs} ms).`, evidence };
    }
    const why = lockBound
      ? `Waiting for the write lock accounts for most of it (lock wait p99 ${fmtMs(lockP99)}).`
      : `The write lock was not the main cost (lock wait p99 ${fmtMs(lockP99)}): the commits themselves are slow (fsync${s.workload.synchronous === 'full' || s.workload.synchronous === 'extra' ? ` with synchronous ${s.workload.synchronous.toUpperCase()}` : ''}, disk, CPU).`;
    const fail = l.p99 > failMs;
    return {
      status: fail ? 'fail' : 'warn',
      messageId: fail ? 'very-slow' : 'slow',
      message: `Commit latency ${summary}: p99 above ${fail ? failMs : warnMs} ms. ${why}${recommendedNote(s)}`,
      evidence,
      fixes: latencyFixes(s, lockBound),
    };
  },
});
