import { defineCheck } from '../src/core/check.js';
import { formatMs } from '../src/core/units.js';
import { timeoutFixes } from '../src/sources/postgres/fixes.js';
import { effectiveSetting, timeoutMs } from '../src/sources/postgres/settings.js';

const TIMEOUTS = ['lock_timeout', 'idle_in_transaction_session_timeout', 'statement_timeout'] as const;

export default defineCheck({
  id: 'pg-missing-timeouts',
  title: "The app's PostgreSQL roles have lock and idle-transaction timeouts",
  failureTitle: "The app's PostgreSQL roles wait for locks, and sit in transactions, without limit",
  description: "lock_timeout, idle_in_transaction_session_timeout and statement_timeout for each app role (server, ALTER DATABASE and ALTER ROLE settings; a driver's own SET is not visible).",
  source: 'postgres',
  category: 'audit',
  requires: ['sessions', 'settings', 'server'],
  optional: ['roleSettings'],
  defaultSeverity: 'warn',
  messages: { 'timeouts-set': ['pass'], 'missing-timeouts': ['warn'] },
  thresholds: {},
  run(facts) {
    const full = { ...facts, roleSettings: facts.roleSettings ?? [] } as Parameters<typeof effectiveSetting>[0];
    const users = [...new Set(facts.sessions.map((s) => s.user).filter((u): u is string => u !== null))].sort();
    const roles = users.length > 0 ? users : [facts.server.user];
    const table = roles.map((role) => ({ role, ...Object.fromEntries(TIMEOUTS.map((t) => [t, effectiveSetting(full, role, t)])) }) as { role: string } & Record<(typeof TIMEOUTS)[number], { value: string | null; from: string }>);
    const missing = table.flatMap((r) =>
      (['lock_timeout', 'idle_in_transaction_session_timeout'] as const).filter((t) => timeoutMs(r[t].value) === 0).map((t) => ({ role: r.role, setting: t, from: r[t].from })),
    );
    const evidence = {
      roles,
      ...Object.fromEntries(table.map((r) => [r.role, Object.fromEntries(TIMEOUTS.map((t) => [t, r[t].value === null ? 'not known' : `${r[t].value} (${r[t].from})`]))])),
      rolesFrom: users.length > 0 ? 'sessions' : 'lockscope-user',
    };
    const show = (v: string | null) => (v === null ? 'not known' : timeoutMs(v) === 0 ? 'off' : formatMs(timeoutMs(v) ?? 0));
    if (missing.length === 0) {
      return { status: 'pass', messageId: 'timeouts-set', message: roles.map((r) => { const row = table.find((x) => x.role === r)!; return `${r}: ${TIMEOUTS.map((t) => `${t} ${show(row[t].value)}`).join(', ')}`; }).join('; ') + '.', evidence };
    }
    const missingRoles = [...new Set(missing.map((m) => m.role))];
    return {
      status: 'warn',
      messageId: 'missing-timeouts',
      message:
        `${missing.map((m) => `${m.role}: ${m.setting} off (${m.from === 'server' ? "the server's default" : `set on the ${m.from}`})`).join('; ')}. ` +
        `Without lock_timeout a session queues behind a lock for as long as it is held — and everyone behind it queues too; without idle_in_transaction_session_timeout an app that forgets to end a transaction holds its locks forever. ` +
        `These are the values a new session starts with${users.length === 0 ? ` (for ${facts.server.user}, the user lockscope connected as: no app session was connected)` : ''}; a driver that SETs its own is not visible from outside.`,
      evidence,
      fixes: timeoutFixes(missingRoles, { lock_timeout: '5s', idle_in_transaction_session_timeout: '60s' }),
    };
  },
});
