/** The locks command's steps: snapshot each target (and with --for sample its locks), check, build the report; and its replay. */
import { checksIn } from '../../checks/index.js';
import { sourceFor, sourceOf } from '../sources/index.js';
import { DEFAULT_HZ } from '../sources/proc/sampler.js';
import type { CheckedDatabase, DatabaseReport, FailedDatabase, Report, SourceFacts, Stack } from '../core/model.js';
import type { LockWindowProgress, Source } from '../core/source.js';
import { buildReport } from '../core/report.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../core/runner.js';
import type { FailOn } from '../core/exit-code.js';
import type { FactsFile } from './facts-file.js';
import { replaySettings } from './facts-replay.js';

/** A target's first snapshot: its facts, or the error that stopped it (a glob that matched nothing, bad input). */
type Snapshot = { ok: true; path: string; source: Source; facts: SourceFacts } | { ok: false; failed: FailedDatabase };

/** One snapshot of one target, through the source that claims it (asked for everything `locks` shows). */
export function snapshotFacts(path: string): SourceFacts | Promise<SourceFacts> {
  const source = sourceFor(path);
  if (!source) throw new Error('lockscope reads no target of this kind');
  return source.gather(path, { purpose: 'locks' });
}

export interface LocksOptions {
  thresholds?: ThresholdOverrides;
  severity?: SeverityOverrides;
  /** Sampling window; absent = a snapshot only. */
  forMs?: number;
  hz?: number;
  signal?: AbortSignal;
  /** While sampling: each target's progress (from its source, as often as the source reports). */
  onProgress?: (elapsedMs: number, targets: (LockWindowProgress & { path: string })[]) => void;
}

async function snapshot(t: string | DatabaseReport): Promise<Snapshot> {
  if (typeof t !== 'string') return t.error ? { ok: false, failed: t } : { ok: true, path: t.path, source: sourceOf(t.facts), facts: t.facts };
  const source = sourceFor(t);
  if (!source) return { ok: false, failed: { path: t, error: { code: 'NO_SOURCE', message: `${t}: lockscope reads no target of this kind` } } };
  try {
    return { ok: true, path: t, source, facts: await source.gather(t, { purpose: 'locks' }) };
  } catch (err) {
    return { ok: false, failed: { path: t, error: source.inputError(t, err) } };
  }
}

/** Snapshots (and with `forMs` samples) every target; bad paths become that target's `error`. */
export async function runLocks(targets: readonly (string | DatabaseReport)[], options: LocksOptions, failOn: FailOn): Promise<Report> {
  const first: Snapshot[] = [];
  for (const t of targets) first.push(await snapshot(t));
  const done: (DatabaseReport | null)[] = first.map((g) => (g.ok ? null : g.failed));
  if (options.forMs !== undefined) {
    // Each source samples its own targets over the same window, at once.
    const bySource = new Map<Source, number[]>();
    first.forEach((g, i) => {
      if (g.ok) bySource.set(g.source, [...(bySource.get(g.source) ?? []), i]);
    });
    await Promise.all(
      [...bySource].map(async ([source, indices]) => {
        const live = indices.map((i) => first[i] as Extract<Snapshot, { ok: true }>);
        const window = {
          durationMs: options.forMs!,
          hz: options.hz ?? DEFAULT_HZ,
          signal: options.signal,
          onProgress: options.onProgress && ((ms: number, p: LockWindowProgress[]) => options.onProgress?.(ms, p.map((x, k) => ({ ...x, path: live[k]!.path })))),
        };
        if (!source.sample) {
          live.forEach((g, k) => (done[indices[k]!] = { path: g.path, error: { code: 'NOT_SUPPORTED', message: `${g.path}: lockscope cannot sample the locks of ${source.id} targets (locks --for)` } }));
          return;
        }
        const sampled = await source.sample(live.map((g) => ({ target: g.path, facts: g.facts })), window);
        sampled.forEach((r, k) => {
          const path = live[k]!.path;
          done[indices[k]!] = 'error' in r ? { path, error: r.error } : checkLockFacts(path, r.facts, options);
        });
      }),
    );
  }
  const databases = first.map((g, i): DatabaseReport => done[i] ?? (g.ok ? checkLockFacts(g.path, g.facts, options) : g.failed));
  return buildReport('locks', databases, failOn);
}

/** The lock checks on one target's facts, with the source's locks sections (holders, sampling). */
export function checkLockFacts(path: string, facts: SourceFacts, options: Pick<LocksOptions, 'thresholds' | 'severity'>): CheckedDatabase {
  const findings = runChecks(checksIn('locks'), facts, { app: {}, thresholds: options.thresholds, severity: options.severity });
  return { path, facts, findings, ...sourceOf(facts).lockSections(facts) };
}

/** `locks --from-facts`: the saved snapshots (and samples) checked again, without reading /proc or any database file. */
export function replayLocks(file: FactsFile, flags: { stack?: Stack; threshold?: ThresholdOverrides }, failOn: FailOn): Report {
  const databases = file.databases.map((d): DatabaseReport => {
    if (d.error) return { path: d.path, error: d.error };
    const settings = replaySettings(d.settings, { app: {}, ...flags });
    return checkLockFacts(d.path, d.facts, settings);
  });
  return buildReport('locks', databases, failOn);
}
