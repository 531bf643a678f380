/**
 * watch's metrics in the Prometheus exposition format, through prom-client (its own registry: no default
 * process metrics, so a scrape costs only these). Names follow the Prometheus conventions — `lockscope_`
 * prefix, base units in the name (bytes, seconds), `_total` for the one counter — and every series carries the
 * database as it was named on the command line (`database` label).
 *
 * Served on `--metrics <host:port>` (127.0.0.1 unless a host is given: lock holders' command lines are not for
 * the network by default) and/or written to `--textfile <path>` for node_exporter's textfile collector, by
 * writing a temporary file beside it and renaming it over the old one, so the collector never reads half a file.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { SqliteLockName } from '../../core/facts.js';
import { EVENT_KINDS, type EventKind } from './verdicts.js';

/** Every lock name, so each `lockscope_lock_holders` series exists (as 0) from the first scrape. */
const LOCK_NAMES: readonly SqliteLockName[] = [
  'shared',
  'reserved',
  'pending',
  'exclusive',
  'wal-write',
  'wal-checkpoint',
  'wal-recover',
  'wal-read-0',
  'wal-read-1',
  'wal-read-2',
  'wal-read-3',
  'wal-read-4',
  'wal-dms',
];

/** One database's values at the end of an interval. */
export interface DatabaseMetrics {
  /** The database could be read at this interval (0: deleted, unreadable). */
  up: boolean;
  walBytes: number;
  /** mxFrame − nBackfill from the -shm header: frames written and not yet copied back. */
  checkpointLagFrames: number;
  /** The longest write-lock hold in progress (0: none). */
  writeLockHeldSeconds: number;
  /** The longest read transaction in progress (0: none). */
  longestReaderSeconds: number;
  /** Processes holding each lock now. */
  holders: Partial<Record<SqliteLockName, number>>;
  /** Processes stopped or stalled while holding a lock (lock-stall's verdict). */
  stalledHolders: number;
}

export class WatchMetrics {
  readonly registry = new Registry();
  private readonly up: Gauge;
  private readonly walBytes: Gauge;
  private readonly lag: Gauge;
  private readonly writeHeld: Gauge;
  private readonly reader: Gauge;
  private readonly holders: Gauge;
  private readonly stalled: Gauge;
  private readonly events: Counter;

  constructor(databases: readonly string[]) {
    const registers = [this.registry];
    const g = (name: string, help: string, labelNames: string[] = ['database']) => new Gauge({ name, help, labelNames, registers });
    this.up = g('lockscope_database_up', '1 when lockscope could read the database at the last interval, 0 when it is missing or unreadable.');
    this.walBytes = g('lockscope_wal_bytes', 'Size of the -wal file in bytes (0 when there is none).');
    this.lag = g('lockscope_checkpoint_lag_frames', 'WAL frames written and not yet checkpointed (mxFrame - nBackfill in the -shm header).');
    this.writeHeld = g('lockscope_write_lock_held_seconds', 'How long the write lock (WAL) or RESERVED/PENDING/EXCLUSIVE (rollback) has been held by the current holder; 0 when free.');
    this.reader = g('lockscope_longest_reader_seconds', 'Age of the oldest read transaction in progress; 0 when none.');
    this.holders = g('lockscope_lock_holders', 'Processes holding each SQLite lock now (lock: shared, reserved, pending, exclusive, wal-write, wal-checkpoint, wal-recover, wal-read-0..4, wal-dms).', ['database', 'lock']);
    this.stalled = g('lockscope_stalled_holders', 'Processes holding a lock while stopped, or without CPU or I/O for longer than lock-stall allows.');
    this.events = new Counter({ name: 'lockscope_events_total', help: 'Events emitted (a condition starting, or a one-off observation), by kind.', labelNames: ['database', 'kind'], registers });
    for (const database of databases) {
      for (const kind of EVENT_KINDS) this.events.inc({ database, kind }, 0);
      this.set(database, { up: false, walBytes: 0, checkpointLagFrames: 0, writeLockHeldSeconds: 0, longestReaderSeconds: 0, holders: {}, stalledHolders: 0 });
    }
  }

  set(database: string, m: DatabaseMetrics): void {
    this.up.set({ database }, m.up ? 1 : 0);
    this.walBytes.set({ database }, m.walBytes);
    this.lag.set({ database }, m.checkpointLagFrames);
    this.writeHeld.set({ database }, m.writeLockHeldSeconds);
    this.reader.set({ database }, m.longestReaderSeconds);
    for (const lock of LOCK_NAMES) this.holders.set({ database, lock }, m.holders[lock] ?? 0);
    this.stalled.set({ database }, m.stalledHolders);
  }

  countEvent(database: string, kind: EventKind): void {
    this.events.inc({ database, kind });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** `--metrics [host:]port` → where to listen (127.0.0.1 when no host is given). */
export function parseListen(value: string): { host: string; port: number } | null {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s]+):)?(\d{1,5})$/.exec(value.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  const host = m[1] ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host, port };
}

/** Serves GET /metrics; resolves once listening (with the port bound, for port 0), rejects with a one-line error. */
export function serveMetrics(metrics: WatchMetrics, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('lockscope watch serves /metrics only\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`)));
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}

/** Writes the metrics to `path` atomically: a temporary file in the same folder, renamed over it. */
export async function writeTextfile(metrics: WatchMetrics, path: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, await metrics.text(), { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never written.
    }
    throw err;
  }
}
