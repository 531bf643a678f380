import { defineCheck } from '../src/core/check.js';
import '../src/sources/scan/facts.js';

export default defineCheck({
  id: 'scan-journal-mode-per-connection',
  title: 'journal_mode is not set on every connection',
  failureTitle: 'PRAGMA journal_mode=WAL runs on every connection',
  description: 'Connection sites whose code runs PRAGMA journal_mode=WAL each time a connection opens (a connect hook, init_command, a DSN parameter).',
  source: 'scan',
  category: 'scan',
  requires: ['connections'],
  defaultSeverity: 'info',
  messages: { 'every-connection': ['info'], 'not-per-connection': ['pass'], 'no-connections': ['skip'] },
  thresholds: {},
  run({ connections }) {
    if (connections.length === 0) return { status: 'skip', messageId: 'no-connections', message: 'lockscope scan found no place where the app opens SQLite.' };
    const every = connections.filter((c) => c.journalModeOnEveryConnection);
    if (every.length === 0) return { status: 'pass', messageId: 'not-per-connection', message: 'No connection site sets journal_mode=WAL on every connection it opens.' };
    return {
      status: 'info',
      messageId: 'every-connection',
      title: 'PRAGMA journal_mode=WAL runs on every connection (harmless)',
      message: `${every.length} connection site(s) run PRAGMA journal_mode=WAL on every new connection: harmless: WAL mode is stored in the database file and persists once one connection has set it (https://www.sqlite.org/wal.html#persistence_of_wal_mode); lockscope audit shows whether the file is in WAL already.`,
      evidence: { sites: every.length },
      locations: every.map((c) => ({ file: c.file, line: c.journalModeOnEveryConnection!.line, message: `${c.api} (${c.stack}): ${c.journalModeOnEveryConnection!.how}` })),
    };
  },
});
