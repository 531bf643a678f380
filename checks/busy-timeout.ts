import { defineCheck } from '../src/check.js';
import { busyTimeoutFixes } from '../src/fixes.js';

export default defineCheck({
  id: 'busy-timeout',
  title: 'Connections wait for locks',
  failureTitle: 'Writers may fail at once with SQLITE_BUSY',
  description: "The app's declared busy_timeout (a per-connection setting: lockscope cannot read it from the file).",
  requires: [] as const,
  thresholds: {
    minMs: { default: 1000, unit: 'ms', description: 'A declared busy timeout below this warns.' },
  },
  run(_facts, { app, thresholds }) {
    const minMs = thresholds.minMs ?? 1000;
    const declared = app.busyTimeoutMs;
    if (declared === undefined) {
      return {
        status: 'warn',
        messageId: 'undeclared',
        message:
          'busy_timeout is per connection and the app has not declared it (--busy-timeout or the config). The SQLite C library and the sqlite3 CLI default to 0 ms; node-sqlite3 sets 1000 ms at open; Python sqlite3 and better-sqlite3 default to 5000 ms. At 0, a connection that meets a lock fails at once with "database is locked".',
        evidence: { declaredBusyTimeoutMs: null, minMs, sqliteDefaultMs: 0, nodeSqlite3DefaultMs: 1000, pythonDefaultMs: 5000, betterSqlite3DefaultMs: 5000 },
        fixes: busyTimeoutFixes(5000),
      };
    }
    const evidence = { declaredBusyTimeoutMs: declared, minMs };
    if (declared === 0) {
      return {
        status: 'fail',
        messageId: 'zero',
        message: 'busy_timeout is 0 ms: any connection that finds the database locked fails at once with SQLITE_BUSY instead of waiting its turn.',
        evidence,
        fixes: busyTimeoutFixes(5000),
      };
    }
    if (declared < minMs) {
      return {
        status: 'warn',
        messageId: 'small',
        message: `busy_timeout is ${declared} ms, below ${minMs} ms: a commit that takes longer (an fsync on a busy disk, a checkpoint) makes the other writers fail with SQLITE_BUSY.`,
        evidence,
        fixes: busyTimeoutFixes(5000),
      };
    }
    return {
      status: 'pass',
      messageId: 'ok',
      message: `busy_timeout is ${declared} ms (at least ${minMs} ms): connections wait for a lock before giving up.`,
      evidence,
    };
  },
});
