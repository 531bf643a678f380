/**
 * The numbers behind the pictures, shared by the terminal charts (charts.ts) and the HTML report (html.ts):
 * per-interval rates of a stress run, and which sampled holds count as the write lock or a read lock.
 * Pure; it draws nothing.
 */
import type { HoldInterval, StressSeries, WalPoint } from '../core/series.js';

/** One stress interval as rates: what the charts plot. */
export interface StressRate {
  startMs: number;
  endMs: number;
  /** Transactions committed per second over the interval. */
  txPerSec: number;
  /** BUSY-family and LOCKED failures per second (every kind in `busy` summed). */
  busyPerSec: number;
  committed: number;
  busy: number;
}

/** Rates per interval; an interval of no length (a run cut at its start) has none. */
export function stressRates(series: StressSeries): StressRate[] {
  return series.intervals
    .filter((i) => i.endMs > i.startMs)
    .map((i) => {
      const seconds = (i.endMs - i.startMs) / 1000;
      const busy = Object.values(i.busy).reduce((a, n) => a + n, 0);
      return { startMs: i.startMs, endMs: i.endMs, txPerSec: i.committed / seconds, busyPerSec: busy / seconds, committed: i.committed, busy };
    });
}

/** Failures over the whole run by kind, largest first (zero kinds left out). */
export function busyByKind(series: StressSeries): [string, number][] {
  const totals = new Map<string, number>();
  for (const i of series.intervals) for (const [kind, n] of Object.entries(i.busy)) totals.set(kind, (totals.get(kind) ?? 0) + n);
  return [...totals].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
}

export type HoldKind = 'write' | 'read';

/** Lock names as the sampler may spell them (WRITER, WRITE, wal-write, READ-MARK-1, READ1, wal-read-1…), compared without case or punctuation. */
const WRITE_LOCKS = new Set(['WRITE', 'WRITER', 'WALWRITE', 'RESERVED', 'PENDING', 'EXCLUSIVE']);
const READ_MARK = /^(?:WAL)?READ(?:MARK)?\d$/;

/**
 * What a sampled hold means for other connections: `write` = the write lock (WAL's WRITE byte, or
 * RESERVED/PENDING/EXCLUSIVE on a rollback database: no other writer can start); `read` = a read transaction
 * (a WAL read mark held shared, or SHARED on a rollback database). Null for what every connection holds
 * while merely open (DMS; SHARED on a WAL database, kept for the connection's life: sqlite-lock-facts.md,
 * pager.c:1831) and for the checkpointer's own locks (CKPT, a read mark held exclusive while backfilling),
 * which block no writer.
 */
export function holdKind(hold: Pick<HoldInterval, 'lock' | 'mode'>, journal: 'wal' | 'rollback'): HoldKind | null {
  const name = hold.lock.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (WRITE_LOCKS.has(name)) return 'write';
  if (READ_MARK.test(name)) return hold.mode === 'shared' ? 'read' : null;
  if (name === 'SHARED') return journal === 'rollback' ? 'read' : null;
  return null;
}

/** A process's row of the lock timeline: its write and read holds as [startMs, endMs] spans. */
export interface ProcessLane {
  pid: number;
  write: [number, number][];
  read: [number, number][];
}

/** One lane per process that held the write lock or a read lock, in the order `pids` gives, then any other pid. */
export function processLanes(holds: readonly HoldInterval[], journal: 'wal' | 'rollback', pids: readonly number[] = []): ProcessLane[] {
  const lanes = new Map<number, ProcessLane>();
  const lane = (pid: number) => {
    let l = lanes.get(pid);
    if (!l) lanes.set(pid, (l = { pid, write: [], read: [] }));
    return l;
  };
  for (const pid of pids) lane(pid);
  for (const h of holds) {
    const kind = holdKind(h, journal);
    if (kind) lane(h.pid)[kind].push([h.startMs, Math.max(h.startMs, h.endMs)]);
  }
  return [...lanes.values()].filter((l) => l.write.length > 0 || l.read.length > 0);
}

function spanTotal(spans: readonly [number, number][]): number {
  return spans.reduce((a, [s, e]) => a + (e - s), 0);
}

/**
 * At most `max` lanes, in their order: those that held the write lock longest first, then the longest
 * readers, so a cut never hides the writer that blocks everyone.
 */
export function pickLanes(lanes: readonly ProcessLane[], max: number): ProcessLane[] {
  if (lanes.length <= max) return [...lanes];
  const rank = [...lanes].sort((a, b) => spanTotal(b.write) - spanTotal(a.write) || spanTotal(b.read) - spanTotal(a.read));
  const kept = new Set(rank.slice(0, max));
  return lanes.filter((l) => kept.has(l));
}

/** The largest -wal size in a series of points, or null when no point saw a -wal file. */
export function walPeak(points: readonly WalPoint[]): number | null {
  let peak: number | null = null;
  for (const p of points) if (p.walBytes !== null && (peak === null || p.walBytes > peak)) peak = p.walBytes;
  return peak;
}
