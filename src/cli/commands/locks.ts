/**
 * `lockscope locks <db...> [--for <duration>] [--hz <n>]`: who holds which SQLite lock right now, in SQLite's
 * terms, and — with --for — how long each process holds them. Reads /proc and the -shm header only: it opens
 * no SQLite connection and takes no lock (a snapshot cannot disturb the app it looks at).
 */
import type { Command } from 'commander';
import { checksIn } from '../../../checks/index.js';
import type { Io } from '../io.js';
import { mergeThresholds } from '../config.js';
import { diagnose, gatherAuditFacts, gatherLocks, pathInputError } from '../../sources/sqlite/gather.js';
import { DEFAULT_HZ, MAX_HZ, sampleLocks } from '../../sources/proc/sampler.js';
import { type AuditFacts, type Gathered, type LockFacts, type LockSampleFacts, isGatherError } from '../../core/facts.js';
import { formatLocksText } from '../../output/locks-text.js';
import { colorLevel, makeStyle } from '../../output/style.js';
import type { CheckedDatabase, DatabaseReport, FailedDatabase, HolderEntry, Report, Stack } from '../../core/model.js';
import { durationMs, positiveInt } from '../options.js';
import { buildReport } from '../../core/report.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../../core/runner.js';
import { type FactsFile, type SavedSettings, savedStack } from '../facts-file.js';
import { loadCommandConfig } from '../config.js';
import { addFactsFlags, addOutputFlags } from '../flags.js';
import { type FactsFlags, checkReplayFlags, checkSaveFactsTarget, loadFactsFile, replaySettings, replayStep, saveFactsFile } from '../facts-replay.js';
import { type OutputOptions, checkOutputTarget, emitReport, outputFormat, reportErrors, writeOutput } from '../report-output.js';
import { startSpinner } from '../spinner.js';
import { resolveTargets } from '../targets.js';


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
  const facts = gatherAuditFacts(path);
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
export async function runLocks(targets: readonly (string | DatabaseReport)[], options: LocksOptions, failOn: OutputOptions['failOn']): Promise<Report> {
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
export function replayLocks(file: FactsFile, flags: { stack?: Stack; threshold?: ThresholdOverrides }, failOn: OutputOptions['failOn']): Report {
  const databases = file.databases.map((d): DatabaseReport => {
    if (d.error) return { path: d.path, error: d.error };
    const settings = replaySettings(d.settings, { app: {}, ...flags });
    return checkLockFacts(d.path, d.facts, settings);
  });
  return buildReport('locks', databases, failOn);
}

/** The text report of `locks` (holders table, summary, sampling, findings); colour only on a terminal. */
export function renderLocksText(report: Report, opts: OutputOptions, io: Io): string {
  const style = makeStyle(opts.output ? 0 : colorLevel(io.env, io.stdoutIsTTY));
  return formatLocksText(report, { style, verbose: opts.verbose, stack: opts.stack });
}

/**
 * Writes the report: the locks text layout for `text`, the shared renderers (json, junit, sarif, github,
 * markdown) through the audit's emitReport otherwise. False when --output could not be written.
 */
export function emitLocksReport(report: Report, opts: OutputOptions, io: Io): boolean {
  if (outputFormat(opts) !== 'text') return emitReport(report, opts, io);
  return writeOutput(renderLocksText(report, opts, io), opts, io, report.databases.map((db) => db.path));
}

type LocksFlags = OutputOptions & FactsFlags & { config?: string; threshold?: ThresholdOverrides; for?: number; hz?: number };

export function registerLocks(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('locks')
    .description('who holds which SQLite lock right now, and with --for how long (reads /proc; opens no connection, takes no lock)')
    .argument('[db...]', "database files or globs (default: the config's databases)");
  addOutputFlags(cmd);
  addFactsFlags(cmd);
  cmd
    .option('--for <duration>', 'sample the lock table for this long (e.g. 10s, 2m) and report hold times per process', durationMs('--for'))
    .option('--hz <n>', `samples per second with --for (default ${DEFAULT_HZ}, at most ${MAX_HZ})`, positiveInt('--hz'))
    .action(async (args: string[], opts: LocksFlags) => {
      if (opts.fromFacts !== undefined) {
        const conflicts = [...(opts.for !== undefined ? ['--for'] : []), ...(opts.hz !== undefined ? ['--hz'] : [])];
        if (!checkReplayFlags(opts, args, conflicts, io)) return setExit(2);
        const file = loadFactsFile(opts.fromFacts, 'locks', io);
        if (file === null) return setExit(2);
        if (!checkOutputTarget(opts, file.databases.map((d) => d.path), io)) return setExit(2);
        const stack = opts.stack ?? savedStack(file);
        const done = replayStep(opts.fromFacts, io, () => {
          const report = replayLocks(file, { stack: opts.stack, threshold: opts.threshold }, opts.failOn);
          return { report, written: emitLocksReport(report, { ...opts, stack }, io) };
        });
        if (done === null) return setExit(2);
        reportErrors(done.report, io);
        return setExit(done.written ? done.report.exitCode : 2);
      }
      if (opts.hz !== undefined && opts.for === undefined) {
        io.stderr('lockscope: --hz needs --for <duration> (a snapshot takes one sample)\n');
        return setExit(2);
      }
      if (opts.hz !== undefined && opts.hz > MAX_HZ) {
        io.stderr(`lockscope: --hz must be at most ${MAX_HZ} (got ${opts.hz})\n`);
        return setExit(2);
      }
      if (opts.for !== undefined && opts.for <= 0) {
        io.stderr('lockscope: --for must be longer than 0 (e.g. 10s)\n');
        return setExit(2);
      }
      const config = loadCommandConfig(io, opts.config);
      if (config === 'error') return setExit(2);
      const targets = resolveTargets(args, config, io.cwd);
      const paths = targets.filter((t): t is string => typeof t === 'string');
      if (!checkOutputTarget(opts, paths, io) || !checkSaveFactsTarget(opts, paths, io)) return setExit(2);
      if (targets.length === 0) {
        io.stderr('lockscope: no database given: lockscope locks <db...>, or list them in lockscope.config.json\n');
        return setExit(2);
      }
      const quiet = outputFormat(opts) !== 'text' || Boolean(opts.output);
      const spinner = await startSpinner(io, opts.for ? `sampling locks for ${opts.for} ms at ${opts.hz ?? DEFAULT_HZ} Hz (Ctrl-C ends early)` : 'reading locks', quiet);
      // Ctrl-C during sampling ends the window early and still reports what was sampled; a second one
      // ends the process as usual.
      const abort = new AbortController();
      let stopListening = () => {};
      if (opts.for !== undefined) {
        stopListening = io.interrupts.listen(['SIGINT'], () => {
          stopListening();
          abort.abort();
        });
      }
      let report: Report;
      try {
        report = await runLocks(
          targets,
          {
            thresholds: mergeThresholds(config?.thresholds, opts.threshold),
            severity: config?.severity ?? {},
            forMs: opts.for,
            hz: opts.hz,
            signal: abort.signal,
          },
          opts.failOn,
        );
      } finally {
        stopListening();
        spinner?.stop();
      }
      const stack = opts.stack ?? config?.stack;
      let written = emitLocksReport(report, { ...opts, stack }, io);
      if (opts.saveFacts !== undefined) {
        const settings: SavedSettings = { app: {}, stack: stack ?? null, thresholds: mergeThresholds(config?.thresholds, opts.threshold), severity: config?.severity ?? {} };
        written = saveFactsFile(opts.saveFacts, 'locks', report, settings, io) && written;
      }
      reportErrors(report, io);
      setExit(written ? report.exitCode : 2);
    });
}
