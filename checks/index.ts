/** The ordered registry of checks: this order is the display order. */
import type { AnyCheck } from '../src/check.js';
import busyTimeout from './busy-timeout.js';
import directoryWritable from './directory-writable.js';
import fileOwnership from './file-ownership.js';
import journalMode from './journal-mode.js';
import journalSizeLimit from './journal-size-limit.js';
import networkFilesystem from './network-filesystem.js';
import sqliteVersion from './sqlite-version.js';
import synchronous from './synchronous.js';
import walAutocheckpoint from './wal-autocheckpoint.js';

export const REGISTRY: readonly AnyCheck[] = [
  // Settings: stored in the file, or declared by the app.
  journalMode,
  busyTimeout,
  synchronous,
  walAutocheckpoint,
  journalSizeLimit,
  // The files around the database.
  networkFilesystem,
  directoryWritable,
  fileOwnership,
  sqliteVersion,
];
