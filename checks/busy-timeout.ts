import { defineCheck } from '../src/core/check.js';
import { describeOrigin } from '../src/core/model.js';
import { busyTimeoutFixes } from '../src/sources/sqlite/fixes.js';
import { stackDefaults, upgradeTrapVerdict } from '../src/sources/sqlite/stacks.js';

export default defineCheck({
  id: 'busy-timeout',
  title: 'Connections wait for locks',
  failureTitle: 'Writers may fail at once with SQLITE_BUSY',
  description: "The app's declared busy_timeout (a per-connection setting: lockscope cannot read it from the file), or its stack's default.",
  source: 'sqlite',
  category: 'audit',
  requires: [],
  defaultSeverity: 'fail',
  messages: {
    undeclared: ['warn'],
    zero: ['fail'],
    small: ['warn'],
    'set-but-upgrade-trap': ['info'],
    ok: ['pass'],
    'stack-default-zero': ['fail'],
    'stack-default-small': ['warn'],
    'stack-default-set-but-upgrade-trap': ['info'],
    'stack-default-ok': ['pass'],
  },
  thresholds: {
    minMs: { default: 1000, unit: 'ms', description: 'A declared busy timeout below this warns.' },
  },
  run(_facts, { app, thresholds, stack }) {
    const minMs = thresholds.minMs;
    const stackDefault = stack ? stackDefaults(stack) : undefined;
    const knownDefault = stackDefault?.busyTimeoutMs.value ?? null;
    const fromStack = app.busyTimeoutMs === undefined && knownDefault !== null;
    const timeoutMs = app.busyTimeoutMs ?? knownDefault ?? undefined;
    if (timeoutMs === undefined) {
      return {
        status: 'warn',
        messageId: 'undeclared',
        message:
          'busy_timeout is per connection and the app has not declared it (--busy-timeout or the config). The SQLite C library and the sqlite3 CLI default to 0 ms; node-sqlite3 sets 1000 ms at open; Python sqlite3 and better-sqlite3 default to 5000 ms. At 0, a connection that meets a lock fails at once with "database is locked".',
        evidence: { declaredBusyTimeoutMs: null, minMs, stack: stack ?? null, sqliteDefaultMs: 0, nodeSqlite3DefaultMs: 1000, pythonDefaultMs: 5000, betterSqlite3DefaultMs: 5000 },
        fixes: busyTimeoutFixes(5000),
      };
    }
    const where = fromStack ? `${stackDefault!.name}'s default, not declared (${stackDefault!.busyTimeoutMs.source})` : app.origins?.busyTimeoutMs && app.origins.busyTimeoutMs.kind !== 'declared' ? describeOrigin(app.origins.busyTimeoutMs) : 'declared';
    const evidence = {
      declaredBusyTimeoutMs: app.busyTimeoutMs ?? null,
      ...(fromStack ? { stack: stack!, stackDefaultBusyTimeoutMs: knownDefault } : {}),
      minMs,
    };
    const id = <P extends 'zero' | 'small' | 'set-but-upgrade-trap' | 'ok'>(plain: P) => (fromStack ? (`stack-default-${plain}` as const) : plain);
    if (timeoutMs === 0) {
      return {
        status: 'fail',
        messageId: id('zero'),
        message: `busy_timeout is 0 ms (${where}): any connection that finds the database locked fails at once with SQLITE_BUSY instead of waiting its turn.`,
        evidence,
        fixes: busyTimeoutFixes(5000),
      };
    }
    if (timeoutMs < minMs) {
      return {
        status: 'warn',
        messageId: id('small'),
        message: `busy_timeout is ${timeoutMs} ms (${where}), below ${minMs} ms: a commit that takes longer (an fsync on a busy disk, a checkpoint) makes the other writers fail with SQLITE_BUSY.`,
        evidence,
        fixes: busyTimeoutFixes(5000),
      };
    }
    // The timeout is long enough, but it only helps statements that start outside a transaction: a deferred
    // transaction that has read never calls the busy handler (checks/transaction-mode.md). Never say "connections wait" then.
    const trap = upgradeTrapVerdict(app, stack);
    if (trap.trapped === 'yes') {
      return {
        status: 'info',
        messageId: id('set-but-upgrade-trap'),
        title: 'Busy timeout set, but read-then-write transactions do not wait (see transaction-mode)',
        message: `busy_timeout is ${timeoutMs} ms (${where}): statements that start outside a transaction wait up to that long, but the app's deferred transactions that read and then write fail at once whatever the timeout. See transaction-mode for the fix (BEGIN IMMEDIATE).`,
        evidence: { ...evidence, transactionModeSource: trap.source },
      };
    }
    return {
      status: 'pass',
      messageId: id('ok'),
      message: `busy_timeout is ${timeoutMs} ms (${where}; at least ${minMs} ms): connections wait for a lock before giving up.`,
      evidence,
    };
  },
});
