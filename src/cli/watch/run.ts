/**
 * `lockscope watch`'s loop. A fast tick (`hz`) feeds each database's live sampler (the lock table and the -shm
 * header); every interval each database is judged: its files are gathered again by the SQLite source when what
 * the last gather described changed (signatureOf), or every 10 s,
 * the checks run (verdicts.ts), their warn/fail become events (events.ts), and the metrics, the view and the
 * textfile are brought up to date. Nothing here throws on a database that vanishes, changes or cannot be read:
 * each becomes an event, and the next interval tries again.
 */
import type { Finding, ReportError, SqliteFacts } from '../../core/model.js';
import type { Source } from '../../core/source.js';
import { isGatherError } from '../../core/facts.js';
import { cutText, escapeControl } from '../../core/escape.js';
import { formatBytes } from '../../core/units.js';
import { sourceFor } from '../../sources/index.js';
import { type LiveDatabase, LiveLockSampler } from '../../sources/proc/live-locks.js';
import type { LiveWindow } from '../../sources/proc/live-facts.js';
import { EventBook, type WatchEvent, seconds } from './events.js';
import type { EventSink } from './event-log.js';
import { type DatabaseMetrics, type WatchMetrics, writeTextfile } from './metrics.js';
import { type Condition, type JudgeOptions, conditionsOf, processFindings, snapshotFindings } from './verdicts.js';

/** A full gather at least this often, even when nothing seems to change (a changed mode, a new page size…). */
const GATHER_AT_LEAST_EVERY_MS = 10_000;
/** When only the WAL grew or was checkpointed: gathered again after this many intervals at most. */
const GATHER_GROWTH_EVERY = 5;
/** WAL sizes kept for the view's sparkline (one per interval). */
const WAL_HISTORY = 120;

/** One database as watch follows it. */
export interface WatchedDatabase {
  /** As named on the command line (the `database` label and the events' `database`). */
  path: string;
  source: Source | undefined;
  facts: SqliteFacts | null;
  error: ReportError | null;
  sampler: LiveLockSampler | null;
  samplerKey: string | null;
  watchStartMs: number;
  signature: { strict: string; growth: string };
  gatheredMs: number;
  live: LiveDatabase | null;
  /** The latest findings: the snapshot checks, then each process's. */
  findings: Finding[];
  conditions: Condition[];
  metrics: DatabaseMetrics;
  walHistory: number[];
}

export interface WatchRunOptions {
  targets: readonly string[];
  intervalMs: number;
  hz: number;
  judge: JudgeOptions;
  sink: EventSink;
  metrics: WatchMetrics | null;
  textfile: string | null;
  /** Redraws the terminal view (TTY only). */
  view: ((databases: readonly WatchedDatabase[], recent: readonly WatchEvent[]) => void) | null;
  signal: AbortSignal;
  /** One line on stderr (a textfile that cannot be written); said once per distinct message. */
  warn: (line: string) => void;
  /** Called once every database has been read a first time and sampling starts (the readiness line). */
  onStart?: () => void;
}

function newDatabase(path: string): WatchedDatabase {
  return {
    path,
    source: sourceFor(path),
    facts: null,
    error: null,
    sampler: null,
    samplerKey: null,
    watchStartMs: Date.now(),
    signature: { strict: '', growth: '' },
    gatheredMs: 0,
    live: null,
    findings: [],
    conditions: [],
    metrics: { up: false, walBytes: 0, checkpointLagFrames: 0, writeLockHeldSeconds: 0, longestReaderSeconds: 0, holders: {}, stalledHolders: 0 },
    walHistory: [],
  };
}

/**
 * What the last gather depends on, in two parts. `strict`: a change means the gathered facts are wrong now — the
 * file at the path, the -wal's identity, the -journal, the readers and the read marks they hold (who pins the
 * WAL), the -shm's read marks. `growth`: the WAL growing and being checkpointed (mxFrame, nBackfill, the
 * -wal's size), which a busy app changes every interval; it is gathered again at most every GATHER_GROWTH_EVERY
 * intervals. The metrics read these numbers from the live sampler every interval, so only wal-size's and
 * checkpoint-lag's verdicts wait for it.
 */
