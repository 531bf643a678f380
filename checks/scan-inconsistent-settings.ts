import { defineCheck } from '../src/core/check.js';
import type { FindingLocation } from '../src/core/model.js';
import type { ConnectionSite } from '../src/sources/scan/facts.js';

/**
 * The database a site opens, as a key: its literal path (without a leading ./), or the expression naming it
 * within one file (`BASE_DIR / "db.sqlite3"` twice in settings.py is one database; `path` in two modules is not).
 */
export function databaseKey(c: ConnectionSite): string | null {
  if ('literal' in c.database) return c.database.literal === ':memory:' ? null : c.database.literal.replace(/^(\.\/)+/, '');
  return c.database.expression ? `${c.database.expression} (${c.file})` : null;
}

const SETTINGS = [
  ['busy timeout', (c: ConnectionSite) => (c.busyTimeoutMs.state === 'unknown' ? undefined : `${c.busyTimeoutMs.value} ms`)],
  ['journal_mode', (c: ConnectionSite) => (c.journalMode.state === 'set-here' ? c.journalMode.value : 'not set')],
  ['synchronous', (c: ConnectionSite) => (c.synchronous.state === 'set-here' ? c.synchronous.value : undefined)],
] as const;

export default defineCheck({
  id: 'scan-inconsistent-settings',
  title: 'Connections to the same database are configured alike',
  failureTitle: 'Connections to the same database are configured differently',
  description: 'Connection sites that open the same database path: whether their busy timeouts, journal_mode and synchronous agree; a PRAGMA run on one pooled connection only.',
  source: 'scan',
  category: 'scan',
  requires: ['connections'],
  defaultSeverity: 'warn',
  messages: { differ: ['warn'], 'one-pooled-connection': ['warn'], consistent: ['pass'], 'no-shared-database': ['skip'] },
  thresholds: {},
  run({ connections }) {
    const pooled = connections.filter((c) => c.onePooledConnection && c.onePooledConnection.length > 0);
    if (pooled.length > 0) {
      const locations: FindingLocation[] = pooled.flatMap((c) =>
        c.onePooledConnection!.map((p) => ({
          file: c.file,
          line: p.line,
          message: `PRAGMA ${p.name} = ${p.value} runs on the one connection checked out here; the other connections of ${c.api} (line ${c.line}) do not get it`,
        })),
      );
      return {
        status: 'warn',
        messageId: 'one-pooled-connection',
        message: `${locations.length} PRAGMA(s) run on one connection checked out of an engine, not in its "connect" listener: ${locations.map((l) => `${l.file}:${l.line}`).join(', ')}. A PRAGMA is per connection, and the engine opens others (SQLAlchemy 1.4 uses NullPool for a file database, a new connection per checkout: sqlalchemy/dialects/sqlite/pysqlite.py:519-523).`,
        evidence: { sites: locations.length },
        fixes: [{ summary: 'Run the PRAGMA in a "connect" listener, so every connection the engine opens gets it', stack: 'sqlalchemy', code: '@event.listens_for(engine, "connect")\ndef on_connect(dbapi_connection, connection_record):\n    dbapi_connection.execute("PRAGMA busy_timeout = 5000")' }],
        locations,
      };
    }
    const groups = new Map<string, ConnectionSite[]>();
    for (const c of connections) {
      const key = databaseKey(c);
      if (key !== null) groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    const shared = [...groups].filter(([, sites]) => sites.length > 1);
    if (shared.length === 0) return { status: 'skip', messageId: 'no-shared-database', message: 'No database is opened from more than one place lockscope scan found.' };
    const locations: FindingLocation[] = [];
    const diffs: string[] = [];
    for (const [db, sites] of shared) {
      for (const [name, value] of SETTINGS) {
        const values = sites.map((s) => value(s));
        const known = new Set(values.filter((v) => v !== undefined));
        if (known.size < 2) continue;
        diffs.push(`${db}: ${name} ${sites.map((s, i) => `${values[i] ?? 'unknown'} at ${s.file}:${s.line}`).join(' vs ')}`);
        sites.forEach((s, i) => locations.push({ file: s.file, line: s.line, message: `opens ${db} with ${name} ${values[i] ?? 'unknown'}; another site opens it with ${[...known].filter((k) => k !== values[i]).join(' / ')}` }));
      }
    }
    const evidence = { sharedDatabases: shared.length, differences: diffs.length };
    if (diffs.length === 0) return { status: 'pass', messageId: 'consistent', message: `${shared.length} database(s) opened from more than one place, with the same settings each time.`, evidence };
    return {
      status: 'warn',
      messageId: 'differ',
      message: `Connections to the same database differ (each connection keeps its own settings; the weakest decides who fails first): ${diffs.join('; ')}.`,
      evidence,
      fixes: [{ summary: 'Open the database in one place (one module, one set of options) and import that connection or factory everywhere else' }],
      locations,
    };
  },
});
