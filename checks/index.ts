/**
 * The one registry of checks, in the one display order. Each check names its category; a command runs the
 * checks of its categories in this order (`checksIn`), and `lockscope checks` lists them by category.
 */
import type { AnyCheck, CheckCategory } from '../src/core/check.js';
import busyTimeout from './busy-timeout.js';
import checkpoint from './checkpoint.js';
import checkpointLag from './checkpoint-lag.js';
import directoryWritable from './directory-writable.js';
import fileFormat from './file-format.js';
import fileOwnership from './file-ownership.js';
import hotJournal from './hot-journal.js';
import journalMode from './journal-mode.js';
import journalSizeLimit from './journal-size-limit.js';
import networkFilesystem from './network-filesystem.js';
import scanConnectionPerCall from './scan-connection-per-call.js';
import scanDeferredTransactions from './scan-deferred-transactions.js';
import scanInconsistentSettings from './scan-inconsistent-settings.js';
import scanJournalModePerConnection from './scan-journal-mode-per-connection.js';
import scanNoBusyTimeout from './scan-no-busy-timeout.js';
import lockHolders from './lock-holders.js';
import lockStall from './lock-stall.js';
import lockVisibility from './lock-visibility.js';
import longReader from './long-reader.js';
import longWriteLock from './long-write-lock.js';
import stressBusy from './stress-busy.js';
import stressCheckpointStarvation from './stress-checkpoint-starvation.js';
import stressLatency from './stress-latency.js';
import stressScratchFilesystem from './stress-scratch-filesystem.js';
import stressStarvation from './stress-starvation.js';
import stressUpgradeTrap from './stress-upgrade-trap.js';
import sqliteVersion from './sqlite-version.js';
import staleWal from './stale-wal.js';
import synchronous from './synchronous.js';
import traceBusyTimeout from './trace-busy-timeout.js';
import traceLockWaits from './trace-lock-waits.js';
import traceLongWrite from './trace-long-write.js';
import traceRetryStorm from './trace-retry-storm.js';
import traceUpgradeTrap from './trace-upgrade-trap.js';
import transactionMode from './transaction-mode.js';
import walAutocheckpoint from './wal-autocheckpoint.js';
import walSize from './wal-size.js';
import pgMissingTimeouts from './pg-missing-timeouts.js';
import pgLogLockWaits from './pg-log-lock-waits.js';
import pgConnections from './pg-connections.js';
import pgRootBlocker from './pg-root-blocker.js';
import pgIdleInTransaction from './pg-idle-in-transaction.js';
import pgLongTransaction from './pg-long-transaction.js';
import pgPreparedTransactions from './pg-prepared-transactions.js';
import pgDeadlocks from './pg-deadlocks.js';
import pgDdlRace from './pg-ddl-race.js';
import writeLockDutyCycle from './write-lock-duty-cycle.js';

export const REGISTRY: readonly AnyCheck[] = [
  // Settings: stored in the file, or declared by the app.
  fileFormat,
  journalMode,
  busyTimeout,
  transactionMode,
  synchronous,
  walAutocheckpoint,
  journalSizeLimit,
  // The WAL and the journals, as the files and the -shm header show them.
  walSize,
  checkpointLag,
  hotJournal,
  staleWal,
  // Category locks: who holds the database right now (the snapshot), then, only with `lockscope locks --for`
  // (the lockSamples fact), hold times from sampling; then what lockscope could not see.
  lockHolders,
  longWriteLock,
  writeLockDutyCycle,
  longReader,
  lockStall,
  lockVisibility,
  // The files around the database.
  networkFilesystem,
  directoryWritable,
  fileOwnership,
  sqliteVersion,
  // Only with --checkpoint: what it did.
  checkpoint,
  // Only with a stress run (lockscope stress, audit --stress): what it measured.
  stressBusy,
  stressUpgradeTrap,
  stressLatency,
  stressStarvation,
  stressCheckpointStarvation,
  stressScratchFilesystem,
  // PostgreSQL targets (postgres:// URLs): the settings (audit), then who blocks whom (locks; deadlocks: locks --for).
  pgMissingTimeouts,
  pgLogLockWaits,
  pgConnections,
  pgRootBlocker,
  pgIdleInTransaction,
  pgLongTransaction,
  pgPreparedTransactions,
  pgDeadlocks,
  pgDdlRace,
  // Only with lockscope trace: what the app's own lock calls showed.
  traceBusyTimeout,
  traceUpgradeTrap,
  traceLongWrite,
  traceLockWaits,
  traceRetryStorm,
  // Only lockscope scan (an app's code and config): each finding on its lines.
  scanNoBusyTimeout,
  scanDeferredTransactions,
  scanInconsistentSettings,
  scanConnectionPerCall,
  scanJournalModePerConnection,
];

/** The categories, in the order `lockscope checks` lists them, with what each looks at. */
export const CATEGORIES: readonly { id: CheckCategory; title: string }[] = [
  { id: 'audit', title: "the database's files and the app's settings (audit)" },
  { id: 'locks', title: 'who holds the locks, and how long (locks; hold times: locks --for)' },
  { id: 'checkpoint', title: 'what a checkpoint did (audit --checkpoint)' },
  { id: 'stress', title: 'what a stress run measured (stress, audit --stress)' },
  { id: 'trace', title: "what a running app's own lock calls showed (trace)" },
  { id: 'scan', title: "the app's code and config: where it opens SQLite and how (scan)" },
];

/** The checks of the given categories, in registry order. */
export function checksIn(...categories: CheckCategory[]): readonly AnyCheck[] {
  return REGISTRY.filter((c) => categories.includes(c.category));
}
