import { defineCheck } from '../src/core/check.js';
import { busyTimeoutFixes, immediateTransactionFixes } from '../src/sources/sqlite/fixes.js';
import { byPid, fixesFor, processWords } from '../src/sources/trace/check-helpers.js';

export default defineCheck({
  id: 'trace-upgrade-trap',
  title: 'Refused writes wait in the busy handler',
  failureTitle: 'Deferred transactions fail at once when they upgrade from read to write',
  description: 'From `lockscope trace`: write locks refused at once while the process kept a read lock (the deferred upgrade trap), per process.',
  source: 'trace',
  category: 'trace',
  requires: ['processes'],
  messages: {
    trapped: ['fail'],
    'at-once-with-read': ['warn'],
    'write-first': ['pass'],
    'no-write-contention': ['skip'],
  },
  thresholds: {},
  defaultSeverity: 'fail',
  run({ processes }) {
    const evidence = { processes: byPid(processes, (i) => processes[i]!.modes) };
    const trapped = processes.filter((p) => p.modes.readThenWrite > 0);
    if (trapped.length > 0) {
      const words = trapped.map((p) => `${processWords(p)}: ${p.modes.readThenWrite} time(s)`).join('; ');
      return {
        status: 'fail',
        messageId: 'trapped',
        message: `Write locks refused at once while the process kept its read lock, on threads whose busy handler retried other waits (busy_timeout > 0): ${words}. These are deferred transactions that read, then tried to write while another connection held the write lock or had committed since their snapshot; SQLite does not call the busy handler for them (btree.c), so no busy timeout helps. Start transactions that may write with BEGIN IMMEDIATE.`,
        evidence: { ...evidence, pids: trapped.map((p) => p.pid) },
        fixes: fixesFor(immediateTransactionFixes(), trapped),
      };
    }
    const ambiguous = processes.filter((p) => p.modes.ambiguous > 0);
    if (ambiguous.length > 0) {
      const words = ambiguous.map((p) => `${processWords(p)}: ${p.modes.ambiguous} time(s)`).join('; ');
      return {
        status: 'warn',
        messageId: 'at-once-with-read',
        message: `Write locks refused at once, on threads never seen retrying a wait: ${words}. Either its busy_timeout is 0 (BEGIN IMMEDIATE failing at once), or these are deferred transactions upgrading from read to write; lock calls alone cannot tell which. Set a busy timeout and start write transactions with BEGIN IMMEDIATE: that fixes both.`,
        evidence: { ...evidence, pids: ambiguous.map((p) => p.pid) },
        fixes: [...fixesFor(immediateTransactionFixes(), ambiguous), ...fixesFor(busyTimeoutFixes(5000), ambiguous)],
      };
    }
    const writeFirst = processes.filter((p) => p.modes.writeFirst > 0);
    if (writeFirst.length > 0) {
      const words = writeFirst.map((p) => `${processWords(p)}: ${p.modes.writeFirst}`).join('; ');
      return {
        status: 'pass',
        messageId: 'write-first',
        message: `Every refused write attempt waited in the busy handler, so those transactions took the write lock before reading (BEGIN IMMEDIATE, or a driver that begins right before the first write): ${words}. Transactions that met no contention in the window show nothing either way.`,
        evidence,
      };
    }
    return {
      status: 'skip',
      messageId: 'no-write-contention',
      message: `No write lock was refused in the window (${processes.length} process(es) traced), so how transactions begin could not be observed. Trace while the app's writers contend.`,
      evidence,
    };
  },
});
