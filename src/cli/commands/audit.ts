/** `lockscope audit <db...>`: flags → targets → gather and check (audit-run.ts) → report → exit code. */
import { type Command, Option } from 'commander';
import type { Io } from '../io.js';
import { CHECKPOINT_MODES, type CheckpointMode, DEFAULT_CHECKPOINT_TIMEOUT_MS } from '../../sources/sqlite/checkpoint.js';
import { escapeControl } from '../../core/escape.js';
import { existsSync } from 'node:fs';
import { type SavedSettings, savedStack } from '../facts-file.js';
import { resolve as resolvePath } from 'node:path';
import { type Report, isFactsOf } from '../../core/model.js';
import { type AppFlagValues, appSettingsFrom, durationMs, positiveInt, withOrigin } from '../options.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import { loadCommandConfig, mergeApp, mergeThresholds } from '../config.js';
import { type AuditOptions, type AuditStress, replayAudit, runAudit, runAuditWithStress } from '../audit-run.js';
import { addAppSettingFlags, addFactsFlags, addOutputFlags } from '../flags.js';
import { type FactsFlags, checkReplayFlags, checkSaveFactsTarget, loadFactsFile, replayStep, saveFactsFile } from '../facts-replay.js';
import { type OutputOptions, auditStressSections, checkOutputTarget, emitReport, reportErrors } from '../report-output.js';
import { startSpinner } from '../spinner.js';
import { resolveTargets } from '../targets.js';
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
    .option('--checkpoint-timeout <ms>', `busy wait of --checkpoint (blocks the app's writers while it waits)`, durationMs('--checkpoint-timeout'), DEFAULT_CHECKPOINT_TIMEOUT_MS)
    .option('--app <dir>', "the app's folder: take its busy timeout, transaction mode and synchronous from its code (lockscope scan) where not declared")
    .option('--writers <n>', "how many of the app's connections write concurrently (config app.writers): 1 rules out the deferred upgrade trap", positiveInt('--writers'))
    .action(async (args: string[], opts: AppFlagValues & OutputOptions & FactsFlags & { config?: string; threshold?: ThresholdOverrides; checkpoint?: string; checkpointTimeout: number; stress?: boolean; app?: string }) => {
      // --writers is audit's (stress has a --writers of its own: its thread count).
      const declared = withOrigin(opts.writers !== undefined ? { ...appSettingsFrom(opts), writers: opts.writers } : appSettingsFrom(opts), { kind: 'declared', via: 'flag' });
      if (opts.fromFacts !== undefined) {
        const conflicts = [
          ...(opts.checkpoint !== undefined ? ['--checkpoint'] : []),
          ...(cmd.getOptionValueSource('checkpointTimeout') === 'cli' ? ['--checkpoint-timeout'] : []),
          ...(opts.stress ? ['--stress'] : []),
          ...(opts.app !== undefined ? ['--app'] : []),
        ];
        if (!checkReplayFlags(opts, args, conflicts, io)) return setExit(2);
        const file = loadFactsFile(opts.fromFacts, 'audit', io);
        if (file === null) return setExit(2);
        if (!checkOutputTarget(opts, file.databases.map((d) => d.path), io)) return setExit(2);
        // Fixes are shown for the stack of the flag, or else the one saved with the facts.
        const stack = opts.stack ?? savedStack(file);
        const extra = file.databases.some((d) => !d.error && isFactsOf(d.facts, 'sqlite') && d.facts.stress) ? auditStressSections(io, opts) : undefined;
        const done = replayStep(opts.fromFacts, io, () => {
          const report = replayAudit(file, { app: declared, stack: opts.stack, threshold: opts.threshold }, opts.failOn);
          return { report, written: emitReport(report, { ...opts, stack }, io, extra) };
        });
        if (done === null) return setExit(2);
        reportErrors(done.report, io);
        return setExit(done.written ? done.report.exitCode : 2);
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
      const stack = opts.stack ?? config?.stack;
      if (stack) options.stack = stack;
      let report: Report;
      let interrupted: string | null = null;
      let interruptedExit = 2;
      if (opts.stress) {
        spinner?.stop();
        const { runStressForAudit } = await import('../../sources/stress/run.js');
        const { knobsFromConfig } = await import('../stress-knobs.js');
        const { signalExitCode, withInterruptSignals } = await import('../../sources/stress/signals.js');
        // The config's stress workload replaces the short default's knobs it names.
        const flags = knobsFromConfig(config?.stress);
        // One signal handler for the whole audit, as `stress` has: the first SIGINT/SIGTERM stops the
        // threads and removes the scratch database; the databases not yet reached are not audited.
        report = await withInterruptSignals(io.interrupts, async (control) => {
          const stress: AuditStress = {
            run: (facts) => runStressForAudit(facts, options.app, { flags, stack: opts.stack ?? config?.stack ?? null, control, onNotice: (m: string) => io.stderr(`lockscope: ${escapeControl(m)}\n`) }),
            interrupted: () => control.interrupted,
          };
          const r = await runAuditWithStress(targets, options, stress, opts.failOn);
          interrupted = control.interrupted;
          if (interrupted) interruptedExit = signalExitCode(interrupted);
          return r;
        });
      } else {
        report = runAudit(targets, options, opts.failOn);
        spinner?.stop();
      }
      if (discovered) showConflicts(report, declaredApp, discovered);
      const extra = opts.stress ? auditStressSections(io, opts) : undefined;
      let written = emitReport(report, { ...opts, stack }, io, extra);
      if (opts.saveFacts !== undefined) {
        const settings: SavedSettings = { app: options.app, stack: stack ?? null, thresholds: options.thresholds ?? {}, severity: options.severity ?? {} };
        written = saveFactsFile(opts.saveFacts, 'audit', report, settings, io) && written;
      }
      reportErrors(report, io);
      if (interrupted) {
        io.stderr(`lockscope: interrupted by ${interrupted}; the stress threads stopped and lockscope removed what it had created\n`);
        return setExit(interruptedExit);
      }
      setExit(written ? report.exitCode : 2);
    });
}
