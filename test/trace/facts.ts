/** Trace facts for the check tests: one healthy process to patch, and the facts around a list of them. */
import type { BusyEvent, TraceFacts, TracedProcess } from '../../src/sources/trace/facts.js';

const none = { count: 0, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null };

export function makeProcess(patch: Partial<TracedProcess> = {}): TracedProcess {
  return {
    pid: 4242,
    command: 'python3 app.py',
    runtime: 'python',
    threads: 1,
    lockCalls: 40,
    readTransactions: 10,
    writeHolds: { count: 5, p50Ms: 2, p90Ms: 3, p99Ms: 4, maxMs: 4 },
    longestWrites: [{ tid: 4242, atMs: 100, heldMs: 4, open: false }],
    busy: [],
    busyOmitted: 0,
    busyCounts: { acquired: 0, gaveUpAtOnce: 0, gaveUpAfterRetry: 0, inProgress: 0 },
    busyTimeout: null,
    modes: { writeFirst: 0, readThenWrite: 0, ambiguous: 0 },
    lockWaits: none,
    retryRun: null,
    ...patch,
  };
}

export function busyEvent(patch: Partial<BusyEvent> = {}): BusyEvent {
  return { pid: 4242, tid: 4242, atMs: 500, lock: 'wal-write', outcome: 'gave-up', kind: 'after-retry', attempts: 26, waitedMs: 1519, sleptMs: 1500, heldReadLock: true, heldBy: [4243], ...patch };
}

export function makeTraceFacts(processes: TracedProcess[]): TraceFacts {
  return {
    source: 'trace',
    path: 'app.db',
    realPath: '/srv/app.db',
    journalMode: 'wal',
    how: 'attach',
    window: { requestedMs: 10_000, tracedMs: 10_000, endedBy: 'window' },
    processes,
    lockCalls: processes.reduce((s, p) => s + p.lockCalls, 0),
    ignoredCalls: 0,
    unparsed: 0,
  };
}
