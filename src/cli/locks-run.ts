/** The locks command's steps: snapshot each target (and with --for sample the lock table), check, build the report; and its replay. */
import { checksIn } from '../../checks/index.js';
import { diagnose, gatherLocks, pathInputError } from '../sources/sqlite/gather.js';
import { sourceFor } from '../sources/index.js';
import { DEFAULT_HZ, sampleLocks } from '../sources/proc/sampler.js';
import { type AuditFacts, type Gathered, type LockFacts, type LockSampleFacts, isGatherError } from '../core/facts.js';
import type { CheckedDatabase, DatabaseReport, FailedDatabase, HolderEntry, Report, Stack } from '../core/model.js';
import { buildReport } from '../core/report.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../core/runner.js';
import type { FailOn } from '../core/exit-code.js';
import type { FactsFile } from './facts-file.js';
import { replaySettings } from './facts-replay.js';


export function holdersSection(locks: Gathered<LockFacts>): HolderEntry[] {
  if (isGatherError(locks)) return [];
  return locks.holders.map((h) => ({
    pid: h.pid,
    user: h.user ?? null,
    uid: h.uid ?? null,
    command: h.command ?? null,
    startedAt: h.startedAt ?? null,
    files: h.files ?? null,
    state: h.run?.state ?? null,
    lockscope: h.lockscope === true,
    locks: h.locks.map((l) => ({ ...l })),
  }));
}

/** A target's first snapshot: its facts, or the error that stopped it (a glob that matched nothing, bad input). */
type Snapshot = { ok: true; path: string; facts: AuditFacts } | { ok: false; failed: FailedDatabase };

/** One snapshot of one database: the audit's read-only gatherer, with lsof standing in where /proc/locks is missing. */
export function snapshotFacts(path: string): AuditFacts {
  const source = sourceFor(path);
  if (!source) throw new Error('lockscope reads no target of this kind');
  const facts = source.gather(path, {});
  if (isGatherError(facts.locks)) {
    const marks = !isGatherError(facts.shm) && facts.shm?.header ? facts.shm.header.readMarks : null;
    facts.locks = gatherLocks(facts.files, marks, undefined, { lsofFallback: true });
    diagnose(facts.locks, facts.header, facts.shm);
  }
  return facts;
}

export interface LocksOptions {
  thresholds?: ThresholdOverrides;
  severity?: SeverityOverrides;
  /** Sampling window; absent = a snapshot only. */
  forMs?: number;
  hz?: number;
  signal?: AbortSignal;
}

/** Snapshots (and with `forMs` samples) every target; bad paths become that database's `error`. */
export async function runLocks(targets: readonly (string | DatabaseReport)[], options: LocksOptions, failOn: FailOn): Promise<Report> {
  const first: Snapshot[] = targets.map((t): Snapshot => {
    if (typeof t !== 'string') return t.error ? { ok: false, failed: t } : { ok: true, path: t.path, facts: t.facts };
    try {
      return { ok: true, path: t, facts: snapshotFacts(t) };
    } catch (err) {
      return { ok: false, failed: { path: t, error: pathInputError(t, err) } };
    }
  });
  let samples: Map<number, Gathered<LockSampleFacts>> | null = null;
  const live = first.flatMap((g, i) => (g.ok ? [{ g, i }] : []));
  if (options.forMs !== undefined && live.length > 0) {
    samples = new Map();
    try {
      const results = await sampleLocks(
        live.map(({ g }) => ({ files: g.facts.files, walEnabled: g.facts.header.walEnabled })),
        { durationMs: options.forMs, hz: options.hz ?? DEFAULT_HZ, signal: options.signal },
      );
      live.forEach(({ i }, k) => samples!.set(i, results[k]!));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const error = { error: { code: e.code ?? 'ERROR', message: `the lock table could not be sampled: ${e.message ?? String(err)}` } };
      for (const { i } of live) samples.set(i, error);
    }
  }
  const databases = first.map((g, i): DatabaseReport => {
    if (!g.ok) return g.failed;
    let facts = g.facts;
    if (samples) {
      // The holders describe the database as the window ended.
      try {
        facts = snapshotFacts(g.path);
      } catch (err) {
        return { path: g.path, error: pathInputError(g.path, err) };
      }
      const s = samples.get(i);
      if (s) facts.lockSamples = s;
    }
    return checkLockFacts(g.path, facts, options);
  });
  return buildReport('locks', databases, failOn);
}

/** The lock checks on one database's facts, with the holders and sampling sections. */
export function checkLockFacts(path: string, facts: AuditFacts, options: Pick<LocksOptions, 'thresholds' | 'severity'>): CheckedDatabase {
  const findings = runChecks(checksIn('locks'), facts, { app: {}, thresholds: options.thresholds, severity: options.severity });
  const report: CheckedDatabase = { path, facts, findings, holders: holdersSection(facts.locks) };
  if (facts.lockSamples !== undefined) report.sampling = facts.lockSamples;
  return report;
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