function signatureOf(live: LiveDatabase | null): { strict: string; growth: string } {
  if (!live) return { strict: '', growth: '' };
  const id = (i: LiveDatabase['db']) => (i?.exists ? `${i.device}:${i.inode}` : '-');
  // Readers only (a read transaction outside a write): the pins checkpoint-lag names. A writer's own read lock is
  // part of its write, and processes coming and going with only DMS change no verdict of a gathered check.
  const readers = live.processes.filter((p) => p.read !== null).map((p) => `${p.pid}:${p.read!.slot}`).join(' ');
  const journal = live.journal?.exists ? `${live.journal.inode}/${live.journal.sizeBytes}/${live.journal.mtimeMs}` : '-';
  const strict = [id(live.db), id(live.wal), journal, live.shm ? live.shm.readMarks.join(',') : '-', readers].join('|');
  const growth = [live.wal?.exists ? `${live.wal.sizeBytes}/${live.wal.mtimeMs}` : '-', live.shm ? `${live.shm.mxFrame}/${live.shm.nBackfill}` : '-', live.db?.exists ? `${live.db.sizeBytes}/${live.db.mtimeMs}` : '-'].join('|');
  return { strict, growth };
}

/** Reads the database's facts through its source; a database that cannot be read becomes its error. */
function gather(db: WatchedDatabase, nowMs: number): void {
  db.gatheredMs = nowMs;
  if (!db.source) {
    db.facts = null;
    db.error = { code: 'NO_SOURCE', message: `${db.path}: lockscope reads no target of this kind` };
    return;
  }
  try {
    // purpose 'watch': /proc/locks and the lock holders' descriptors only — no scan of every process's open files,
    // and never the lsof fallback — since this runs every interval.
    db.facts = db.source.gather(db.path, { purpose: 'watch' }) as SqliteFacts;
    db.error = null;
  } catch (err) {
    db.facts = null;
    db.error = db.source.inputError(db.path, err);
  }
}

/** A sampler for the file the facts describe (a new one when the file or its mode changed). */
function ensureSampler(db: WatchedDatabase, nowMs: number): void {
  if (!db.facts) return;
  const wal = isGatherError(db.facts.header) ? false : db.facts.header.walEnabled;
  const key = `${db.facts.realPath}|${wal}`;
  if (db.samplerKey === key && db.sampler) return;
  db.sampler?.close();
  db.sampler = new LiveLockSampler([{ dbPath: db.facts.realPath, walEnabled: wal }]);
  db.samplerKey = key;
  db.watchStartMs = nowMs;
  db.live = null;
}

/** How a condition ended, from what the live state says now. */
function endWords(db: WatchedDatabase): (c: Condition, lastedMs: number) => string {
  return (c, lastedMs) => {
    const d = `${seconds(lastedMs)} s`;
    const p = c.pid !== undefined ? db.live?.processes.find((x) => x.pid === c.pid) : undefined;
    const gone = `pid ${c.pid} ended or let go of the database; ${c.kind === 'write-lock-held' ? 'the write lock was released' : 'its lock was released'} after ${d}`;
    switch (c.kind) {
      case 'write-lock-held':
        if (!p) return gone;
        return p.write ? `below the long-write-lock threshold again after ${d}` : `released after ${d}`;
      case 'holder-stalled':
      case 'holder-spinning':
        if (!p) return gone;
        if (!p.write && !p.read) return `released after ${d}`;
        return `running again after ${d} (state ${p.run?.state ?? 'unknown'}), still in its transaction`;
      case 'long-reader':
        if (!p) return gone;
        return p.read ? `no longer pinning the WAL after ${d}` : `read transaction ended after ${d}`;
      case 'checkpoint-starved':
        return `checkpoint lag back within the checkpoint-lag thresholds after ${d} (${db.metrics.checkpointLagFrames} frames)`;
      case 'wal-size':
        return `WAL back within the wal-size thresholds after ${d} (${formatBytes(db.metrics.walBytes)})`;
      case 'hot-journal':
        return `no hot journal any more after ${d}`;
      case 'database-unreadable':
        return `readable again after ${d}`;
      case 'lock-table-unreadable':
        return `the lock table is readable again after ${d}`;
      default:
        return `ended after ${d}`;
    }
  };
}

