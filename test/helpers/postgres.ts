/** The real PostgreSQL server of the tests lives in fixtures/postgres.ts (the bench uses it too). */
export { PG_AVAILABLE, PG_BIN, type PgServer, startPg, waitUntilBlocked } from '../../fixtures/postgres.js';
