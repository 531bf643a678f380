/**
 * The known cases, reproduced on real files by real threads (1 s runs). Worker threads run the compiled
 * code: `npm run build` first (npm test does).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { runChecks } from '../../src/core/runner.js';
import { checksIn } from '../../checks/index.js';
import { busyTotal, errorTotal } from '../../src/output/stress-text.js';
import type { StressKnobFlags } from '../../src/sources/stress/knobs.js';
import { runStress, runStressForAudit } from '../../src/sources/stress/run.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import { type AppSettings, isGatherError } from '../../src/core/facts.js';

let dir: string;
let walDb: string;
let rollbackDb: string;
beforeAll(() => {
  dir = makeTempDir('lockscope-harness-');
  walDb = join(dir, 'wal.db');
  rollbackDb = join(dir, 'rollback.db');
  buildDatabase(walDb, { journalMode: 'wal', rows: 10 });
  buildDatabase(rollbackDb, { journalMode: 'delete', rows: 10 });
});
afterAll(() => removeDir(dir));

async function stress(db: string, flags: StressKnobFlags, app: AppSettings = {}) {
  const bounded = flags.transactions !== undefined ? flags : { durationMs: 1000, ...flags };
  const outcome = await runStress(db, { flags: bounded, app });
  const findings = runChecks(checksIn('stress'), outcome.facts, { app });
  const byId = Object.fromEntries(findings.map((f) => [f.id, f]));
  // No residue: only the databases the test built remain.
  expect(readdirSync(dir).sort()).toEqual(['rollback.db', 'wal.db']);
  return { s: outcome.stress, byId, outcome };
}

describe('stress harness: the known cases', () => {
  it('rollback journal + busy timeout 0 + 4 writers → BUSY errors, all at once', async () => {
    const { s, byId } = await stress(rollbackDb, { writers: 4, busyTimeoutMs: 0 });
    expect(s.workload.journalMode).toBe('delete');
    expect(s.effective).toMatchObject({ journalMode: 'delete', busyTimeoutMs: 0, synchronous: 2 });
    expect(s.errors.SQLITE_BUSY).toBeGreaterThan(0);
    expect(s.busyAtOnce).toBe(busyTotal(s.errors));
    expect(s.busyAfterTimeout).toBe(0);
    expect(s.committed).toBeGreaterThan(0);
    expect(byId['stress-busy']?.status).toBe('fail');
    expect(byId['stress-busy']?.fixes.map((f) => f.sql)).toContain('PRAGMA journal_mode = WAL;');
  });

  it('WAL + busy timeout 5000 + BEGIN IMMEDIATE → no errors', async () => {
    const { s, byId } = await stress(walDb, { writers: 4, busyTimeoutMs: 5000, tx: 'immediate' });
    expect(s.effective).toMatchObject({ journalMode: 'wal', busyTimeoutMs: 5000 });
    expect(errorTotal(s.errors)).toBe(0);
    expect(s.committed).toBeGreaterThan(0);
    expect(s.committed).toBe(s.perWriter.reduce((a, w) => a + w.committed, 0));
    expect(s.latencyMs!.p50).toBeLessThanOrEqual(s.latencyMs!.p99);
    expect(s.walPeakBytes).toBeGreaterThan(0);
    expect(byId['stress-busy']).toMatchObject({ status: 'pass', messageId: 'no-busy' });
    expect(byId['stress-upgrade-trap']).toMatchObject({ status: 'pass', messageId: 'not-deferred' });
  });

  it('WAL + busy timeout 5000 + deferred read-then-write → BUSY at once and the upgrade trap', async () => {
    const { s, byId } = await stress(walDb, { writers: 4, busyTimeoutMs: 5000, tx: 'deferred', pattern: 'read-then-write' });
    expect(busyTotal(s.errors)).toBeGreaterThan(0);
    expect(s.busyAtOnce).toBe(busyTotal(s.errors));
    expect(s.busyAfterTimeout).toBe(0);
    expect(s.upgradeBusy.total).toBe(busyTotal(s.errors));
    expect(s.upgradeAttempts).toBe(s.attempts);
    expect(byId['stress-upgrade-trap']).toMatchObject({ status: 'fail', messageId: 'trap' });
    expect(byId['stress-upgrade-trap']?.fixes.some((f) => f.sql === 'BEGIN IMMEDIATE;')).toBe(true);
  });

  it('a BUSY that waited out a short busy timeout is classified "after timeout"', async () => {
    // One writer holds the lock 150 ms per transaction; the other's 20 ms timeout runs out while it waits.
    const { s } = await stress(walDb, { writers: 2, busyTimeoutMs: 20, tx: 'immediate', holdMs: 150, durationMs: 800 });
    expect(s.busyAfterTimeout).toBeGreaterThan(0);
    expect(s.busyAtOnce).toBe(0);
    expect(s.lockWaitMs!.max).toBeGreaterThanOrEqual(19);
  });

  it('a run bounded by --transactions stops after that many, and --retry retries BUSY', async () => {
    const bounded = await stress(walDb, { writers: 2, transactions: 300, busyTimeoutMs: 5000, tx: 'immediate', batch: 3 });
    expect(bounded.s.committed + bounded.s.failed).toBe(300);
    expect(bounded.s.rowsCommitted).toBe(3 * bounded.s.committed);
    const retried = await stress(rollbackDb, { writers: 3, busyTimeoutMs: 0, retry: 2, durationMs: 600 });
    expect(retried.s.retries).toBeGreaterThan(0);
    expect(retried.s.attempts).toBe(retried.s.committed + retried.s.failed + retried.s.retries);
  });

  it('a reader holding its snapshot keeps checkpoints from resetting the WAL', async () => {
    const { s, byId } = await stress(
      walDb,
      { writers: 2, readers: 1, readerHoldMs: 5000, busyTimeoutMs: 5000, tx: 'immediate', synchronous: 'normal', batch: 5, durationMs: 1000 },
      { walAutocheckpointPages: 50 },
    );
    expect(s.effective.walAutocheckpointPages).toBe(50);
    expect(s.walPeakBytes).toBeGreaterThan(2 * (32 + 50 * 4120));
    // The reader may be scheduled a moment after the writers: at most the one restart before it started.
    expect(s.wal?.walResets).toBeLessThanOrEqual(1);
    // The sampler ran (how often depends on the machine's load: no count is asserted).
    expect(s.wal?.samples).toBeGreaterThan(0);
    expect(byId['stress-checkpoint-starvation']).toMatchObject({ status: 'warn', messageId: 'readers-pinned' });
  });

  it('runStressForAudit: a short read-then-write stress with the app\'s settings, or a GatherError', async () => {
    const facts = gatherAuditFacts(walDb);
    const app: AppSettings = { busyTimeoutMs: 5000 };
    const stress = await runStressForAudit(facts, app, { flags: { durationMs: 500 } });
    if (isGatherError(stress)) throw new Error(stress.error.message);
    expect(stress.workload).toMatchObject({ pattern: 'read-then-write', busyTimeoutMs: 5000, busyTimeoutSource: 'app', tx: 'deferred', writers: 4 });
    const byId = Object.fromEntries(runChecks(checksIn('stress'), { ...facts, stress }, { app }).map((f) => [f.id, f]));
    expect(byId['stress-upgrade-trap']?.status).toBe('fail');
    const failed = await runStressForAudit(facts, app, { scratchDir: join(dir, 'missing'), flags: { durationMs: 300 } });
    expect(isGatherError(failed)).toBe(true);
    const skipped = runChecks(checksIn('stress'), { ...facts, stress: failed }, { app });
    expect(skipped.map((f) => f.status)).toEqual(checksIn('stress').filter((c) => c.source === 'sqlite').map(() => 'skip'));
    expect(readdirSync(dir).sort()).toEqual(['rollback.db', 'wal.db']);
  });
});
