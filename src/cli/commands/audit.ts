/** `lockscope audit <db...>`: flags → targets → gather and check (audit-run.ts) → report → exit code. */
import { type Command, Option } from 'commander';
import type { Io } from '../io.js';
import { CHECKPOINT_MODES, type CheckpointMode, DEFAULT_CHECKPOINT_TIMEOUT_MS } from '../../sources/sqlite/checkpoint.js';
import { sqliteDriverProblem } from '../../sources/sqlite/connection.js';
import { escapeControl } from '../../core/escape.js';
import { existsSync } from 'node:fs';
import { type SavedSettings, savedStack } from '../facts-file.js';
import { resolve as resolvePath } from 'node:path';
import { type Report, isFactsOf } from '../../core/model.js';
import { type AppFlagValues, appSettingsFrom, millisecondsOrDuration, positiveDuration, positiveInt, withOrigin } from '../options.js';
import { MAX_RUN_MS, MAX_WAIT_MS } from '../../core/units.js';
import { markInterrupted } from '../../core/report.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import { loadCommandConfig, mergeApp, mergeThresholds } from '../config.js';
import { type AuditOptions, type AuditStress, replayAudit, runAudit, runAuditWithStress } from '../audit-run.js';
import { addAppSettingFlags, addFactsFlags, addOutputFlags } from '../flags.js';
import { type FactsFlags, checkReplayFlags, checkSaveFactsTarget, loadFactsFile, replayStep, saveFactsFile } from '../facts-replay.js';
import { type OutputOptions, applyMaxWarnings, auditStressSections, checkOutputTarget, emitReport, reportErrors } from '../report-output.js';
import { startSpinner } from '../spinner.js';
import { resolveTargets } from '../targets.js';
import { chooseStack, fixFilter, verdictStack, withStack } from '../stack-choice.js';
import type { Stack } from '../../core/model.js';
import { discoverForCommand, showConflicts, withDiscovered } from '../app-discover.js';

