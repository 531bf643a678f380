import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';
import { busyTimeoutFixes, immediateTransactionFixes } from '../src/sources/sqlite/fixes.js';
import { byPid, fixesFor, processWords } from '../src/sources/trace/check-helpers.js';

export default defineCheck({
  id: 'trace-retry-storm',
  title: 'No thread keeps failing on the same lock',
  failureTitle: 'A thread retries a lock over and over after SQLITE_BUSY',
  description: 'From `lockscope trace`: the longest run of given-up lock sequences in a row from one thread (application-level retries).',
  source: 'trace',
  category: 'trace',
  requires: ['processes'],
  messages: {
    'no-failures': ['pass'],
    'isolated-failures': ['pass'],
    storm: ['warn'],
  },
  thresholds: {
    minRun: { default: 5, unit: 'count', description: 'This many given-up sequences in a row from one thread, with no success between, warn.' },
  },
  defaultSeverity: 'warn',
  run({ processes }, { thresholds }) {
    const { minRun } = thresholds;
    const runs = processes.filter((p) => p.retryRun !== null);
    const evidence = { minRun, processes: byPid(runs, (i) => runs[i]!.retryRun) };
    if (runs.length === 0) {
      return { status: 'pass', messageId: 'no-failures', message: `No traced process gave up on a lock in the window (${processes.length} traced).`, evidence };
    }
    const worst = runs.reduce((a, b) => (b.retryRun!.count > a.retryRun!.count ? b : a));
    const r = worst.retryRun!;
    if (r.count < minRun) {
      return { status: 'pass', messageId: 'isolated-failures', message: `At most ${r.count} given-up lock sequence(s) in a row from one thread (${processWords(worst)}, thread ${r.tid}).`, evidence };
    }
    return {
      status: 'warn',
      messageId: 'storm',
      message: `Thread ${r.tid} of ${processWords(worst)} gave up on a lock ${r.count} times in a row, with no success between, over ${formatMs(Math.max(0, r.lastAtMs - r.firstAtMs))}: the app catches "database is locked" and tries again. Retrying in the app adds load while the lock is held; let SQLite wait instead (a busy timeout) and take the write lock first (BEGIN IMMEDIATE).`,
      evidence: { ...evidence, pid: worst.pid, tid: r.tid, run: r.count },
      fixes: [...fixesFor(busyTimeoutFixes(5000), [worst]), ...fixesFor(immediateTransactionFixes(), [worst])],
    };
  },
});
