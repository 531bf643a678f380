import { defineCheck } from '../src/core/check.js';
import { type SettingOrigin, describeOrigin } from '../src/core/model.js';

/** "found at settings.py:42" for a setting read from the app's code or observed; undefined for a declared one. */
const fromCode = (o: SettingOrigin | undefined): string | undefined => (o && o.kind !== 'declared' ? describeOrigin(o) : undefined);
import { immediateTransactionFixes } from '../src/sources/sqlite/fixes.js';
import { STACK_DEFAULTS, stackDefaults, stacksWithTransaction, upgradeTrapVerdict } from '../src/sources/sqlite/stacks.js';

// Measured here (checks/transaction-mode.md): with busy_timeout 5000 ms the trapped write fails in 0 ms.
const MECHANISM =
  'SQLite calls the busy handler only for a connection that has no transaction open (btree.c), so waiting is skipped and the busy timeout never applies';

const NOT_TRAPPED =
  'A transaction whose first statement writes is not trapped: it asks for the write lock before it reads, and waits in the busy handler.';

function names(list: readonly string[]): string {
  return list.map((s) => STACK_DEFAULTS[s as keyof typeof STACK_DEFAULTS].name).join(', ');
}

export default defineCheck({
  id: 'transaction-mode',
  title: 'Read-then-write transactions wait for the write lock',
  failureTitle: 'Read-then-write transactions fail at once with SQLITE_BUSY (deferred upgrade trap)',
  description:
    "When the app's transactions begin relative to their first read (--tx, or the --stack default): deferred transactions that read then write fail at once, whatever the busy timeout.",
  source: 'sqlite',
  category: 'audit',
  requires: [],
  optional: ['header'],
  messages: {
    immediate: ['pass'],
    'deferred-single-writer': ['pass'],
    'deferred-upgrade-trap': ['fail'],
    'stack-default-single-writer': ['pass'],
    'stack-default-upgrade-trap': ['fail'],
    'stack-default-begins-at-first-write': ['warn'],
    'stack-default-immediate': ['pass'],
    'stack-explicit-begin': ['warn'],
    'stack-unknown': ['warn'],
    'single-writer': ['pass'],
    undeclared: ['warn'],
  },
  thresholds: {},
  defaultSeverity: 'fail',
  run(facts, { app, stack }) {
    const verdict = upgradeTrapVerdict(app, stack);
    const header = facts.header ?? null;
    const busyCode = header?.walEnabled ? 'SQLITE_BUSY (SQLITE_BUSY_SNAPSHOT, 517, once the other connection has committed: WAL)' : 'SQLITE_BUSY';
    const defaults = stack ? stackDefaults(stack) : undefined;
    const evidence = {
      declaredTransactionMode: app.transactionMode ?? null,
      declaredWriters: app.writers ?? null,
      stack: stack ?? null,
      stackTransaction: defaults?.transaction.value ?? null,
      stackTransactionSource: defaults && !app.transactionMode ? defaults.transaction.source : null,
      walEnabled: header?.walEnabled ?? null,
    };
    const fixes = immediateTransactionFixes();

    if (verdict.source === 'declared') {
      if (verdict.declaredMode !== 'deferred') {
        return {
          status: 'pass',
          messageId: 'immediate',
          message: `Transactions begin with BEGIN ${verdict.declaredMode!.toUpperCase()} (${fromCode(app.origins?.transactionMode) ?? 'declared'}): they take the write lock before their first read, so a busy writer makes them wait in the busy handler instead of failing.`,
          evidence,
        };
      }
      if (verdict.trapped === 'no') {
        return {
          status: 'pass',
          messageId: 'deferred-single-writer',
          message:
            `Transactions are deferred (${fromCode(app.origins?.transactionMode) ?? 'declared'}), but only one connection writes (app.writers = 1): the upgrade trap needs another writer to hold the write lock or to commit after this transaction read, so it cannot happen. Declare more writers if that changes.`,
          evidence,
        };
      }
      return {
        status: 'fail',
        messageId: 'deferred-upgrade-trap',
        message: `Transactions are deferred (${fromCode(app.origins?.transactionMode) ?? 'declared --tx deferred'}) and ${app.writers !== undefined ? `${app.writers} connections write` : 'more than one connection may write (app.writers not declared)'}: a transaction that reads and then writes fails at once with ${busyCode} when another connection holds the write lock or has committed since its read, whatever the busy timeout: ${MECHANISM} (measured here: 0 ms with busy_timeout 5000 ms). ${NOT_TRAPPED} Begin read-then-write transactions with BEGIN IMMEDIATE.`,
        evidence,
        fixes,
      };
    }

    if (verdict.source === 'stack-default' && defaults) {
      const tx = defaults.transaction;
      if (app.writers === 1) {
        return {
          status: 'pass',
          messageId: 'stack-default-single-writer',
          message: `Only one connection writes (app.writers = 1): whatever ${defaults.name}'s ${tx.helper} does (${tx.source}), the upgrade trap needs a second writer, so it cannot happen.`,
          evidence,
        };
      }
      switch (tx.value) {
        case 'begins-before-read':
          return {
            status: 'fail',
            messageId: 'stack-default-upgrade-trap',
            message: `${defaults.name}'s default: ${tx.helper} begins a deferred transaction before its first statement (${tx.source}). With more than one writing connection, a unit of work that reads and then writes fails at once with ${busyCode} when another connection holds the write lock or has committed since its read, whatever the busy timeout: ${MECHANISM}. ${NOT_TRAPPED} Make ${tx.helper} begin with BEGIN IMMEDIATE (the fix below), then declare --tx immediate.`,
            evidence,
            fixes,
          };
        case 'begins-at-first-write':
          return {
            status: 'warn',
            messageId: 'stack-default-begins-at-first-write',
            title: `${defaults.name} begins at the first write: not trapped, but the read runs outside the transaction`,
            message: `${defaults.name}'s default (${tx.helper}) issues BEGIN only before the first write (${tx.source}): a SELECT then a write is not trapped (the write's BEGIN waits in the busy handler), but the read runs outside the transaction, so the read-modify-write is not atomic. An app that begins explicitly before reading is trapped (${tx.note ?? 'an explicit BEGIN'}): declare --tx deferred or --tx immediate for what the app really does.`,
            evidence,
            fixes,
          };
        case 'immediate':
          return {
            status: 'pass',
            messageId: 'stack-default-immediate',
            message: `${defaults.name}'s ${tx.helper} begins with BEGIN IMMEDIATE by default (${tx.source}): read-then-write transactions wait for the write lock.`,
            evidence,
          };
        case 'explicit':
          return {
            status: 'warn',
            messageId: 'stack-explicit-begin',
            title: `${defaults.name} has no transaction helper: a plain BEGIN is deferred (declare --tx)`,
            message: `${defaults.name} has no transaction helper: the app writes BEGIN itself (${tx.source}). A plain BEGIN is deferred, and a transaction that reads and then writes fails at once with SQLITE_BUSY whatever the busy timeout when more than one connection writes. ${NOT_TRAPPED} Use BEGIN IMMEDIATE for read-then-write work and declare --tx immediate (or --tx deferred to have lockscope judge it).`,
            evidence,
            fixes,
          };
        default:
          return {
            status: 'warn',
            messageId: 'stack-unknown',
            title: `When ${defaults.name} begins its transactions is not verified: declare --tx`,
            message: `lockscope has not verified when ${defaults.name}'s ${tx.helper} begins its transaction${tx.note ? ` (${tx.note})` : ''}: declare --tx deferred|immediate|exclusive. A deferred transaction that reads then writes fails at once with SQLITE_BUSY whatever the busy timeout.`,
            evidence,
            fixes,
          };
      }
    }

    if (verdict.trapped === 'no') {
      return {
        status: 'pass',
        messageId: 'single-writer',
        message: 'Only one connection writes (app.writers = 1): the deferred upgrade trap needs a second writer, so it cannot happen whatever the transaction mode.',
        evidence,
      };
    }
    const before = names(stacksWithTransaction('begins-before-read'));
    const atWrite = names(stacksWithTransaction('begins-at-first-write'));
    return {
      status: 'warn',
      messageId: 'undeclared',
      title: 'Transaction mode not declared: deferred read-then-write transactions would fail at once',
      message: `The transaction mode is not declared (--tx, or --stack for the stack's default). By default these begin a deferred transaction before the first read, so a read-then-write fails at once with SQLITE_BUSY whatever the busy timeout: ${before}. These begin only at the first write (not trapped, not atomic): ${atWrite}. ${NOT_TRAPPED}`,
      evidence,
      fixes,
    };
  },
});
