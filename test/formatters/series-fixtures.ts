/**
 * Time series with a known shape, for the chart and HTML renderers (pure: no run needed). The stress run
 * drops throughput and raises BUSY at each checkpoint, with a sawtooth WAL; the lock window has a writer
 * holding the write lock most of the time, a reader, an idle connection (DMS and SHARED only: no lane), and a
 * WAL that only grows (the reader pins it).
 */
import type { LockSampleFacts } from '../../src/core/facts.js';
import type { HoldInterval, StressSeries, WalPoint } from '../../src/core/series.js';
import { hold, proc, readHold, samples } from '../locks/fake-samples.js';

/** 10 s in 250 ms intervals; every 10th interval is a checkpoint: few commits, a burst of BUSY, the WAL reset. */
export function stressSeries(): StressSeries {
  const intervals = Array.from({ length: 40 }, (_, i) => {
    const checkpoint = i % 10 === 9;
    return {
      startMs: i * 250,
      endMs: (i + 1) * 250,
      committed: checkpoint ? 20 : 200 + (i % 3) * 10,
      reads: 50,
      busy: checkpoint ? { SQLITE_BUSY: 12, SQLITE_BUSY_SNAPSHOT: 3 } : {},
      p50Ms: 1.2,
      p99Ms: checkpoint ? 240 : 4,
      maxMs: checkpoint ? 250 : 6,
    };
  });
  const wal: WalPoint[] = Array.from({ length: 100 }, (_, i) => ({
    tMs: i * 100,
    walBytes: ((i % 25) + 1) * 160_000,
    mxFrame: ((i % 25) + 1) * 39,
    nBackfill: 0,
  }));
  return { intervalMs: 250, intervals, wal };
}

const WRITER = 4242;
const READER = 4243;
const IDLE = 4244;

/** 10 s at 100 Hz: the writer holds the write lock 400 ms of every 480 ms (83 %); the reader reads from 2 s to 7 s. */
export function lockWindow(commands: Partial<Record<'writer' | 'reader' | 'idle', string>> = {}): LockSampleFacts {
  const holds: HoldInterval[] = [];
  for (let t = 0; t + 400 <= 10_000; t += 480) holds.push({ pid: WRITER, lock: 'WRITER', mode: 'exclusive', startMs: t, endMs: t + 400, open: false });
  holds.push({ pid: READER, lock: 'READ-MARK-1', mode: 'shared', startMs: 2000, endMs: 7000, open: false });
  // What every open WAL connection holds: no lane of its own.
  holds.push({ pid: IDLE, lock: 'SHARED', mode: 'shared', startMs: 0, endMs: 10_000, open: true });
  holds.push({ pid: IDLE, lock: 'DMS', mode: 'shared', startMs: 0, endMs: 10_000, open: true });
  const wal: WalPoint[] = Array.from({ length: 51 }, (_, i) => ({ tMs: i * 200, walBytes: 32_992 + i * 82_400, mxFrame: 8 + i * 20, nBackfill: 0 }));
  return samples(
    [
      proc(WRITER, { command: commands.writer ?? 'python3 app.py --serve', write: hold({ share: 0.83, heldMs: 8300, acquisitions: 20, longestMs: 400 }) }),
      proc(READER, { command: commands.reader ?? 'node report.js', read: readHold({ share: 0.5, heldMs: 5000, longestMs: 5000 }) }),
      proc(IDLE, { command: commands.idle ?? 'sqlite3 app.db' }),
    ],
    { timeline: { holds, wal } },
  );
}
