/**
 * lockscope's one connection to a PostgreSQL server: node-postgres (`pg`, pure JavaScript, an optional
 * dependency loaded only here), `application_name=lockscope`, read-only, with a short lock_timeout and
 * statement_timeout of its own so it can never queue behind the locks it inspects.
 */
import type { Client, ClientConfig } from 'pg';

/** A PostgreSQL target: `postgres://…` or `postgresql://…` (missing parts come from the PG* environment variables, as libpq does). */
export const PG_URL = /^postgres(?:ql)?:\/\//i;

/** The URL with its password replaced by `***` (and a `password=` query parameter too): for every output. */
export function maskUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@]*@/i, '$1***@').replace(/([?&]password=)[^&]*/gi, '$1***');
}

/** Any text that might quote the URL or the password: both masked. */
export function maskSecrets(text: string, url: string, password?: string): string {
  let out = text.split(url).join(maskUrl(url));
  if (password) out = out.split(password).join('***');
  return out;
}

export class PgUnavailableError extends Error {
  readonly code = 'PG_MISSING';
}

type PgModule = { default: { Client: new (config: ClientConfig) => Client } };

async function loadPg(): Promise<PgModule['default']> {
  try {
    return ((await import('pg')) as unknown as PgModule).default;
  } catch {
    throw new PgUnavailableError('PostgreSQL targets need the optional package pg: npm install pg@8');
  }
}

export interface PgConnectOptions {
  /** lockscope's own statement_timeout (ms). */
  statementTimeoutMs?: number;
  /** lockscope's own lock_timeout (ms). */
  lockTimeoutMs?: number;
  /** A session that may write (stress, in its scratch schema only); read-only otherwise. */
  readWrite?: boolean;
  applicationName?: string;
}

/** Connects; the caller ends the client. Errors carry no password. */
export async function connect(url: string, options: PgConnectOptions = {}): Promise<Client> {
  const pg = await loadPg();
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? 'lockscope',
    ...(options.readWrite ? {} : { options: '-c default_transaction_read_only=on' }),
    connectionTimeoutMillis: 5000,
    query_timeout: (options.statementTimeoutMs ?? 5000) + 2000,
  });
  // An error after connect (the server went away) must not crash the process as an unhandled 'error' event.
  client.on('error', () => undefined);
  const password = typeof client.password === 'string' ? client.password : undefined;
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    const message = maskSecrets(e.message ?? String(err), url, password);
    throw Object.assign(new Error(message), { code: e.code ?? 'PG_CONNECT' });
  }
  return client;
}

/**
 * lockscope's own timeouts, set after the server's values were read (SET, not the startup packet, so that
 * pg_settings.reset_val still shows what the server, database and role give): it can never queue behind the
 * locks it inspects, nor run long.
 */
export async function limitSession(client: Client, options: PgConnectOptions = {}): Promise<void> {
  await client.query(`select set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false), set_config('idle_in_transaction_session_timeout', '60000', false)`, [
    String(options.lockTimeoutMs ?? 1000),
    String(options.statementTimeoutMs ?? 5000),
  ]);
}
