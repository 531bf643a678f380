import { describe, expect, it } from 'vitest';
import check from '../../checks/stress-checkpoint-starvation.js';
import { runCheck } from '../../src/core/runner.js';
import { factsWithStress, makeStress } from '../stress/fixtures.js';

const run = (stress: ReturnType<typeof makeStress>) => runCheck(check, factsWithStress(stress), { app: {} })!;
const w = makeStress().workload;

describe('stress-checkpoint-starvation', () => {
  it('passes when the WAL stayed near the autocheckpoint size', () => {
    const f = run(makeStress());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('kept-up');
    expect(f.evidence).toMatchObject({ autocheckpointBytes: 32 + 1000 * 4120, peakPercent: 100 });
  });

  it('warns when readers pinned the WAL past twice its autocheckpoint size', () => {
    const f = run(makeStress({ workload: { ...w, readers: 2, readerHoldMs: 500 }, walPeakBytes: 40_000_000, wal: { walPeakBytes: 40_000_000, maxFrames: 9700, maxFramesNotBackfilled: 9000, walResets: 0, checkpointsSeen: 1, samples: 20 } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('readers-pinned');
    expect(f.message).toMatch(/2 readers kept read transactions open for 500 ms/);
    expect(f.fixes.some((x) => /wal_checkpoint\(TRUNCATE\)/.test(x.sql ?? ''))).toBe(true);
  });

  it('warns, blaming overlapping writers, when no readers ran', () => {
    const f = run(makeStress({ walPeakBytes: 20_000_000 }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('writers-overlap');
  });

  it('skips in rollback mode and with autocheckpoint off', () => {
    expect(run(makeStress({ workload: { ...w, journalMode: 'delete' } })).messageId).toBe('not-wal');
    const f = run(makeStress({ workload: { ...w, walAutocheckpointPages: 0 } }));
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('autocheckpoint-off');
  });
});
