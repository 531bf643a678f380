import { defineCheck } from '../src/core/check.js';
import '../src/sources/scan/facts.js';

export default defineCheck({
  id: 'scan-connection-per-call',
  title: 'Connections are opened once, not per request',
  failureTitle: 'A connection is opened per request or per item',
  description: 'Heuristic: connection sites inside a request handler (a route decorator or registration, a Django view, a Go HTTP handler) or inside a loop.',
  source: 'scan',
  category: 'scan',
  requires: ['connections'],
  defaultSeverity: 'warn',
  messages: { 'per-call': ['warn'], 'opened-once': ['pass'], 'no-connections': ['skip'] },
  thresholds: {},
  run({ connections }) {
    if (connections.length === 0) return { status: 'skip', messageId: 'no-connections', message: 'lockscope scan found no place where the app opens SQLite.' };
    const per = connections.filter((c) => c.perCall);
    if (per.length === 0) return { status: 'pass', messageId: 'opened-once', message: `None of the ${connections.length} connection sites is inside a request handler or a loop (heuristic: see the doc).` };
    return {
      status: 'warn',
      messageId: 'per-call',
      message: `${per.length} connection site(s) open a new connection per request or per item (heuristic): ${per.map((c) => `${c.file}:${c.line}`).join(', ')}. Each new connection starts with the driver's settings, not the ones set elsewhere, and more connections means more lock contention.`,
      evidence: { connections: connections.length, perCall: per.length },
      fixes: [{ summary: 'Open the connection once (at start-up, or once per worker) and reuse it; set its busy timeout and PRAGMAs there' }],
      locations: per.map((c) => ({ file: c.file, line: c.line, message: `${c.api} (${c.stack}): ${c.perCall!.why}` })),
    };
  },
});
