/** The text section of `lockscope trace`: per process its measured values, a BUSY timeline over the window, its first events. */
import { describe, expect, it } from 'vitest';
import { makeStyle } from '../../src/output/style.js';
import { TIMELINE_WIDTH, timelineBar, traceTextSection } from '../../src/output/trace-text.js';
import { busyEvent, makeProcess, makeTraceFacts } from '../trace/facts.js';

const style = makeStyle(0);

describe('trace text', () => {
  it('places each BUSY event in its slice of the window, the worst kind winning a shared cell', () => {
    const bar = timelineBar(
      [
        busyEvent({ atMs: 0, outcome: 'acquired' }),
        busyEvent({ atMs: 0, kind: 'at-once' }),
        busyEvent({ atMs: 5000, kind: 'after-retry' }),
        busyEvent({ atMs: 9999, outcome: 'in-progress' }),
      ],
      10_000,
    );
    expect(bar).toHaveLength(TIMELINE_WIDTH);
    expect(bar[0]).toBe('!');
    expect(bar[TIMELINE_WIDTH / 2]).toBe('R');
    expect(bar[TIMELINE_WIDTH - 1]).toBe('…');
    expect(bar.replace(/[!R…]/g, '')).toBe('·'.repeat(TIMELINE_WIDTH - 3));
  });

  it('names each process (escaped), its measured busy timeout and transactions, and lists the first events', () => {
    const events = Array.from({ length: 7 }, (_, i) => busyEvent({ atMs: 1000 * i, heldBy: [77] }));
    const facts = makeTraceFacts([
      makeProcess({
        command: 'python3 app.py \u001b[31m',
        busy: events,
        busyCounts: { acquired: 0, gaveUpAtOnce: 0, gaveUpAfterRetry: 7, inProgress: 0 },
        busyTimeout: { kind: 'measured', ms: 1500, spanMs: 1519, sequences: 7, tid: 4242, otherMs: [] },
        modes: { writeFirst: 7, readThenWrite: 0, ambiguous: 0 },
      }),
    ]);
    const text = traceTextSection(facts, style).join('\n');
    expect(text).toContain('pid 4242 (python3 app.py \\x1b[31m)');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('busy_timeout ≈ 1,500 ms (gave up after 1,519 ms, 7×) · transactions: 7 write-first (immediate)');
    expect(text).toMatch(/BUSY \|R.*\| 0 at once, 7 after retrying, 0 waited then got the lock/);
    expect(text).toContain('WAL write lock: SQLITE_BUSY after retrying 1,519 ms (26 attempts, slept 1,500 ms) · held by pid 77');
    expect(text.match(/thread 4242/g)).toHaveLength(5);
    expect(text).toContain('… 2 more (every event is in --json)');
  });

  it('says so when no traced process made a lock call', () => {
    expect(traceTextSection(makeTraceFacts([]), style).join('\n')).toContain('no traced process made a lock call on this database in the window');
  });
});
