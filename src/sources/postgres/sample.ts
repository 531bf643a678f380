/**
 * `locks --for` on PostgreSQL: the blocking trees sampled over the window through lockscope's one session per
 * target — per session the longest wait and the longest time it stood as a root blocker, the deadlocks the
 * server counted in the window, and a timeline of who blocked and who waited (src/core/series.ts).
 */
import type { Client } from 'pg';
import type { ReportError } from '../../core/model.js';
import type { SampleWindow } from '../../core/source.js';
import type { HoldInterval } from '../../core/series.js';
import { MAX_POINTS } from '../../core/series.js';
import { connect, maskSecrets, maskUrl } from './connect.js';
import type { PgFacts, PgWindow } from './facts.js';
import { gatherPg, readDatabaseStats, readLocks, readSessions } from './gather.js';
import { blockingTrees } from './trees.js';

/** PostgreSQL is asked at most this often (each sample is three catalog queries). */
export const PG_MAX_HZ = 10;

interface Track {
  pid: number;
  user: string | null;
  application: string | null;
  longestWaitMs: number;
  longestRootMs: number;
  samplesBlocking: number;
  samplesWaiting: number;
  rootSince: number | null;
  waitSince: number | null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

async function sampleOne(client: Client, versionNum: number, window: SampleWindow): Promise<PgWindow> {
  const hz = Math.min(PG_MAX_HZ, Math.max(1, window.hz));
  const period = 1000 / hz;
  const start = Date.now();
  const deadlocksStart = await readDatabaseStats(client).then((d) => d.deadlocks);
  const tracks = new Map<number, Track>();
  const roots = new Map<number, { pid: number; maxWaiters: number; longestWaitMs: number }>();
  const holds: HoldInterval[] = [];
  const open = new Map<string, HoldInterval>();
  let samples = 0;
  while (Date.now() - start < window.durationMs && !window.signal?.aborted) {
    const tick = Date.now();
    const sessions = await readSessions(client);
    const locks = await readLocks(client, versionNum);
    const trees = blockingTrees(sessions, locks);
    samples += 1;
    const now = tick - start;
    const seen = new Set<string>();
    for (const s of sessions) {
      const t = tracks.get(s.pid) ?? { pid: s.pid, user: s.user, application: s.application, longestWaitMs: 0, longestRootMs: 0, samplesBlocking: 0, samplesWaiting: 0, rootSince: null, waitSince: null };
      tracks.set(s.pid, t);
      const tree = trees.find((x) => x.root === s.pid);
      const waiter = trees.flatMap((x) => x.waiters).find((w) => w.pid === s.pid);
      if (tree) {
        t.samplesBlocking += 1;
        t.rootSince ??= now;
        t.longestRootMs = Math.max(t.longestRootMs, now - t.rootSince + period);
        const r = roots.get(s.pid) ?? { pid: s.pid, maxWaiters: 0, longestWaitMs: 0 };
        r.maxWaiters = Math.max(r.maxWaiters, tree.waiters.length);
        r.longestWaitMs = Math.max(r.longestWaitMs, tree.longestWaitMs ?? 0);
        roots.set(s.pid, r);
        mark(`${s.pid}:ROOT-BLOCKER`, s.pid, 'ROOT-BLOCKER', 'exclusive', now);
      } else t.rootSince = null;
      if (waiter) {
        t.samplesWaiting += 1;
        t.waitSince ??= now;
        t.longestWaitMs = Math.max(t.longestWaitMs, waiter.waitMs ?? now - t.waitSince + period);
        mark(`${s.pid}:WAITING`, s.pid, 'WAITING', 'shared', now);
      } else t.waitSince = null;
    }
    for (const [key, h] of open) {
      if (seen.has(key)) continue;
      h.open = false;
      open.delete(key);
    }
    function mark(key: string, pid: number, lock: string, mode: 'shared' | 'exclusive', t: number) {
      seen.add(key);
      const h = open.get(key);
      if (h) h.endMs = t + period;
      else if (holds.length < MAX_POINTS) {
        const n: HoldInterval = { pid, lock, mode, startMs: t, endMs: t + period, open: true };
        holds.push(n);
        open.set(key, n);
      }
    }
    await sleep(Math.max(0, period - (Date.now() - tick)), window.signal);
  }
  const deadlocksEnd = await readDatabaseStats(client).then((d) => d.deadlocks);
  return {
    durationMs: Date.now() - start,
    samples,
    deadlocks: Math.max(0, deadlocksEnd - deadlocksStart),
    sessions: [...tracks.values()].map(({ rootSince: _r, waitSince: _w, ...t }) => ({ ...t, longestWaitMs: Math.round(t.longestWaitMs), longestRootMs: Math.round(t.longestRootMs) })),
    roots: [...roots.values()],
    timeline: { holds, wal: [] },
  };
}

export async function samplePg(
  targets: readonly { target: string; facts: PgFacts }[],
  window: SampleWindow,
  realUrl: (target: string) => string,
): Promise<({ facts: PgFacts } | { error: ReportError })[]> {
  return Promise.all(
    targets.map(async ({ target, facts }) => {
      let client: Client | null = null;
      try {
        client = await connect(realUrl(target), { applicationName: 'lockscope-sample' });
        const sampled = await sampleOne(client, facts.server.versionNum, window);
        const end = await gatherPg(client, target);
        return { facts: { ...end, window: sampled } };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        return { error: { code: e.code ?? 'PG_ERROR', message: `${maskUrl(target)}: ${maskSecrets(e.message ?? String(err), realUrl(target))}` } };
      } finally {
        await client?.end().catch(() => undefined);
      }
    }),
  );
}

