import { defineCheck } from '../src/core/check.js';
import type { FindingLocation } from '../src/core/model.js';
import { busyTimeoutFixes } from '../src/sources/sqlite/fixes.js';
import '../src/sources/scan/facts.js';

export default defineCheck({
  id: 'scan-no-busy-timeout',
  title: "The app's connections wait for locks",
  failureTitle: 'A connection in the code gives up on a lock at once or too soon',
  description: 'Each connection site lockscope scan found: its busy timeout as set in the code or config, or its driver\'s cited default.',
  source: 'scan',
  category: 'scan',
  requires: ['connections'],
  defaultSeverity: 'fail',
  messages: { zero: ['fail'], small: ['warn'], unknown: ['info'], ok: ['pass'], 'no-connections': ['skip'] },
  thresholds: { minMs: { default: 1000, unit: 'ms', description: 'A busy timeout below this warns.' } },
  run({ connections }, { thresholds }) {
    if (connections.length === 0) return { status: 'skip', messageId: 'no-connections', message: 'lockscope scan found no place where the app opens SQLite.' };
    const zero: FindingLocation[] = [];
    const small: FindingLocation[] = [];
    const unknown: FindingLocation[] = [];
    for (const c of connections) {
      const t = c.busyTimeoutMs;
      const where = { file: t.state === 'set-here' && t.file ? t.file : c.file, line: t.state === 'set-here' ? t.line : c.line };
      if (t.state === 'unknown') {
        unknown.push({ ...where, message: `${c.api} (${c.stack}): busy timeout not known: ${t.why}` });
        continue;
      }
      const how = t.state === 'set-here' ? `set here (${t.text})` : `${c.stack}'s default, not set (${t.source})`;
      if (t.value === 0) zero.push({ ...where, message: `${c.api} (${c.stack}): busy timeout 0 ms, ${how}: a connection that meets a lock fails at once with "database is locked"` });
      else if (t.value < thresholds.minMs) small.push({ ...where, message: `${c.api} (${c.stack}): busy timeout ${t.value} ms, ${how}, below ${thresholds.minMs} ms` });
    }
    const stacks = new Set([...connections.map((c) => c.stack)]);
    const fixes = busyTimeoutFixes(5000).filter((f) => f.stack === undefined || stacks.has(f.stack));
    const evidence = { connections: connections.length, zero: zero.length, belowMin: small.length, unknown: unknown.length, minMs: thresholds.minMs };
    if (zero.length > 0) {
      return { status: 'fail', messageId: 'zero', message: `${zero.length} of ${connections.length} connection sites wait 0 ms for a lock${small.length ? ` and ${small.length} less than ${thresholds.minMs} ms` : ''}: ${[...zero, ...small].map((l) => `${l.file}:${l.line}`).join(', ')}.`, evidence, fixes, locations: [...zero, ...small] };
    }
    if (small.length > 0) {
      return { status: 'warn', messageId: 'small', message: `${small.length} of ${connections.length} connection sites wait less than ${thresholds.minMs} ms for a lock: ${small.map((l) => `${l.file}:${l.line}`).join(', ')}.`, evidence, fixes, locations: small };
    }
    if (unknown.length > 0) {
      return { status: 'info', messageId: 'unknown', title: 'A connection in the code has a busy timeout lockscope cannot read', message: `${unknown.length} of ${connections.length} connection sites take their busy timeout from a value lockscope cannot read (an environment variable, a computed value, an unverified default); the others wait at least ${thresholds.minMs} ms.`, evidence, locations: unknown };
    }
    return { status: 'pass', messageId: 'ok', message: `All ${connections.length} connection sites wait at least ${thresholds.minMs} ms for a lock.`, evidence };
  },
});
