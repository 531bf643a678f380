/**
 * `lockscope locks <db...> [--for <duration>] [--hz <n>]`: who holds which SQLite lock right now, in SQLite's
 * terms, and — with --for — how long each process holds them. Reads /proc and the -shm header only: it opens
 * no SQLite connection and takes no lock (a snapshot cannot disturb the app it looks at).
 */
import type { Command } from 'commander';
import { checksIn } from '../../checks/index.js';
import type { Io } from '../command-types.js';
import { mergeThresholds } from '../config.js';
import { AuditInputError, diagnose, gatherAuditFacts, gatherLocks } from '../facts/gather-audit.js';
import { DEFAULT_HZ, MAX_HZ, sampleLocks } from '../facts/sampler.js';
import { type AuditFacts, type Gathered, type LockFacts, type LockSampleFacts, isGatherError } from '../facts/types.js';
import { formatLocksText } from '../formatters/locks-text.js';
import { colorLevel, makeStyle } from '../formatters/style.js';
import type { DatabaseReport, Report } from '../model.js';
import { durationMs, positiveInt } from '../options.js';
import { buildReport } from '../report.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../runner.js';
import { type OutputOptions, addOutputFlags, checkOutputTarget, emitReport, loadCommandConfig, outputFormat, reportErrors, resolveTargets, startSpinner, writeOutput } from './audit.js';

/** The `holders` section of each database in `lockscope locks --json` (names are part of the interface). */
export interface HolderEntry {
  pid: number;
  user: string | null;
  uid: number | null;
  command: string | null;
  startedAt: string | null;
  /** null = unknown (the process's descriptors could not be read). */
  files: string[] | null;
  /** /proc/<pid>/stat state when read (T / t = stopped); null = not readable. */
  state: string | null;
  /** A lockscope process (another run's sampler…), not one of the app's connections. */
  lockscope: boolean;
  locks: { name: string; mode: 'shared' | 'exclusive'; file: 'db' | 'shm'; pinsFrame?: number | null }[];
}

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

interface Gathered1 {
  path: string;
  facts?: AuditFacts;
  error?: DatabaseReport['error'];
}

function inputError(path: string, err: unknown): DatabaseReport['error'] {
  if (err instanceof AuditInputError) return { code: err.code, message: `${path}: ${err.message}` };
  const e = err as NodeJS.ErrnoException;
  return { code: e.code ?? 'ERROR', message: `${path}: ${e.message ?? String(err)}` };
}

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
  const first: (Gathered1 | DatabaseReport)[] = targets.map((t) => {
    if (typeof t !== 'string') return t;
    try {
      return { path: t, facts: snapshotFacts(t) };
    } catch (err) {
      return { path: t, error: inputError(t, err) };
    }
  });
  let samples: Map<number, Gathered<LockSampleFacts>> | null = null;
  if (options.forMs !== undefined && first.some((g) => 'facts' in g && g.facts !== undefined)) {
    samples = new Map();
    const live = first.map((g, i) => ({ g, i })).filter(({ g }) => g.facts !== undefined) as { g: { path: string; facts: AuditFacts }; i: number }[];
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
    if (g.error || !g.facts) return g as DatabaseReport;
    let facts = g.facts as AuditFacts;
    if (samples) {
      // The holders describe the database as the window ended.
      try {
        facts = snapshotFacts(g.path);
      } catch (err) {
        return { path: g.path, error: inputError(g.path, err) };
      }
      const s = samples.get(i);
      if (s) facts.lockSamples = s;
    }
    const findings = runChecks(checksIn('locks'), facts, { app: {}, thresholds: options.thresholds, severity: options.severity });
    const report: DatabaseReport = { path: g.path, facts, findings, holders: holdersSection(facts.locks) };
    if (facts.lockSamples !== undefined) report.sampling = facts.lockSamples;
    return report;
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

type LocksFlags = OutputOptions & { config?: string; threshold?: ThresholdOverrides; for?: number; hz?: number };

export function registerLocks(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('locks')
    .description('who holds which SQLite lock right now, and with --for how long (reads /proc; opens no connection, takes no lock)')
    .argument('[db...]', "database files or globs (default: the config's databases)");
  addOutputFlags(cmd);
  cmd
    .option('--for <duration>', 'sample the lock table for this long (e.g. 10s, 2m) and report hold times per process', durationMs('--for'))
    .option('--hz <n>', `samples per second with --for (default ${DEFAULT_HZ}, at most ${MAX_HZ})`, positiveInt('--hz'))
    .action(async (args: string[], opts: LocksFlags) => {
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
      if (!checkOutputTarget(opts, targets.filter((t): t is string => typeof t === 'string'), io)) return setExit(2);
      if (targets.length === 0) {
        io.stderr('lockscope: no database given: lockscope locks <db...>, or list them in lockscope.config.json\n');
        return setExit(2);
      }
      const quiet = outputFormat(opts) !== 'text' || Boolean(opts.output);
      const spinner = await startSpinner(io, opts.for ? `sampling locks for ${opts.for} ms at ${opts.hz ?? DEFAULT_HZ} Hz (Ctrl-C ends early)` : 'reading locks', quiet);
      // Ctrl-C during sampling ends the window early and still reports what was sampled.
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      if (opts.for !== undefined) process.once('SIGINT', onSigint);
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
        process.removeListener('SIGINT', onSigint);
        spinner?.stop();
      }
      const written = emitLocksReport(report, { ...opts, stack: opts.stack ?? config?.stack }, io);
      reportErrors(report, io);
      setExit(written ? report.exitCode : 2);
    });
}
