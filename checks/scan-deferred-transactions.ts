import { defineCheck } from '../src/core/check.js';
import type { FindingLocation } from '../src/core/model.js';
import { immediateTransactionFixes } from '../src/sources/sqlite/fixes.js';
import '../src/sources/scan/facts.js';

export default defineCheck({
  id: 'scan-deferred-transactions',
  title: "The app's read-then-write transactions begin IMMEDIATE",
  failureTitle: 'A transaction in the code reads, then writes, inside a deferred BEGIN',
  description: 'Each unit of work lockscope scan found (atomic(), transaction(), BEGIN…): whether it begins deferred and reads before it writes.',
  source: 'scan',
  category: 'scan',
  requires: ['transactions'],
  defaultSeverity: 'fail',
  messages: { 'read-then-write': ['fail'], ok: ['pass'], 'no-transactions': ['skip'] },
  thresholds: {},
  run({ transactions }) {
    if (transactions.length === 0) return { status: 'skip', messageId: 'no-transactions', message: 'lockscope scan found no transaction block in the app.' };
    const trapped: FindingLocation[] = [];
    for (const t of transactions) {
      if (t.mode !== 'deferred' || t.writes.length === 0) continue;
      const firstWrite = Math.min(...t.writes);
      const readBefore = t.reads.filter((r) => r < firstWrite);
      if (readBefore.length === 0) continue;
      const why = t.modeFrom.kind === 'driver-default' ? `deferred by default (${t.stack}'s, cited in checks/transaction-mode.md)` : t.modeFrom.kind === 'settings' ? `deferred as set at ${t.modeFrom.file}:${t.modeFrom.line}` : 'a plain (deferred) BEGIN here';
      trapped.push({ file: t.file, line: t.line, endLine: t.endLine, message: `${t.api} (${t.stack}) is ${why}; it reads at line ${readBefore[0]} and then writes at line ${firstWrite}: when another connection writes in between, the write fails with SQLITE_BUSY at once, whatever the busy timeout` });
    }
    const evidence = { transactions: transactions.length, readThenWrite: trapped.length };
    if (trapped.length === 0) return { status: 'pass', messageId: 'ok', message: `None of the ${transactions.length} transaction blocks found reads then writes inside a deferred BEGIN.`, evidence };
    const stacks = new Set(transactions.map((t) => t.stack));
    return {
      status: 'fail',
      messageId: 'read-then-write',
      message: `${trapped.length} of ${transactions.length} transaction blocks read, then write, inside a deferred transaction (the upgrade trap, checks/transaction-mode.md): ${trapped.map((l) => `${l.file}:${l.line}`).join(', ')}.`,
      evidence,
      fixes: immediateTransactionFixes().filter((f) => f.stack === undefined || stacks.has(f.stack)),
      locations: trapped,
    };
  },
});
