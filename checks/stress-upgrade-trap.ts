import { defineCheck } from '../src/core/check.js';
import { busyTimeoutFixes, immediateTransactionFixes } from '../src/sources/sqlite/fixes.js';
import { recommendedEvidence, recommendedNote, workloadEvidence } from '../src/sources/stress/check-helpers.js';

export default defineCheck({
  id: 'stress-upgrade-trap',
  title: 'Transactions that read then write get the write lock',
  failureTitle: 'Deferred transactions fail at once when they upgrade from read to write',
  description: 'SQLITE_BUSY/SQLITE_BUSY_SNAPSHOT returned at once to a deferred transaction that read, then wrote: no busy timeout helps.',
  source: 'sqlite',
  category: 'stress',
  requires: ['stress'],
  messages: {
    'not-deferred': ['pass'],
    'begins-at-write': ['pass'],
    'not-exercised': ['skip'],
    'no-trap': ['pass'],
    'trap-zero-timeout': ['warn'],
    trap: ['fail'],
  },
  thresholds: {},
  defaultSeverity: 'fail',
  run({ stress: s }) {
    const w = s.workload;
    const u = s.upgradeBusy;
    const evidence = {
      ...workloadEvidence(s),
      upgradeAttempts: s.upgradeAttempts,
      upgradeBusy: u.total,
      upgradeBusySnapshot: u.SQLITE_BUSY_SNAPSHOT,
      upgradeBusyPlain: u.SQLITE_BUSY,
      ...recommendedEvidence(s),
    };
    if (w.tx !== 'deferred') {
      return {
        status: 'pass',
        messageId: 'not-deferred',
        message: `Transactions start with BEGIN ${w.tx.toUpperCase()}: they take the write lock before reading, where the busy timeout applies, so a read cannot leave them stranded.`,
        evidence,
      };
    }
    if (s.upgradeAttempts === 0 && w.pattern === 'read-then-write' && w.txBegins === 'first-write') {
      return {
        status: 'pass',
        messageId: 'begins-at-write',
        message: `The ${w.stack ?? 'driver'} driver's transactions begin only just before their first write, so each read ran outside the transaction and the write's BEGIN waited in the busy handler (busy_timeout ${w.busyTimeoutMs.toLocaleString('en-US')} ms) instead of failing at once: this set-up cannot hit the upgrade trap. The read and the write are not atomic, though; code that begins its own transaction before reading (an explicit BEGIN) is trapped: run with --tx deferred to measure that.`,
        evidence: { ...evidence, txBegins: w.txBegins },
      };
    }
    if (s.upgradeAttempts === 0) {
      return {
        status: 'skip',
        messageId: 'not-exercised',
        message: `The workload (pattern ${w.pattern}) never read before writing inside a transaction, so it could not hit the upgrade trap. Run with --pattern read-then-write to test for it.`,
        evidence,
      };
    }
    if (u.total === 0) {
      return {
        status: 'pass',
        messageId: 'no-trap',
        message: `${s.upgradeAttempts.toLocaleString('en-US')} deferred transactions read then wrote; none failed at once on the write.`,
        evidence,
      };
    }
    const detail = `${u.total.toLocaleString('en-US')} of ${s.upgradeAttempts.toLocaleString('en-US')} attempts at a deferred transaction that read first failed at once on their first write (SQLITE_BUSY_SNAPSHOT ${u.SQLITE_BUSY_SNAPSHOT.toLocaleString('en-US')}: another writer committed after they started reading; SQLITE_BUSY ${u.SQLITE_BUSY.toLocaleString('en-US')}: another writer held the lock). SQLite does not call the busy handler for a transaction that already holds a read snapshot: waiting could deadlock, and a stale snapshot cannot be written to.`;
    if (w.busyTimeoutMs === 0) {
      return {
        status: 'warn',
        messageId: 'trap-zero-timeout',
        message: `${detail} busy_timeout is 0 ms here (${w.knobLabels.busyTimeout}), so every BUSY is immediate; setting a timeout alone would not fix these: start write transactions with BEGIN IMMEDIATE as well.${recommendedNote(s)}`,
        evidence,
        fixes: [...immediateTransactionFixes(), ...busyTimeoutFixes(5000)],
      };
    }
    return {
      status: 'fail',
      messageId: 'trap',
      message: `${detail} This happened although busy_timeout is ${w.busyTimeoutMs} ms (${w.knobLabels.busyTimeout}): the timeout cannot help. Start write transactions with BEGIN IMMEDIATE.${recommendedNote(s)}`,
      evidence,
      fixes: immediateTransactionFixes(),
    };
  },
});