/** "pid 42 (python3 worker.py)": the command escaped (a command line can carry newlines and terminal escapes) and cut. */
const label = (p: { pid: number; identity: { command?: string } }) => `pid ${p.pid}${p.identity.command ? ` (${cutText(escapeControl(p.identity.command), 120)})` : ''}`;

/** One interval for one database: judge it, and return its events. */
function judgeDatabase(db: WatchedDatabase, book: EventBook, options: WatchRunOptions, nowMs: number): WatchEvent[] {
  const notes: WatchEvent[] = [];
  let tableError: string | null = null;
  if (db.sampler) {
    db.live = db.sampler.endInterval()[0] ?? null;
    tableError = db.sampler.tableError;
  }
  const live = db.live;
  if (live?.replaced) {
    notes.push(book.note(db.path, 'database-replaced', `${db.path} is another file now (inode ${live.db?.inode ?? '?'}): replaced, restored or rotated; following the new file`, nowMs));
  }
  const signature = signatureOf(live);
  const since = nowMs - db.gatheredMs;
  const grew = signature.growth !== db.signature.growth && since >= GATHER_GROWTH_EVERY * options.intervalMs - options.intervalMs / 2;
  if (!db.facts || db.error || live?.replaced || live?.db?.exists === false || signature.strict !== db.signature.strict || grew || since >= GATHER_AT_LEAST_EVERY_MS) {
    gather(db, nowMs);
    db.signature = signature;
    ensureSampler(db, nowMs);
    db.findings = db.facts ? snapshotFindings(db.facts, options.judge) : [];
  }
  const snapshot = db.findings.filter((f) => !['long-write-lock', 'long-reader', 'lock-stall'].includes(f.id));
  const conditions: Condition[] = [];
  let perProcess: ReturnType<typeof processFindings> = [];
  if (db.error) {
    conditions.push({ key: 'database-unreadable', kind: 'database-unreadable', status: 'fail', check: null, messageId: db.error.code, message: db.error.message });
  } else if (db.facts && live) {
    const wal = !isGatherError(db.facts.header) && db.facts.header.walEnabled;
    // Attached: a lock on the file or -shm (WAL: every open connection holds DMS; rollback: only transactions show).
    if (wal) {
      const already = live.first ? ' (already when watch started)' : '';
      for (const p of live.attached) notes.push(book.note(db.path, 'attached', `${label(p)} attached${already}, holding ${p.locks.map((l) => l.name).join(', ') || 'a lock'}`, nowMs, { pid: p.pid, ...(p.identity.command !== undefined ? { command: p.identity.command } : {}) }));
      for (const p of live.detached) notes.push(book.note(db.path, 'detached', `${label(p)} detached after ${p.seenAtStart ? 'at least ' : ''}${seconds(nowMs - p.attachedSinceMs)} s`, nowMs, { pid: p.pid, ...(p.identity.command !== undefined ? { command: p.identity.command } : {}) }));
    }
    const window: LiveWindow = {
      nowMs,
      // A hold already there at the first sample began before watch saw it: the checks then say "at least".
      watchStartMs: live.firstSampleMs ?? db.watchStartMs,
      hz: options.hz,
      mode: wal ? 'wal' : 'rollback',
      mxFrame: live.shm?.mxFrame ?? null,
      nBackfill: live.shm?.nBackfill ?? null,
    };
    perProcess = processFindings(db.facts, live.processes, window, options.judge);
    conditions.push(...conditionsOf(snapshot, perProcess));
  }
  if (tableError) {
    conditions.push({ key: 'lock-table-unreadable', kind: 'lock-table-unreadable', status: 'warn', check: null, messageId: null, message: `cannot read the lock table (${tableError}): holders, hold times and stalls are not seen until it is readable again` });
  }
  db.findings = [...snapshot, ...perProcess.flatMap((x) => x.findings)];
  db.conditions = conditions;
  db.metrics = metricsOf(db, conditions, nowMs);
  db.walHistory.push(db.metrics.walBytes);
  if (db.walHistory.length > WAL_HISTORY) db.walHistory.shift();
  const events = [...notes, ...book.update(db.path, conditions, nowMs, endWords(db))];
  return events;
}

