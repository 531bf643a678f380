/**
 * The workload knobs: stress flags first, then what the app declares, then the named stack's driver
 * defaults (busy timeout, transaction mode and when it begins, synchronous per journal mode), then
 * SQLite's own defaults (busy_timeout 0, deferred transactions, synchronous FULL, wal_autocheckpoint
 * 1000), so that an undeclared setting is measured the way the app's own connections behave.
 */
import type { AppSettings, DbHeader } from '../../core/facts.js';
import { type SettingOrigin, type Stack, describeOrigin } from '../../core/model.js';
import { type TransactionBehaviour, stackDefaults } from '../sqlite/stacks.js';
import type { KnobLabels, KnobSource, StressJournalMode, StressPattern, StressWorkload, SyncMode, TxBegins, TxMode } from '../../core/stress-facts.js';
import { MAX_BUSY_TIMEOUT_MS, MAX_RUN_MS, MAX_WAIT_MS } from '../../core/units.js';

/**
 * What a stack's driver does to a connection it opens and to the transactions it begins, as far as the
 * stress knobs go (from src/sources/sqlite/stacks.ts, where each value is verified and cited). Undefined = not known
 * for this stack: SQLite's own default is used, and labelled so.
 */
export interface DriverKnobDefaults {
  stack: Stack;
  busyTimeoutMs?: number;
  /** PRAGMA synchronous of a new connection, on a database already in WAL mode and in rollback mode. */
  synchronous: { wal?: SyncMode; rollback?: SyncMode };
  tx?: TxMode;
  txBegins: TxBegins;
}

export const PATTERNS: readonly StressPattern[] = ['insert', 'read-then-write', 'hot-row'];

export const DEFAULTS = {
  writers: 4,
  readers: 0,
  durationMs: 5000,
  batch: 1,
  holdMs: 0,
  readerHoldMs: 0,
  thinkMs: 0,
  rowBytes: 100,
  retry: 0,
  /** sqlite3.c: no busy handler until one is set (main.c:3224). */
  busyTimeoutMs: 0,
  tx: 'deferred' as TxMode,
  /** sqliteInt.h SQLITE_DEFAULT_SYNCHRONOUS = 2 (FULL), also in WAL mode unless the build changes it. */
  synchronous: 'full' as SyncMode,
  /** sqliteLimit.h SQLITE_DEFAULT_WAL_AUTOCHECKPOINT. */
  walAutocheckpointPages: 1000,
};

/** Upper bounds that keep a typo from starting 10,000 threads or a 10 GB row. */
export const LIMITS = { writers: 256, readers: 256, batch: 100_000, rowBytes: 64 * 1024 * 1024, retry: 1000 };

/** Knob values given as stress flags (undefined = not given). */
export interface StressKnobFlags {
  writers?: number;
  readers?: number;
  durationMs?: number;
  transactions?: number;
  busyTimeoutMs?: number;
  tx?: TxMode;
  pattern?: StressPattern;
  batch?: number;
  holdMs?: number;
  readerHoldMs?: number;
  thinkMs?: number;
  rowBytes?: number;
  synchronous?: SyncMode;
  retry?: number;
}

export class KnobError extends Error {}

function pick<T>(flag: T | undefined, app: T | undefined, driver: T | undefined, fallback: T): [T, KnobSource] {
  if (flag !== undefined) return [flag, 'flag'];
  if (app !== undefined) return [app, 'app'];
  if (driver !== undefined) return [driver, 'stack'];
  return [fallback, 'default'];
}

