/** The ordered registry of checks: this order is the display order. */
import type { AnyCheck } from '../src/check.js';
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
import transactionMode from './transaction-mode.js';
import walAutocheckpoint from './wal-autocheckpoint.js';
import walSize from './wal-size.js';

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
  // Who holds the database right now (the snapshot of `lockscope locks`).
  lockHolders,
  lockVisibility,
  // Only with `lockscope locks --for` (appliesTo hides them elsewhere): hold times from sampling.
  longWriteLock,
  longReader,
  lockStall,
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
];
