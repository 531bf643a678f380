/** The `locks` text of a PostgreSQL target: the tree, root first, and over a window the blocking timeline. */
import { describe, expect, it } from 'vitest';
import { makeStyle } from '../../src/output/style.js';
import { pgLocksSection } from '../../src/output/postgres-text.js';
import { blockingTrees } from '../../src/sources/postgres/trees.js';
import { makePgFacts, session } from '../helpers/pg-facts.js';

const sessions = [session(10, { state: 'idle in transaction', transactionAgeMs: 9000, application: 'billing' }), session(11, { state: 'active', blockedBy: [10], waitEventType: 'Lock' })];
const locks = [{ pid: 11, lockType: 'transactionid', mode: 'ShareLock', granted: false, object: 'transaction 7', waitMs: 4000 }];

describe('PostgreSQL locks text', () => {
  it('draws the root first and its waiter under it; a window adds a blocking timeline that fits 80 columns', () => {
    const window = {
      durationMs: 4000,
      samples: 40,
      deadlocks: 0,
      sessions: [
        { pid: 10, user: 'app', application: 'billing', longestWaitMs: 0, longestRootMs: 3000, samplesBlocking: 30, samplesWaiting: 0 },
        { pid: 11, user: 'app', application: 'web', longestWaitMs: 3000, longestRootMs: 0, samplesBlocking: 0, samplesWaiting: 30 },
      ],
      roots: [{ pid: 10, maxWaiters: 1, longestWaitMs: 3000 }],
      timeline: {
        holds: [
          { pid: 10, lock: 'ROOT-BLOCKER', mode: 'exclusive' as const, startMs: 1000, endMs: 4000, open: true },
          { pid: 11, lock: 'WAITING', mode: 'shared' as const, startMs: 1000, endMs: 4000, open: true },
        ],
        wal: [],
      },
    };
    const facts = makePgFacts({ sessions, locks, trees: blockingTrees(sessions, locks), window });
    const lines = pgLocksSection({ path: facts.target, facts, findings: [] }, facts, { style: makeStyle(0), columns: 80 });
    const text = lines.join('\n');
    expect(text.indexOf('root pid 10')).toBeLessThan(text.indexOf('└ pid 11'));
    expect(text).toContain('blocking timeline');
    const row10 = lines.find((l) => l.trimStart().startsWith('10 app/billing'))!;
    expect(row10).toMatch(/·+█+/);
    expect(lines.find((l) => l.trimStart().startsWith('11 app/web'))).toMatch(/·+▒+/);
    expect(text).toContain('█ blocking others (root) most of the column');
    expect(lines.filter((l) => Array.from(l).length > 80)).toEqual([]);
    const ascii = pgLocksSection({ path: facts.target, facts, findings: [] }, facts, { style: makeStyle(0), columns: 80, ascii: true }).join('\n');
    expect(ascii).toContain('# blocking others');
  });
});
