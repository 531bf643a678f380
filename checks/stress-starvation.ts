import { defineCheck } from '../src/core/check.js';
import type { Fix } from '../src/core/model.js';
import { workloadEvidence } from '../src/sources/stress/check-helpers.js';

function starvationFixes(): Fix[] {
  return [
    {
      summary: 'Send all writes through one writer (one connection, thread or process fed by a queue): writers then take turns instead of polling for the lock',
      code: '# Python: one writer thread owns the write connection\nwrites = queue.Queue()\ndef writer():\n    conn = sqlite3.connect(path, timeout=5)\n    while True:\n        fn = writes.get()\n        with conn:\n            fn(conn)\nthreading.Thread(target=writer, daemon=True).start()',
      caution: 'Readers can keep their own connections; in WAL mode they do not block the writer.',
    },
    {
      summary: 'Leave a gap between one transaction and the next in a tight write loop, and keep each transaction short',
      caution: "SQLite's busy handler sleeps 1, 2, 5, 10 … up to 100 ms between tries and keeps no queue: a writer that commits and begins again at once keeps winning the lock.",
      docs: 'https://www.sqlite.org/c3ref/busy_timeout.html',
    },
  ];
}

export default defineCheck({
  id: 'stress-starvation',
  title: 'Writers share the write lock fairly',
  failureTitle: 'Some writers are starved of the write lock',
  description: 'Committed transactions per writer in a stress run: the slowest writer against the fastest.',
  source: 'sqlite',
  category: 'stress',
  requires: ['stress'],
  messages: {
    'single-writer': ['skip'],
    'no-commits': ['skip'],
    starved: ['fail'],
    unfair: ['warn'],
    fair: ['pass'],
  },
  defaultSeverity: 'fail',
  thresholds: {
    minSharePercent: { default: 20, unit: 'percent', description: 'A writer that committed less than this share of the fastest writer warns.' },
  },
  run({ stress: s }, { thresholds }) {
    const minSharePercent = thresholds.minSharePercent;
    const counts = s.perWriter.map((w) => w.committed);
    const fastest = Math.max(0, ...counts);
    const slowest = counts.length > 0 ? Math.min(...counts) : 0;
    const sharePercent = fastest === 0 ? 0 : Math.round((1000 * slowest) / fastest) / 10;
    const evidence = { ...workloadEvidence(s), committedPerWriter: counts, fastest, slowest, sharePercent, minSharePercent };
    if (counts.length < 2) {
      return { status: 'skip', messageId: 'single-writer', message: 'One writer: there is nobody to be unfair to.', evidence };
    }
    if (fastest === 0) {
      return { status: 'skip', messageId: 'no-commits', message: 'No writer committed anything (see stress-busy).', evidence };
    }
    const list = counts.map((c) => c.toLocaleString('en-US')).join(' / ');
    const starved = counts.filter((c) => c === 0).length;
    if (starved > 0) {
      return {
        status: 'fail',
        messageId: 'starved',
        message: `${starved} of ${counts.length} writers committed nothing while the fastest committed ${fastest.toLocaleString('en-US')} (per writer: ${list}).`,
        evidence,
        fixes: starvationFixes(),
      };
    }
    if (sharePercent < minSharePercent) {
      return {
        status: 'warn',
        messageId: 'unfair',
        message: `The slowest writer committed ${slowest.toLocaleString('en-US')} transactions, ${sharePercent}% of the fastest one's ${fastest.toLocaleString('en-US')} (per writer: ${list}); below ${minSharePercent}%.`,
        evidence,
        fixes: starvationFixes(),
      };
    }
    return {
      status: 'pass',
      messageId: 'fair',
      message: `Committed per writer: ${list}; the slowest reached ${sharePercent}% of the fastest.`,
      evidence,
    };
  },
});