/** How a knob's source is printed (text and JSON `workload.knobLabels`). */
export function knobLabel(source: KnobSource, stack: Stack | null): string {
  switch (source) {
    case 'flag':
    case 'app':
      return 'declared';
    case 'stack':
      return `driver default (${stack})`;
    case 'recommended':
      return 'recommended';
    default:
      return stack ? `SQLite default (none known for ${stack})` : 'SQLite default (no stack named)';
  }
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KnobError(`${name} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/** The journal mode the stress connections use: WAL if the file says so, else the app's rollback variant. */
export function journalModeFor(header: Pick<DbHeader, 'walEnabled'>, app: AppSettings): StressJournalMode {
  if (header.walEnabled) return 'wal';
  const declared = app.journalMode;
  return declared && declared !== 'wal' ? declared : 'delete';
}

/** Resolves and validates every knob; throws KnobError (a usage error, exit 2) on a bad one. */
export function resolveWorkload(
  flags: StressKnobFlags,
  app: AppSettings,
  header: Pick<DbHeader, 'walEnabled' | 'pageSizeBytes' | 'autoVacuum'>,
  driver: DriverKnobDefaults | null = null,
): StressWorkload {
  if (flags.durationMs !== undefined && flags.transactions !== undefined) {
    throw new KnobError('give either --duration or --transactions, not both');
  }
  const journalMode = journalModeFor(header, app);
  const stack = driver?.stack ?? null;
  const [busyTimeoutMs, busyTimeoutSource] = pick(flags.busyTimeoutMs, app.busyTimeoutMs, driver?.busyTimeoutMs, DEFAULTS.busyTimeoutMs);
  const [tx, txSource] = pick(flags.tx, app.transactionMode, driver?.tx, DEFAULTS.tx);
  // A declared mode is an explicit BEGIN <mode> before the transaction's first statement; only the
  // driver's own transactions may begin later (at the first write).
  const txBegins: TxBegins = txSource === 'stack' && driver ? driver.txBegins : 'first-statement';
  const driverSync = driver ? (journalMode === 'wal' ? driver.synchronous.wal : driver.synchronous.rollback) : undefined;
  const [synchronous, synchronousSource] = pick(flags.synchronous, app.synchronous, driverSync, DEFAULTS.synchronous);
  // A value the app's code gives (audit/stress --app) is labelled where it was found, not "declared".
  const label = (source: KnobSource, origin: SettingOrigin | undefined) => (source === 'app' && origin && origin.kind !== 'declared' ? describeOrigin(origin) : knobLabel(source, stack));
  const knobLabels: KnobLabels = {
    busyTimeout: label(busyTimeoutSource, app.origins?.busyTimeoutMs),
    tx: label(txSource, app.origins?.transactionMode),
    synchronous: label(synchronousSource, app.origins?.synchronous),
  };
  const transactions = flags.transactions ?? null;
  const durationMs = transactions === null ? (flags.durationMs ?? DEFAULTS.durationMs) : null;
  const workload: StressWorkload = {
    writers: wholeNumber('--writers', flags.writers ?? DEFAULTS.writers, 1, LIMITS.writers),
    readers: wholeNumber('--readers', flags.readers ?? DEFAULTS.readers, 0, LIMITS.readers),
    durationMs: durationMs === null ? null : wholeNumber('--duration (ms)', durationMs, 1, MAX_RUN_MS),
    transactions: transactions === null ? null : wholeNumber('--transactions', transactions, 1, Number.MAX_SAFE_INTEGER),
    busyTimeoutMs: wholeNumber('--busy-timeout', busyTimeoutMs, 0, MAX_BUSY_TIMEOUT_MS),
    busyTimeoutSource,
    tx,
    txSource,
    txBegins,
    stack,
    knobLabels,
    pattern: flags.pattern ?? 'insert',
    batch: wholeNumber('--batch', flags.batch ?? DEFAULTS.batch, 1, LIMITS.batch),
    holdMs: wholeNumber('--hold', flags.holdMs ?? DEFAULTS.holdMs, 0, MAX_WAIT_MS),
    readerHoldMs: wholeNumber('--reader-hold', flags.readerHoldMs ?? DEFAULTS.readerHoldMs, 0, MAX_WAIT_MS),
    thinkMs: wholeNumber('--think', flags.thinkMs ?? DEFAULTS.thinkMs, 0, MAX_WAIT_MS),
    rowBytes: wholeNumber('--row-bytes', flags.rowBytes ?? DEFAULTS.rowBytes, 0, LIMITS.rowBytes),
    synchronous,
    synchronousSource,
    retry: wholeNumber('--retry', flags.retry ?? DEFAULTS.retry, 0, LIMITS.retry),
    journalMode,
    pageSizeBytes: header.pageSizeBytes,
    autoVacuum: header.autoVacuum,
    walAutocheckpointPages: app.walAutocheckpointPages ?? DEFAULTS.walAutocheckpointPages,
  };
  if (!['deferred', 'immediate', 'exclusive'].includes(workload.tx)) throw new KnobError(`--tx must be one of deferred, immediate, exclusive (got "${workload.tx}")`);
  if (!PATTERNS.includes(workload.pattern)) throw new KnobError(`--pattern must be one of ${PATTERNS.join(', ')} (got "${workload.pattern}")`);
  if (!['off', 'normal', 'full', 'extra'].includes(workload.synchronous)) {
    throw new KnobError(`--synchronous must be one of off, normal, full, extra (got "${workload.synchronous}")`);
  }
  return workload;
}

/** Busy timeout of the recommended arm: 5000 ms, or the current one if it is already longer. */
export const RECOMMENDED_BUSY_TIMEOUT_MS = 5000;

/**
 * The recommended settings for `--compare`: WAL, a 5 s busy timeout, BEGIN IMMEDIATE, synchronous
 * NORMAL (durable in WAL except for the last transactions before a power loss; no fsync per commit).
 */
export function recommendedWorkload(current: StressWorkload): StressWorkload {
  return {
    ...current,
    journalMode: 'wal',
    busyTimeoutMs: Math.max(current.busyTimeoutMs, RECOMMENDED_BUSY_TIMEOUT_MS),
    busyTimeoutSource: 'recommended',
    tx: 'immediate',
    txSource: 'recommended',
    txBegins: 'first-statement',
    synchronous: 'normal',
    synchronousSource: 'recommended',
    knobLabels: { busyTimeout: 'recommended', tx: 'recommended', synchronous: 'recommended' },
  };
}

/**
 * A stack's unit of work as a stress transaction. A stack without a transaction helper (`explicit`: the
 * app writes BEGIN, which SQLite makes DEFERRED) or with an unverified one gets no driver value.
 */
const TX_OF: Record<TransactionBehaviour, { tx: TxMode; txBegins: TxBegins } | undefined> = {
  'begins-before-read': { tx: 'deferred', txBegins: 'first-statement' },
  'begins-at-first-write': { tx: 'deferred', txBegins: 'first-write' },
  immediate: { tx: 'immediate', txBegins: 'first-statement' },
  explicit: undefined,
  unknown: undefined,
};

/** The driver defaults of a named stack (src/sources/sqlite/stacks.ts), or null when none is named. */
export function driverKnobDefaults(stack: Stack | null): DriverKnobDefaults | null {
  if (!stack) return null;
  const d = stackDefaults(stack);
  const tx = TX_OF[d.transaction.value];
  return {
    stack,
    busyTimeoutMs: d.busyTimeoutMs.value ?? undefined,
    synchronous: { wal: d.synchronousWal.value ?? undefined, rollback: d.synchronousRollback.value ?? undefined },
    tx: tx?.tx,
    txBegins: tx?.txBegins ?? 'first-statement',
  };
}
