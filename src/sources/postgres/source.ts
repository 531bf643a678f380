/**
 * The PostgreSQL source: a `postgres://` / `postgresql://` URL is one database on a server. lockscope opens one
 * read-only session of its own (application_name=lockscope, short lock_timeout and statement_timeout) and
 * reads pg_settings, pg_db_role_setting, pg_stat_activity, pg_locks + pg_blocking_pids(), pg_prepared_xacts
 * and pg_stat_database. Passwords are masked in every target name, output and error.
 */
import type { ReportError } from '../../core/model.js';
import { isGatherError } from '../../core/facts.js';
import type { Source, SummaryRow } from '../../core/source.js';
import { escapeControl } from '../../core/escape.js';
import { formatCount } from '../../core/units.js';
import { PG_URL, connect, maskSecrets, maskUrl } from './connect.js';
import type { PgFacts } from './facts.js';
import { gatherPg } from './gather.js';
import { samplePg } from './sample.js';
import { checkDdlStatements, runDdlRace } from './ddl-race.js';

/** Targets are shown masked; the real URL (with its password) stays here, in this process only. */
const realUrls = new Map<string, string>();

export function realUrl(target: string): string {
  return realUrls.get(target) ?? target;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether the URL's server is this machine (a unix socket, localhost, a loopback address). */
export function isLocalServer(url: string): boolean {
  try {
    const u = new URL(url);
    const host = decodeURIComponent(u.hostname || new URLSearchParams(u.search).get('host') || process.env.PGHOST || 'localhost');
    return host.startsWith('/') || host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
  } catch {
    return false;
  }
}

export function pgSummary(facts: PgFacts): SummaryRow[] {
  const states = new Map<string, number>();
  for (const s of facts.sessions) states.set(s.state ?? 'unknown', (states.get(s.state ?? 'unknown') ?? 0) + 1);
  const rows: SummaryRow[] = [
    ['server', `PostgreSQL ${facts.server.version} · database ${facts.server.database} · as ${facts.server.user}`],
    ['sessions', facts.sessions.length === 0 ? 'none but lockscope' : [...states].map(([state, n]) => `${n} ${state}`).join(' · ')],
    ['blocking', facts.trees.length === 0 ? 'no session waits for a lock' : `${facts.trees.length} tree(s): ${facts.trees.map((t) => `pid ${t.root} blocks ${t.waiters.length}`).join(', ')}`],
  ];
  const t = (name: string) => {
    const s = facts.settings[name];
    return s ? `${name} ${s.setting === '0' ? 'off' : `${formatCount(Number(s.setting))}${s.unit ?? ''}`}` : null;
  };
  rows.push(['timeouts', ['lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout'].map(t).filter(Boolean).join(' · ') + ' (server/database defaults)']);
  for (const arm of facts.ddlRace?.arms ?? []) {
    const e = arm.errors;
    const failed = e.tupleConcurrentlyUpdated + e.uniqueViolation + e.alreadyExists + e.deadlock + e.other;
    rows.push([arm.arm === 'plain' ? 'ddl race' : 'with lock', `${arm.sessions} sessions × ${arm.rounds} rounds: ${failed} failed start-ups (${e.tupleConcurrentlyUpdated} tuple concurrently updated · ${e.uniqueViolation} unique violation · ${e.alreadyExists} already exists · ${e.other + e.deadlock} other)`]);
  }
  if (!isGatherError(facts.database)) rows.push(['counters', `deadlocks ${formatCount(facts.database.deadlocks)} · conflicts ${formatCount(facts.database.conflicts)} (since the statistics were reset)`]);
  return rows;
}

export function readPgFacts(v: unknown): PgFacts {
  if (!isObject(v) || v.source !== 'postgres') throw new Error('not PostgreSQL facts');
  if (!isObject(v.server) || !isObject(v.settings) || !Array.isArray(v.sessions) || !Array.isArray(v.trees)) throw new Error('"server", "settings", "sessions" and "trees" are required');
  return v as unknown as PgFacts;
}

function inputError(target: string, err: unknown): ReportError {
  const e = err as { code?: string; message?: string };
  return { code: e.code ?? 'PG_ERROR', message: `${escapeControl(maskUrl(target))}: ${escapeControl(maskSecrets(e.message ?? String(err), realUrl(target)))}` };
}

export const postgresSource: Source<PgFacts> = {
  id: 'postgres',
  describe: 'PostgreSQL databases (postgres:// or postgresql:// URLs; missing parts from the PG* environment variables)',
  claims: (entry) => PG_URL.test(entry),
  resolveTargets({ entries }) {
    const targets = [...new Set(entries)].map((url) => {
      const shown = maskUrl(url);
      realUrls.set(shown, url);
      return shown;
    });
    return { targets, unmatched: [], inOrder: targets };
  },
  async gather(target, context) {
    context.signal?.throwIfAborted();
    const client = await connect(realUrl(target));
    try {
      return await gatherPg(client, target);
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  steps: ['sample'],
  inputError,
  sample: (targets, window) => samplePg(targets, window, realUrl),
  lockSections: () => ({}),
  async stress(target, request) {
    const url = realUrl(target);
    if (!request.ddlRace) throw Object.assign(new Error('stress on PostgreSQL runs --ddl-race (concurrent start-up DDL); a concurrent-writers workload is not built for PostgreSQL yet'), { code: 'USAGE' });
    if (!isLocalServer(url) && !request.confirmed) throw Object.assign(new Error(`${maskUrl(target)} is not on this machine: stress creates and drops a scratch schema there; confirm with --yes`), { code: 'USAGE' });
    let statements: string[] | undefined;
    try {
      statements = request.statements === undefined ? undefined : checkDdlStatements(request.statements);
    } catch (err) {
      throw Object.assign(err as Error, { code: 'USAGE' });
    }
    const ddlRace = await runDdlRace(url, { sessions: request.sessions ?? 8, rounds: request.rounds ?? 20, statements, compare: request.compare, signal: request.signal });
    const client = await connect(url);
    try {
      return { ...(await gatherPg(client, target)), ddlRace };
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  readFacts: readPgFacts,
  categories: ['audit', 'locks'],
  owns: (facts): facts is PgFacts => facts.source === 'postgres',
  summarise: pgSummary,
  stacks: [],
};
