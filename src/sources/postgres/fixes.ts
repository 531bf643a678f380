/**
 * Fixes for PostgreSQL findings, in SQL and in each driver's own words. Option names verified:
 * - node-postgres: `lock_timeout`, `statement_timeout`, `idle_in_transaction_session_timeout` client options
 *   (pg 8 lib/connection-parameters.js:121-123, sent in the startup packet by lib/client.js:558-566).
 * - psycopg / psycopg2, SQLAlchemy, Django: libpq's `options` connection parameter, `-c name=value`
 *   (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-OPTIONS); SQLAlchemy passes
 *   `connect_args` to the DBAPI's connect(), Django passes `OPTIONS` to it
 *   (https://docs.djangoproject.com/en/stable/ref/databases/#postgresql-connection-settings).
 * - asyncpg: `server_settings` of connect()/create_pool() (https://magicstack.github.io/asyncpg/current/api/index.html).
 * - Rails: `variables:` in config/database.yml, SET on every new connection by the PostgreSQL adapter
 *   (https://api.rubyonrails.org/classes/ActiveRecord/ConnectionAdapters/PostgreSQLAdapter.html).
 */
import type { Fix } from '../../core/model.js';

const PG_DOCS = 'https://www.postgresql.org/docs/current/runtime-config-client.html';

/** SQL per role, then the same settings in each driver's connection options. */
export function timeoutFixes(roles: readonly string[], values: Readonly<Record<string, string>>): Fix[] {
  const names = Object.keys(values);
  const ms = (v: string) => {
    const m = /^(\d+)(ms|s|min)$/.exec(v);
    return m ? Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'min' ? 60000 : 1) : Number(v);
  };
  const dash = names.map((n) => `-c ${n}=${values[n]}`).join(' ');
  return [
    {
      summary: `Give the app's role${roles.length > 1 ? 's' : ''} timeouts of their own (new sessions get them; no restart)`,
      sql: roles.flatMap((r) => names.map((n) => `ALTER ROLE ${quoteIdent(r)} SET ${n} = '${values[n]}';`)).join('\n'),
      docs: PG_DOCS,
    },
    {
      summary: 'Or set them in the driver, on every connection it opens',
      code: [
        `// node-postgres: new Pool({ ${names.map((n) => `${n}: ${ms(values[n]!)}`).join(', ')} })`,
        `# psycopg: psycopg.connect(dsn, options="${dash}")`,
        `# asyncpg: await asyncpg.create_pool(dsn, server_settings={${names.map((n) => `"${n}": "${values[n]}"`).join(', ')}})`,
        `# SQLAlchemy: create_engine(url, connect_args={"options": "${dash}"})`,
        `# Django: DATABASES["default"]["OPTIONS"] = {"options": "${dash}"}`,
        `# Rails config/database.yml: variables: { ${names.map((n) => `${n}: '${values[n]}'`).join(', ')} }`,
      ].join('\n'),
      docs: 'https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-OPTIONS',
    },
  ];
}

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Ending one session: cancel its statement first (gentle), terminate it if it is idle in a transaction. */
export function endSessionFixes(pid: number): Fix[] {
  return [
    { summary: `Cancel what pid ${pid} is running (its transaction rolls back if the statement was in one)`, sql: `SELECT pg_cancel_backend(${pid});`, caution: 'lockscope never runs this itself: run it only if you know what the session does.' },
    { summary: `Or end the session (an idle-in-transaction holder has no statement to cancel)`, sql: `SELECT pg_terminate_backend(${pid});`, caution: 'Its transaction rolls back; the app sees its connection closed.' },
  ];
}