export function registerAudit(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('audit', { isDefault: true })
    .description('read-only audit of SQLite databases: settings, WAL, locks, filesystem (opens no connection)')
    .argument('[db...]', "database files or globs (default: the config's databases)");
  addAppSettingFlags(cmd);
  addOutputFlags(cmd);
  addFactsFlags(cmd);
  cmd
    .addOption(
      new Option('--checkpoint [mode]', 'WRITES: run PRAGMA wal_checkpoint(mode) first: passive|full|restart|truncate').preset('truncate'),
    )
    .option('--stress', 'WRITES a scratch database next to each db: run a short stress (4 writers, 2 s, read-then-write, the declared settings) and add its findings')
    .option('--checkpoint-timeout <ms>', `busy wait of --checkpoint in ms, or with a unit (1s); at most 1h (blocks the app's writers while it waits)`, millisecondsOrDuration('--checkpoint-timeout', MAX_WAIT_MS), DEFAULT_CHECKPOINT_TIMEOUT_MS)
    .option('--trace <duration>', "first watch the app's own lock calls for this long (lockscope trace: strace on the processes that have each database open) and use the busy timeout and transaction mode they show where the app declared none", positiveDuration('--trace', MAX_RUN_MS))
    .option('--app <dir>', "the app's folder: take its busy timeout, transaction mode and synchronous from its code (lockscope scan) where not declared")
    .option('--writers <n>', "how many of the app's connections write concurrently (config app.writers): 1 rules out the deferred upgrade trap", positiveInt('--writers'))
    .action(async (args: string[], flags: AppFlagValues & OutputOptions & FactsFlags & { config?: string; threshold?: ThresholdOverrides; checkpoint?: string; checkpointTimeout: number; stress?: boolean; trace?: number; app?: string; stack?: Stack | 'all' }) => {
      // opts.stack becomes the fix filter once the stack is chosen (src/cli/stack-choice.ts).
      const stackFlag = flags.stack;
      const opts = { ...flags, stack: undefined };
      // --writers is audit's (stress has a --writers of its own: its thread count).
      const declared = withOrigin(opts.writers !== undefined ? { ...appSettingsFrom(opts), writers: opts.writers } : appSettingsFrom(opts), { kind: 'declared', via: 'flag' });
      if (opts.fromFacts !== undefined) {
        const conflicts = [
          ...(opts.checkpoint !== undefined ? ['--checkpoint'] : []),
          ...(cmd.getOptionValueSource('checkpointTimeout') === 'cli' ? ['--checkpoint-timeout'] : []),
          ...(opts.stress ? ['--stress'] : []),
          ...(opts.trace !== undefined ? ['--trace'] : []),
          ...(opts.app !== undefined ? ['--app'] : []),
        ];
        if (!checkReplayFlags(opts, args, conflicts, io)) return setExit(2);
        const file = loadFactsFile(opts.fromFacts, 'audit', io);
        if (file === null) return setExit(2);
        if (!checkOutputTarget(opts, file.databases.map((d) => d.path), io)) return setExit(2);
        // The stack of the flag, or else the one saved with the facts, or else the one detected around them.
        const info = chooseStack({ flag: stackFlag, saved: savedStack(file) }, file.databases.map((d) => d.path), io.cwd);
        const extra = file.databases.some((d) => !d.error && isFactsOf(d.facts, 'sqlite') && d.facts.stress) ? auditStressSections(io, opts) : undefined;
        const done = replayStep(opts.fromFacts, io, () => {
          const report = applyMaxWarnings(withStack(replayAudit(file, { app: declared, stack: verdictStack(info), threshold: opts.threshold }, opts.failOn), info), opts);
          return { report, written: emitReport(report, { ...opts, stack: fixFilter(info) }, io, extra) };
        });
        if (done === null) return setExit(2);
        reportErrors(done.report, io, opts);
        return setExit(done.written ? done.report.exitCode : 2);
      }
      if (opts.trace !== undefined) {
        // Each database gets its own observed settings: the stress run and the saved facts take one set for all.
        const clash = opts.stress ? '--stress' : opts.saveFacts !== undefined ? '--save-facts' : null;
        if (clash) {
          io.stderr(`lockscope: --trace and ${clash} cannot be combined: run the audit with --trace, and ${clash} in another run\n`);
          return setExit(2);
        }
      }
      let checkpoint: AuditOptions['checkpoint'];
      if (opts.checkpoint !== undefined) {
        let mode = String(opts.checkpoint).toLowerCase() as CheckpointMode;
        if (!CHECKPOINT_MODES.includes(mode)) {
          // `--checkpoint app.db`: the optional mode swallowed the database path. An existing path is a path.
          if (typeof opts.checkpoint === 'string' && existsSync(resolvePath(io.cwd, opts.checkpoint))) {
            args = [opts.checkpoint, ...args];
            mode = 'truncate';
          } else {
            io.stderr(`lockscope: --checkpoint must be one of ${CHECKPOINT_MODES.join(', ')} (got "${opts.checkpoint}")\n`);
            return setExit(2);
          }
        }
        checkpoint = { mode, timeoutMs: opts.checkpointTimeout };
      }
      const driverProblem = checkpoint || opts.stress ? sqliteDriverProblem(opts.stress ? 'audit --stress' : 'audit --checkpoint') : null;
      if (driverProblem) {
        io.stderr(`lockscope: ${driverProblem}\n`);
        return setExit(2);
      }
      const config = loadCommandConfig(io, opts.config);
      if (config === 'error') return setExit(2);
      const targets = resolveTargets(args, config, io.cwd);
      const paths = targets.filter((t): t is string => typeof t === 'string');
      if (!checkOutputTarget(opts, paths, io) || !checkSaveFactsTarget(opts, paths, io)) return setExit(2);
      if (targets.length === 0) {
        io.stderr(
          config
            ? `lockscope: ${config.file}: "databases" is empty: name a database on the command line or in the config\n`
            : 'lockscope: no database given: lockscope audit <db...>, or list them in lockscope.config.json (lockscope init)\n',
        );
        return setExit(2);
      }
      // --app, or the config's app.discover (relative to the config file): the settings the code gives.
      const discovered = await discoverForCommand(io, opts.app, config?.discover);
      if (discovered === 'error') return setExit(2);
      const declaredApp = mergeApp(config?.app, declared);
      const spinner = await startSpinner(io, `auditing ${targets.length} database(s)`, Boolean(opts.json || opts.format === 'json'));
      const options: AuditOptions = {
        app: discovered ? withDiscovered(declaredApp, discovered) : declaredApp,
        thresholds: mergeThresholds(config?.thresholds, opts.threshold),
        severity: config?.severity ?? {},
        checkpoint,
      };
      const info = chooseStack({ flag: stackFlag, config: config?.stack ? { stack: config.stack, file: config.file } : undefined }, paths, io.cwd);
      // Only a declared stack's defaults stand in for undeclared settings: a detected one picks the fixes only.
      const stack = verdictStack(info);
      if (stack) options.stack = stack;
      let report: Report;
      let interrupted: string | null = null;
      if (opts.stress) {
        spinner?.stop();
        const { runStressForAudit } = await import('../../sources/stress/run.js');
        const { knobsFromConfig } = await import('../stress-knobs.js');
        const { withInterruptSignals } = await import('../../sources/stress/signals.js');
        // The config's stress workload replaces the short default's knobs it names.
        const flags = knobsFromConfig(config?.stress);
        // One signal handler for the whole audit, as `stress` has: the first SIGINT/SIGTERM stops the
        // threads and removes the scratch database; the databases not yet reached are not audited.
        report = await withInterruptSignals(io.interrupts, async (control) => {
          const stress: AuditStress = {
            run: (facts) => runStressForAudit(facts, options.app, { flags, stack: stack ?? null, control, onNotice: (m: string) => io.stderr(`lockscope: ${escapeControl(m)}\n`) }),
            interrupted: () => control.interrupted,
          };
          const r = await runAuditWithStress(targets, options, stress, opts.failOn);
          interrupted = control.interrupted;
          // Cut short: the partial results, marked, with the exit code the process ends with (130, 143).
          return interrupted ? markInterrupted(r, interrupted) : r;
        });
      } else if (opts.trace !== undefined) {
        spinner?.stop();
        const { TraceSetupError } = await import('../../sources/trace/strace.js');
        const { auditWithTrace, traceForAudit, unobservedNotes } = await import('../trace-run.js');
        let traced;
        try {
          traced = await traceForAudit(io, paths, opts.trace);
        } catch (err) {
          if (!(err instanceof TraceSetupError)) throw err;
          io.stderr(`lockscope: --trace: ${escapeControl(err.message)}\n`);
          return setExit(2);
        }
        report = await auditWithTrace(targets, options, traced.traced, opts.failOn);
        for (const note of unobservedNotes(traced.traced)) io.stderr(`lockscope: ${escapeControl(note)}\n`);
        if (traced.interrupted) {
          interrupted = traced.interrupted;
          // Cut short: the audit of what the shortened trace observed, marked, exiting 130/143.
          report = markInterrupted(report, interrupted);
        }
      } else {
        report = await runAudit(targets, options, opts.failOn);
        spinner?.stop();
      }
      if (discovered) showConflicts(report, declaredApp, discovered);
      report = applyMaxWarnings(report, opts);
      const extra = opts.stress ? auditStressSections(io, opts) : undefined;
      report = withStack(report, info);
      let written = emitReport(report, { ...opts, stack: fixFilter(info) }, io, extra);
      if (opts.saveFacts !== undefined) {
        const settings: SavedSettings = { app: options.app, stack: stack ?? null, thresholds: options.thresholds ?? {}, severity: options.severity ?? {} };
        written = saveFactsFile(opts.saveFacts, 'audit', report, settings, io) && written;
      }
      reportErrors(report, io, opts);
      if (interrupted) {
        io.stderr(
          opts.trace !== undefined
            ? `lockscope: interrupted by ${interrupted}: strace detached; the audit used what the shortened trace observed\n`
            : `lockscope: interrupted by ${interrupted}; the stress threads stopped and lockscope removed what it had created\n`,
        );
        return setExit(report.exitCode);
      }
      setExit(written ? report.exitCode : 2);
    });
}
