import { defineCheck } from '../src/core/check.js';
import { perConnectionPragmaFixes, periodicCheckpointFix } from '../src/sources/sqlite/fixes.js';
import { formatBytes, formatCount } from '../src/core/units.js';

/** SQLITE_DEFAULT_WAL_AUTOCHECKPOINT (sqliteLimit.h): the same 1000 pages in the C library, Python, better-sqlite3 and the CLI (test/stacks.test.ts). */
const DEFAULT_PAGES = 1000;
const DOCS = 'https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint';

export default defineCheck({
  id: 'wal-autocheckpoint',
  title: 'Automatic checkpoints keep the WAL bounded',
  failureTitle: 'The WAL is not checkpointed automatically (or only very late)',
  description: "The app's declared wal_autocheckpoint (per connection): 0 turns automatic checkpoints off, a very large value lets the WAL grow far.",
  source: 'sqlite',
  category: 'audit',
  requires: ['header'],
  defaultSeverity: 'warn',
  messages: {
    'not-wal': ['skip'],
    undeclared: ['info'],
    disabled: ['warn'],
    large: ['warn'],
    ok: ['pass'],
  },
  thresholds: {
    maxPages: { default: 10_000, unit: 'pages', description: 'A declared wal_autocheckpoint above this many pages warns.' },
  },
  run({ header }, { app, thresholds }) {
    const maxPages = thresholds.maxPages;
    const pageSize = header.pageSizeBytes;
    const declared = app.walAutocheckpointPages;
    const evidence = {
      walEnabled: header.walEnabled,
      declaredPages: declared ?? null,
      defaultPages: DEFAULT_PAGES,
      pageSizeBytes: pageSize,
      maxPages,
    };
    if (!header.walEnabled) {
      return {
        status: 'skip',
        messageId: 'not-wal',
        message: `The database uses a rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}): wal_autocheckpoint only applies in WAL mode.`,
        evidence,
      };
    }
    if (declared === undefined) {
      const bytes = DEFAULT_PAGES * pageSize;
      return {
        status: 'info',
        messageId: 'undeclared',
        title: 'wal_autocheckpoint is not declared: SQLite\'s default of 1,000 pages applies',
        message: `wal_autocheckpoint is per connection and the app has not declared it (--wal-autocheckpoint or the config). SQLite's default of ${formatCount(DEFAULT_PAGES)} pages applies unless the app changes it: with ${formatCount(pageSize)}-byte pages, a commit that takes the WAL past ${formatCount(bytes)} bytes (${formatBytes(bytes)}) runs a PASSIVE checkpoint.`,
        evidence: { ...evidence, defaultThresholdBytes: bytes },
      };
    }
    if (declared <= 0) {
      return {
        status: 'warn',
        messageId: 'disabled',
        message: `The app declares wal_autocheckpoint=${declared}: automatic checkpoints are off. Unless some process runs PRAGMA wal_checkpoint, the -wal file grows without bound (only the close of the last connection checkpoints it), and every read gets slower as the WAL grows, because readers must look pages up in a larger wal-index.`,
        evidence,
        fixes: [
          ...perConnectionPragmaFixes(`Turn automatic checkpoints back on (${DEFAULT_PAGES} pages is SQLite's default)`, `wal_autocheckpoint = ${DEFAULT_PAGES}`, DOCS),
          periodicCheckpointFix(),
        ],
      };
    }
    const bytes = declared * pageSize;
    if (declared > maxPages) {
      return {
        status: 'warn',
        messageId: 'large',
        message: `The app declares wal_autocheckpoint=${formatCount(declared)} pages, above ${formatCount(maxPages)}: with ${formatCount(pageSize)}-byte pages the WAL reaches ${formatCount(bytes)} bytes (${formatBytes(bytes)}) before a checkpoint is tried. Reads slow down as the WAL grows, and the commit that finally triggers the checkpoint copies all of it while holding up the writer that ran it.`,
        evidence: { ...evidence, thresholdBytes: bytes },
        fixes: perConnectionPragmaFixes(`Checkpoint sooner (${DEFAULT_PAGES} pages is SQLite's default)`, `wal_autocheckpoint = ${DEFAULT_PAGES}`, DOCS),
      };
    }
    return {
      status: 'pass',
      messageId: 'ok',
      message: `The app declares wal_autocheckpoint=${formatCount(declared)} pages (at most ${formatCount(maxPages)}): a commit that takes the WAL past ${formatCount(bytes)} bytes (${formatBytes(bytes)}) runs a PASSIVE checkpoint.`,
      evidence: { ...evidence, thresholdBytes: bytes },
    };
  },
});
