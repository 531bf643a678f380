/**
 * The timeouts in force for the app's roles: what a new session of role R in this database starts with.
 * PostgreSQL applies, last wins: the server's value (postgresql.conf, ALTER SYSTEM, defaults), then ALTER
 * DATABASE … SET, then ALTER ROLE … SET, then ALTER ROLE … IN DATABASE … SET
 * (https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-SQL). A session can still SET
 * its own (a driver option): lockscope cannot see that from outside, and says so.
 */
import { isGatherError } from '../../core/facts.js';
import type { PgFacts } from './facts.js';

export interface EffectiveSetting {
  /** Raw value in the setting's unit (ms for the timeouts); null = not known. */
  value: string | null;
  /** Where it comes from: server, database, role, role in database. */
  from: 'server' | 'database' | 'role' | 'role in database' | 'not known';
}

/** pg_settings sources that carry lockscope's own database/role settings rather than the server's. */
const PER_SESSION_SOURCES = new Set(['database', 'user', 'database user', 'client', 'session']);

export function effectiveSetting(facts: PgFacts, role: string | null, name: string): EffectiveSetting {
  const s = facts.settings[name];
  let best: EffectiveSetting = s && !PER_SESSION_SOURCES.has(s.source) ? { value: s.setting, from: 'server' } : { value: null, from: 'not known' };
  if (isGatherError(facts.roleSettings)) return best;
  const rank = { server: 0, 'not known': 0, database: 1, role: 2, 'role in database': 3 } as const;
  for (const r of facts.roleSettings) {
    if (r.name !== name) continue;
    const from: EffectiveSetting['from'] | null =
      r.role === null && r.database !== null ? 'database' : r.role === role && r.database === null ? 'role' : r.role === role && r.database !== null ? 'role in database' : null;
    if (from && rank[from] >= rank[best.from]) best = { value: r.value, from };
  }
  return best;
}

/** A timeout value as milliseconds ('0' = off); ALTER … SET may store it with a unit ('5s', '1min'). */
export function timeoutMs(value: string | null): number | null {
  if (value === null) return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(value);
  if (!m) return null;
  const factor = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Math.round(Number(m[1]) * factor);
}

/** The roles of the app's sessions (lockscope's own excluded), sorted; the database owner's default when none. */
export function appRoles(facts: PgFacts): string[] {
  return [...new Set(facts.sessions.map((s) => s.user).filter((u): u is string => u !== null))].sort();
}
