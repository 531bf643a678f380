/**
 * `lockscope locks <db...> [--for <duration>] [--hz <n>]`: who holds which SQLite lock right now, in SQLite's
 * terms, and — with --for — how long each process holds them. Reads /proc and the -shm header only: it opens
 * no SQLite connection and takes no lock (a snapshot cannot disturb the app it looks at). Wiring only: the
 * steps are in ../locks-run.ts.
 */
import type { Command } from 'commander';
import { INTERRUPT_SIGNALS, type Io } from '../io.js';
import { DEFAULT_HZ, MAX_HZ } from '../../sources/proc/sampler.js';
import type { Report, Stack } from '../../core/model.js';
import { markInterrupted } from '../../core/report.js';
import { positiveDuration, positiveInt } from '../options.js';
import { MAX_RUN_MS } from '../../core/units.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import { type SavedSettings, savedStack } from '../facts-file.js';
import { loadCommandConfig, mergeThresholds } from '../config.js';
import { addFactsFlags, addOutputFlags } from '../flags.js';
import { type FactsFlags, checkReplayFlags, checkSaveFactsTarget, loadFactsFile, replayStep, saveFactsFile } from '../facts-replay.js';
import { replayLocks, runLocks } from '../locks-run.js';
import { type OutputOptions, applyMaxWarnings, checkOutputTarget, emitLocksReport, outputFormat, reportErrors } from '../report-output.js';
import { startSpinner } from '../spinner.js';
import { ProgressOutput, locksProgressText, progressFlag, progressPlan } from '../progress.js';
import { resolveTargets } from '../targets.js';
import { chooseStack, fixFilter, verdictStack, withStack } from '../stack-choice.js';

type LocksFlags = Omit<OutputOptions, 'stack'> & FactsFlags & { config?: string; threshold?: ThresholdOverrides; for?: number; hz?: number; progress?: number; stack?: Stack | 'all' };

export function registerLocks(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('locks')
    .description('who holds which SQLite lock right now, and with --for how long (reads /proc; opens no connection, takes no lock)')
    .argument('[db...]', "database files or globs (default: the config's databases)");
  addOutputFlags(cmd);
  addFactsFlags(cmd);
  cmd
    .option('--for <duration>', 'sample the lock table for this long (e.g. 10s, 2m; at most 24h) and report hold times per process', positiveDuration('--for', MAX_RUN_MS))
    .option('--progress <interval>', 'with --for, a progress line on stderr this often, e.g. 2s (default: a live line on a terminal, a line every 5 s elsewhere; off: none)', progressFlag)
    .option('--hz <n>', `samples per second with --for (default ${DEFAULT_HZ}, at most ${MAX_HZ})`, positiveInt('--hz'))
    .action(async (args: string[], opts: LocksFlags) => {
      if (opts.fromFacts !== undefined) {
        const conflicts = [...(opts.for !== undefined ? ['--for'] : []), ...(opts.hz !== undefined ? ['--hz'] : [])];
        if (!checkReplayFlags(opts, args, conflicts, io)) return setExit(2);
        const file = loadFactsFile(opts.fromFacts, 'locks', io);
        if (file === null) return setExit(2);
        if (!checkOutputTarget(opts, file.databases.map((d) => d.path), io)) return setExit(2);
        const info = chooseStack({ flag: opts.stack, saved: savedStack(file) }, file.databases.map((d) => d.path), io.cwd);
        const done = replayStep(opts.fromFacts, io, () => {
          const report = applyMaxWarnings(withStack(replayLocks(file, { stack: verdictStack(info), threshold: opts.threshold }, opts.failOn), info), opts);
          return { report, written: emitLocksReport(report, { ...opts, stack: fixFilter(info) }, io) };
        });
        if (done === null) return setExit(2);
        reportErrors(done.report, io, opts);
        return setExit(done.written ? done.report.exitCode : 2);
      }
      if (opts.progress !== undefined && opts.for === undefined) {
        io.stderr('lockscope: --progress needs --for <duration> (a snapshot has no progress to show)\n');
        return setExit(2);
      }
      if (opts.hz !== undefined && opts.for === undefined) {
        io.stderr('lockscope: --hz needs --for <duration> (a snapshot takes one sample)\n');
        return setExit(2);
      }
      if (opts.hz !== undefined && opts.hz > MAX_HZ) {
        io.stderr(`lockscope: --hz must be at most ${MAX_HZ} (got ${opts.hz})\n`);
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
      const spinner = await startSpinner(io, opts.for ? `sampling locks for ${opts.for} ms at ${opts.hz ?? DEFAULT_HZ} Hz (Ctrl-C ends early)` : 'reading locks', quiet || opts.progress === 0);
      // Progress of the window: the latest each source reported, shown at the plan's pace.
      const progress = new ProgressOutput(io, opts.for !== undefined ? progressPlan(opts.progress, io, quiet) : { live: false, lineEveryMs: null }, spinner);
      const latest = new Map<string, Parameters<typeof locksProgressText>[1][number]>();
      let elapsedMs = 0;
      const progressTimer = progress.everyMs === null ? undefined : setInterval(() => latest.size && progress.show(locksProgressText(elapsedMs, [...latest.values()])), progress.everyMs);
      // Ctrl-C (or SIGTERM, SIGHUP) during sampling ends the window early and still reports what was sampled,
      // marked interrupted, and exits 128 + the signal's number; a second one ends the process as usual.
      const abort = new AbortController();
      let interrupted: string | null = null;
      let stopListening = () => {};
      if (opts.for !== undefined) {
        stopListening = io.interrupts.listen(INTERRUPT_SIGNALS, (signal) => {
          stopListening();
          interrupted ??= signal;
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
            onProgress:
              progress.everyMs === null
                ? undefined
                : (ms, targets) => {
                    elapsedMs = ms;
                    for (const t of targets) latest.set(t.path, t);
                  },
          },
          opts.failOn,
        );
      } finally {
        clearInterval(progressTimer);
        stopListening();
        spinner?.stop();
      }
      if (interrupted) report = markInterrupted(report, interrupted);
      const info = chooseStack({ flag: opts.stack, config: config?.stack ? { stack: config.stack, file: config.file } : undefined }, paths, io.cwd);
      report = applyMaxWarnings(withStack(report, info), opts);
      let written = emitLocksReport(report, { ...opts, stack: fixFilter(info) }, io);
      if (opts.saveFacts !== undefined) {
        const settings: SavedSettings = { app: {}, stack: verdictStack(info) ?? null, thresholds: mergeThresholds(config?.thresholds, opts.threshold), severity: config?.severity ?? {} };
        written = saveFactsFile(opts.saveFacts, 'locks', report, settings, io) && written;
      }
      reportErrors(report, io, opts);
      if (interrupted) {
        io.stderr(`lockscope: interrupted by ${interrupted}; the report covers the window sampled until then\n`);
        return setExit(report.exitCode);
      }
      setExit(written ? report.exitCode : 2);
    });
}