function metricsOf(db: WatchedDatabase, conditions: readonly Condition[], nowMs: number): DatabaseMetrics {
  const live = db.live;
  const holders: DatabaseMetrics['holders'] = {};
  let write = 0;
  let reader = 0;
  for (const p of live?.processes ?? []) {
    for (const name of new Set(p.locks.map((l) => l.name))) holders[name] = (holders[name] ?? 0) + 1;
    if (p.write) write = Math.max(write, nowMs - p.write.sinceMs);
    if (p.read) reader = Math.max(reader, nowMs - p.read.sinceMs);
  }
  const wal = live?.wal ?? (db.facts ? db.facts.files.wal : null);
  const shm = live?.shm ?? null;
  return {
    up: db.error === null && db.facts !== null,
    walBytes: wal?.exists ? (wal.sizeBytes ?? 0) : 0,
    checkpointLagFrames: shm ? Math.max(0, shm.mxFrame - shm.nBackfill) : 0,
    writeLockHeldSeconds: Math.round(write) / 1000,
    longestReaderSeconds: Math.round(reader) / 1000,
    holders,
    stalledHolders: new Set(conditions.filter((c) => c.kind === 'holder-stalled').map((c) => c.pid)).size,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs until `signal` aborts; every event has been written when it resolves. */
export async function runWatch(options: WatchRunOptions): Promise<void> {
  const book = new EventBook();
  const recent: WatchEvent[] = [];
  const databases = options.targets.map(newDatabase);
  const warned = new Set<string>();
  const startMs = Date.now();
  for (const db of databases) {
    gather(db, startMs);
    ensureSampler(db, startMs);
    db.findings = db.facts ? snapshotFindings(db.facts, options.judge) : [];
  }
  options.onStart?.();
  const periodMs = 1000 / options.hz;
  const t0 = performance.now();
  let ticks = 0;
  let intervals = 1;
  try {
    while (!options.signal.aborted) {
      for (const db of databases) db.sampler?.tick();
      ticks += 1;
      const now = performance.now();
      if (now - t0 >= intervals * options.intervalMs) {
        // A late timer (a suspended machine) skips the intervals it missed instead of running them all at once.
        intervals = Math.floor((now - t0) / options.intervalMs) + 1;
        const nowMs = Date.now();
        const events: WatchEvent[] = [];
        for (const db of databases) events.push(...judgeDatabase(db, book, options, nowMs));
        // A rotated events file is reopened before the interval's events are written, not after.
        options.sink.maintain();
        options.sink.write(events);
        for (const e of events) if (e.type === 'start' || e.type === 'note') options.metrics?.countEvent(e.database, e.kind);
        for (const db of databases) options.metrics?.set(db.path, db.metrics);
        recent.push(...events);
        if (recent.length > 50) recent.splice(0, recent.length - 50);
        if (options.textfile && options.metrics) {
          try {
            await writeTextfile(options.metrics, options.textfile);
          } catch (err) {
            const line = `lockscope: cannot write --textfile ${options.textfile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
            if (!warned.has(line)) options.warn(line);
            warned.add(line);
          }
        }
        options.view?.(databases, recent);
      }
      // Ticks keep their phase: the next one is due at t0 + ticks × period (a late one is not made up).
      const due = t0 + ticks * periodMs;
      const late = performance.now() - due;
      if (late > periodMs) ticks += Math.floor(late / periodMs);
      await sleep(t0 + ticks * periodMs - performance.now(), options.signal);
    }
  } finally {
    for (const db of databases) db.sampler?.close();
  }
}
