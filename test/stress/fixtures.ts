/**
 * Stress facts for check tests: a healthy baseline run (4 writers, WAL, busy 5000, immediate, no
 * errors) that each test patches with only what its case is about.
 */
import type { AuditFacts } from '../../src/core/facts.js';
import type { StressFacts } from '../../src/core/stress-facts.js';
import { emptyErrorCounts } from '../../src/core/stress-facts.js';
import { makeFacts } from '../helpers/facts.js';

export function baseStress(): StressFacts {
  return {
    workload: {
      writers: 4,
      readers: 0,
      durationMs: 1000,
      transactions: null,
      busyTimeoutMs: 5000,
      busyTimeoutSource: 'flag',
      tx: 'immediate',
      txSource: 'flag',
      txBegins: 'first-statement',
      stack: null,
      knobLabels: { busyTimeout: 'declared', tx: 'declared', synchronous: 'declared' },
      pattern: 'insert',
      batch: 1,
      holdMs: 0,
      readerHoldMs: 0,
      thinkMs: 0,
      rowBytes: 100,
      synchronous: 'normal',
      synchronousSource: 'flag',
      retry: 0,
      journalMode: 'wal',
      pageSizeBytes: 4096,
      autoVacuum: 'none',
      walAutocheckpointPages: 1000,
    },
    target: 'scratch',
    durationMs: 1000,
    committed: 4000,
    rowsCommitted: 4000,
    attempts: 4000,
    failed: 0,
    transactionsPerSecond: 4000,
    latencyMs: { p50: 0.2, p95: 1, p99: 5, max: 40 },
    lockWaitMs: { p50: 0.01, p99: 2, max: 30 },
    errors: emptyErrorCounts(),
    errorRates: emptyErrorCounts(),
    otherErrors: [],
    busyAtOnce: 0,
    busyAfterTimeout: 0,
    upgradeBusy: { SQLITE_BUSY: 0, SQLITE_BUSY_SNAPSHOT: 0, total: 0 },
    upgradeAttempts: 0,
    retries: 0,
    walPeakBytes: 4_120_032,
    checkpointsSeen: 4,
    wal: { walPeakBytes: 4_120_032, maxFrames: 1000, maxFramesNotBackfilled: 1000, walResets: 4, checkpointsSeen: 4, samples: 20 },
    perWriter: [1000, 1000, 1000, 1000].map((committed) => ({ committed, errors: 0, failed: 0, retries: 0 })),
    readers: { completed: 0, errors: emptyErrorCounts(), latencyMs: null },
    histogram: [{ upperMs: 0.2, count: 2000 }, { upperMs: 5, count: 1960 }, { upperMs: 50, count: 40 }],
    effective: { journalMode: 'wal', synchronous: 1, busyTimeoutMs: 5000, walAutocheckpointPages: 1000 },
    latencySamplesExact: true,
    scratch: {
      path: '/data/.app.db.lockscope-stress-1-00000000.db',
      directory: '/data',
      nextToTarget: true,
      filesystem: 'ext4',
      targetFilesystem: 'ext4',
      sameDevice: true,
      sameFilesystemType: true,
      removed: true,
    },
    liveTable: null,
    leftoversRemoved: [],
    interrupted: null,
    recommended: null,
  };
}

type Patch = { [K in keyof StressFacts]?: StressFacts[K] extends object ? Partial<StressFacts[K]> | StressFacts[K] : StressFacts[K] };

/** The baseline with `patch` applied one level deep (objects merge, arrays and scalars replace). */
export function makeStress(patch: Patch = {}): StressFacts {
  const base = baseStress() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    const cur = base[k];
    base[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' ? { ...cur, ...v } : v;
  }
  return base as unknown as StressFacts;
}

export function factsWithStress(stress: StressFacts | AuditFacts['stress']): AuditFacts {
  return { ...makeFacts(), stress };
}
