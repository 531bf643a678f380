/** PostgreSQL facts for the checks' unit tests: a quiet server, changed per test (the end-to-end tests use a real one). */
import type { PgFacts, PgSession } from '../../src/sources/postgres/facts.js';

export function session(pid: number, over: Partial<PgSession> = {}): PgSession {
  return {
    pid,
    user: 'app',
    application: 'web',
    client: '127.0.0.1',
    backendType: 'client backend',
    state: 'idle',
    transactionAgeMs: null,
    queryAgeMs: 1000,
    stateAgeMs: 1000,
    xactStart: null,
    queryStart: '2026-12-02T12:00:00.000Z',
    waitEventType: null,
    waitEvent: null,
    query: 'select 1',
    blockedBy: [],
    ...over,
  };
}

const setting = (name: string, value: string, unit: string | null = null, source = 'default') => ({ name, setting: value, unit, source });

export function makePgFacts(over: Partial<PgFacts> = {}): PgFacts {
  return {
    source: 'postgres',
    target: 'postgres://app:***@127.0.0.1:5432/appdb',
    observedAt: '2026-12-02T12:00:00.000Z',
    server: { version: '15.18', versionNum: 150018, database: 'appdb', user: 'app' },
    ownPid: 999,
    settings: {
      lock_timeout: setting('lock_timeout', '0', 'ms'),
      statement_timeout: setting('statement_timeout', '0', 'ms'),
      idle_in_transaction_session_timeout: setting('idle_in_transaction_session_timeout', '0', 'ms'),
      deadlock_timeout: setting('deadlock_timeout', '1000', 'ms'),
      log_lock_waits: setting('log_lock_waits', 'off'),
      max_connections: setting('max_connections', '100'),
      superuser_reserved_connections: setting('superuser_reserved_connections', '3'),
    },
    roleSettings: [],
    sessions: [session(101)],
    locks: [],
    trees: [],
    prepared: [],
    database: { name: 'appdb', backends: 2, deadlocks: 0, conflicts: 0 },
    ...over,
  };
}
