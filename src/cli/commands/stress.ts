/**
 * `lockscope stress <db>`: concurrent writers (and readers) on worker threads, on a scratch database
 * next to the target (or, with --live, in a table of lockscope's own inside it), measured and checked.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { checksIn } from '../../../checks/index.js';
import { runChecks } from '../../core/runner.js';
import type { Source } from '../../core/source.js';
import { sourceFor } from '../../sources/index.js';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { escapeControl } from '../../core/escape.js';
import { sqliteDriverProblem } from '../../sources/sqlite/connection.js';
import { loadCommandConfig, mergeApp, mergeThresholds } from '../config.js';
import type { DatabaseReport, Stack } from '../../core/model.js';
import { chooseStack, fixFilter, verdictStack, withStack } from '../stack-choice.js';
import { conflictLines, discoverForCommand, withDiscovered } from '../app-discover.js';
import { appSettingsFrom, bytes, durationMs, nonNegativeInt, oneOf, positiveDuration, positiveInt } from '../options.js';
import { MAX_RUN_MS, MAX_WAIT_MS } from '../../core/units.js';
import { buildReport, markInterrupted } from '../../core/report.js';
import { EXIT_NOT_CONFIRMED } from '../../core/exit-code.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import { PATTERNS, type StressKnobFlags } from '../../sources/stress/knobs.js';
import { KnobError, runStress } from '../../sources/stress/run.js';
import { withInterruptSignals } from '../../sources/stress/signals.js';
import { addAppSettingFlags, addOutputFlags } from '../flags.js';
import { type OutputOptions, applyMaxWarnings, checkOutputTarget, emitReport, emitStressReport, outputFormat, reportErrors } from '../report-output.js';
import { startSpinner } from '../spinner.js';
import { ProgressOutput, progressFlag, progressPlan, stressProgressText } from '../progress.js';
import { type StressKnobFlagValues, knobFlags, knobsFromConfig, mergeKnobs } from '../stress-knobs.js';
import { checkStress, stressErrorReport } from '../stress-run.js';

interface StressFlagValues extends StressKnobFlagValues, Omit<OutputOptions, 'stack'> {
  stack?: Stack | 'all';
  config?: string;
  app?: string;
  threshold?: ThresholdOverrides;
  scratchDir?: string;
  live?: boolean;
  yes?: boolean;
  compare?: boolean;
  progress?: number;
  ddlRace?: boolean;
  ddlFile?: string;
  rounds?: number;
}

/** Flags of the SQLite harness, refused for a target whose source runs its own workload (and the reverse). */
const SQLITE_STRESS_FLAGS = ['readers', 'duration', 'transactions', 'pattern', 'batch', 'hold', 'readerHold', 'think', 'rowBytes', 'retry', 'scratchDir', 'live', 'busyTimeout', 'tx', 'synchronous', 'journalMode', 'walAutocheckpoint', 'journalSizeLimit'];
const SOURCE_STRESS_FLAGS = ['ddlRace', 'ddlFile', 'rounds'];
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** `stress` on a target whose source runs its own workload (PostgreSQL --ddl-race): run, check, report, exit code. */
async function sourceStress(source: Source, entry: string, opts: StressFlagValues, given: (key: string) => boolean, io: Io, setExit: (code: number) => void): Promise<void> {
  // The target as the source names it (a PostgreSQL URL with its password masked).
  const path = source.resolveTargets({ entries: [entry], baseDir: io.cwd, display: 'as-given', cwd: io.cwd }).targets[0] ?? entry;
  const refused = SQLITE_STRESS_FLAGS.filter(given);
  if (refused.length > 0) {
    io.stderr(`lockscope: ${refused.map(flagName).join(', ')} ${refused.length === 1 ? 'is' : 'are'} for SQLite databases; ${escapeControl(path)} is a ${source.id} target\n`);
    return setExit(2);
  }
  let statements: string | undefined;
  if (opts.ddlFile !== undefined) {
    try {
      statements = readFileSync(opts.ddlFile, 'utf8');
    } catch (err) {
      io.stderr(`lockscope: --ddl-file ${escapeControl(opts.ddlFile)}: cannot read it: ${escapeControl((err as NodeJS.ErrnoException).code ?? (err as Error).message)}\n`);
      return setExit(2);
    }
  }
  const config = loadCommandConfig(io, opts.config);
  if (config === 'error') return setExit(2);
  const output: OutputOptions = { ...opts, stack: opts.stack ?? config?.stack };
  if (!checkOutputTarget(output, [path], io)) return setExit(2);
  const spinner = await startSpinner(io, `${source.id}: running the start-up DDL race`, outputFormat(output) !== 'text');
  let signalled: NodeJS.Signals | null = null;
  const stop = io.interrupts.listen(['SIGINT', 'SIGTERM'], (signal) => {
    signalled ??= signal;
    if (spinner) spinner.text = `${signal}: stopping and dropping the scratch schema`;
  });
  let db: DatabaseReport;
  try {
    const facts = await source.stress!(path, {
      ddlRace: Boolean(opts.ddlRace),
      statements,
      sessions: opts.writers,
      rounds: opts.rounds,
      compare: Boolean(opts.compare),
      confirmed: Boolean(opts.yes),
      signal: io.interrupts.signal,
    });
    const findings = runChecks(checksIn('stress'), facts, { app: {}, thresholds: mergeThresholds(config?.thresholds, opts.threshold), severity: config?.severity ?? {} });
    db = { path, facts, findings };
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'USAGE') {
      spinner?.stop();
      stop();
      io.stderr(`lockscope: ${escapeControl((err as Error).message)}\n`);
      return setExit(2);
    }
    db = { path, error: source.inputError(path, err) };
  } finally {
    spinner?.stop();
    stop();
  }
  const built = buildReport('stress', [db], opts.failOn);
  // Cut short: the partial results, marked, with the exit code the process ends with (130, 143).
  const report = signalled ? markInterrupted(built, signalled) : built;
  const written = emitReport(report, output, io);
  reportErrors(report, io);
  if (signalled) io.stderr(`lockscope: interrupted by ${signalled}; lockscope dropped its scratch schema\n`);
  setExit(signalled ? report.exitCode : written ? report.exitCode : 2);
}

async function confirmLive(path: string, flags: StressKnobFlags, io: Io): Promise<boolean> {
  const rl = createInterface({ input: io.stdinStream, output: io.stderrStream, terminal: true });
  try {
    io.stderr(
      `--live writes to ${escapeControl(path)} itself: lockscope creates a table of its own (lockscope_stress_<pid>_<hex>), runs ${flags.writers ?? 4} writer thread(s) on it while your app keeps running, then drops it. The app's tables are not touched; the file may keep the pages the table used (on its freelist, reused by later writes), and the app's writers will meet lockscope's in the lock.\n`,
    );
    const answer = await new Promise<string>((resolve) => {
      // Ctrl-C at the prompt is a "no" (readline would otherwise just pause).
      rl.once('SIGINT', () => {
        io.stderr('\n');
        resolve('');
      });
      rl.question('Continue? [y/N] ', resolve);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function registerStress(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('stress')
    .description('measure concurrent writers on worker threads: on a scratch copy of the set-up next to <db> (default) or --live')
    .argument('<db>', 'the database whose set-up (page size, journal mode, auto_vacuum) the stress copies');
  addAppSettingFlags(cmd);
  addOutputFlags(cmd);
  cmd
    .option('--writers <n>', 'writer threads (default 4)', positiveInt('--writers'))
    .option('--readers <n>', 'reader threads (default 0)', nonNegativeInt('--readers'))
    .option('--duration <time>', 'how long to run, e.g. 5s, 1500ms (default 5s; at most 24h)', positiveDuration('--duration', MAX_RUN_MS))
    .option('--transactions <n>', 'stop after this many write transactions in all, instead of --duration', positiveInt('--transactions'))
    .option('--pattern <pattern>', `what each write transaction does: ${PATTERNS.join('|')} (default insert)`, oneOf('--pattern', PATTERNS))
    .option('--batch <n>', 'rows written per transaction (default 1)', positiveInt('--batch'))
    .option('--hold <time>', 'keep each write transaction open this long before COMMIT (work done inside it)', durationMs('--hold', MAX_WAIT_MS))
    .option('--reader-hold <time>', 'keep each read transaction (its snapshot) open this long', durationMs('--reader-hold', MAX_WAIT_MS))
    .option('--think <time>', "pause between one write transaction and the writer's next, outside any transaction (default 0: back to back)", durationMs('--think', MAX_WAIT_MS))
    .option('--row-bytes <bytes>', 'payload bytes per row (default 100)', bytes('--row-bytes'))
    .option('--retry <n>', 'retry a transaction that got BUSY/LOCKED up to n times, with jittered backoff (default 0)', nonNegativeInt('--retry'))
    .option('--scratch-dir <dir>', "create the scratch database here instead of next to <db> (a finding says so when it is another filesystem)")
    .option('--live', "WRITES: run against <db> itself, in a table of lockscope's own (created and dropped)")
    .option('--yes', 'confirm --live without asking (required when stdin is not a terminal)')
    .option('--progress <interval>', 'a progress line on stderr this often, e.g. 2s (default: a live line on a terminal, a line every 5 s elsewhere; off: none)', progressFlag)
    .option('--app <dir>', "the app's folder: its busy timeout, transaction mode and synchronous from its code (lockscope scan) where not declared, for the current arm")
    .option('--compare', 'run the same workload again with the recommended settings (WAL, busy 5000 ms, BEGIN IMMEDIATE, synchronous NORMAL) and show both')
    .option('--ddl-race', 'PostgreSQL targets: --writers sessions run the same start-up DDL at once, in a scratch schema of lockscope\'s (--compare: also behind pg_advisory_xact_lock)')
    .option('--ddl-file <file>', 'PostgreSQL --ddl-race: the start-up DDL to race (unqualified names; default: CREATE TABLE/INDEX IF NOT EXISTS, COMMENT, GRANT)')
    .option('--rounds <n>', 'PostgreSQL --ddl-race: rounds (default 20)', positiveInt('--rounds'))
    .action(async (path: string, opts: StressFlagValues) => {
      const given = (key: string) => cmd.getOptionValueSource(key) === 'cli';
      const source = sourceFor(path);
      if (source?.stress) return sourceStress(source, path, opts, given, io, setExit);
      const refusedHere = SOURCE_STRESS_FLAGS.filter(given);
      if (refusedHere.length > 0) {
        io.stderr(`lockscope: ${refusedHere.map(flagName).join(', ')} ${refusedHere.length === 1 ? 'is' : 'are'} for PostgreSQL targets (postgres://…); ${escapeControl(path)} is a SQLite database\n`);
        return setExit(2);
      }
      const driverProblem = sqliteDriverProblem('stress');
      if (driverProblem) {
        io.stderr(`lockscope: ${driverProblem}\n`);
        return setExit(2);
      }
      const config = loadCommandConfig(io, opts.config);
      if (config === 'error') return setExit(2);
      // --app / app.discover: the current arm runs with the settings the app's code gives, where not declared.
      const discovered = await discoverForCommand(io, opts.app, config?.discover);
      if (discovered === 'error') return setExit(2);
      const declaredApp = mergeApp(config?.app, appSettingsFrom(opts));
      const app = discovered ? withDiscovered(declaredApp, discovered) : declaredApp;
      if (discovered) for (const line of conflictLines(declaredApp, discovered)) io.stderr(`lockscope: --app: ${escapeControl(line)}\n`);
      const flags = mergeKnobs(knobsFromConfig(config?.stress), knobFlags(opts));
      const info = chooseStack({ flag: opts.stack, config: config?.stack ? { stack: config.stack, file: config.file } : undefined }, [path], io.cwd);
      const output: OutputOptions = { ...opts, stack: fixFilter(info) };
      if (!checkOutputTarget(output, [path], io)) return setExit(2);
      if (opts.live && !opts.yes) {
        if (!io.stdinIsTTY || !io.stderrIsTTY) {
          io.stderr(`lockscope: --live writes to ${escapeControl(path)}; confirm with --yes when not running on a terminal\n`);
          setExit(2);
          return;
        }
        if (!(await confirmLive(path, flags, io))) {
          io.stderr(`lockscope: not confirmed: nothing was written (exit ${EXIT_NOT_CONFIRMED})\n`);
          setExit(EXIT_NOT_CONFIRMED);
          return;
        }
      }
      const json = outputFormat(output) !== 'text';
      const plan = progressPlan(opts.progress, io, json);
      const spinner = await startSpinner(io, 'starting the stress threads', json || opts.progress === 0);
      const progress = new ProgressOutput(io, plan, spinner);
      // tx/s per interval: the committed count at the previous report, per arm (--compare's second arm starts at 0).
      let before = { arm: '', committed: 0 };
      const notice = (message: string) => {
        spinner?.clear();
        io.stderr(`lockscope: ${escapeControl(message)}\n`);
        spinner?.render();
      };
      let db: DatabaseReport;
      let interrupted: string | null = null;
      let signalled: NodeJS.Signals | null = null;
      try {
        const outcome = await withInterruptSignals(
          io.interrupts,
          (control) =>
            runStress(path, {
              flags,
              app,
              // The workload runs as a declared stack's driver does; a detected stack only picks the fixes.
              stack: verdictStack(info) ?? null,
              scratchDir: opts.scratchDir,
              live: opts.live,
              compare: opts.compare,
              control,
              onNotice: notice,
              progressEveryMs: progress.everyMs ?? undefined,
              onProgress:
                progress.everyMs === null
                  ? undefined
                  : (arm, p) => {
                      if (before.arm !== arm) before = { arm, committed: 0 };
                      progress.show(stressProgressText(p, before.committed, opts.compare ? `${arm}: ` : ''));
                      before.committed = p.committed;
                    },
            }),
          (signal) => {
            signalled ??= signal;
            if (spinner) spinner.text = `${signal}: stopping the stress threads and removing the scratch database`;
          },
        );
        interrupted = outcome.stress.interrupted;
        db = checkStress(path, outcome, {
          app,
          thresholds: mergeThresholds(config?.thresholds, opts.threshold),
          severity: config?.severity ?? {},
        });
      } catch (err) {
        spinner?.stop();
        if (err instanceof KnobError) {
          io.stderr(`lockscope: ${err.message}\n`);
          setExit(2);
          return;
        }
        db = stressErrorReport(path, err);
      }
      spinner?.stop();
      interrupted ??= signalled;
      const built = withStack(buildReport('stress', [db], opts.failOn), info);
      // Cut short: the partial results, marked, with the exit code the process ends with (130, 143).
      const report = applyMaxWarnings(interrupted ? markInterrupted(built, interrupted) : built, opts);
      const written = emitStressReport(report, output, io);
      reportErrors(report, io, opts);
      if (interrupted) io.stderr(`lockscope: interrupted by ${interrupted}; the stress threads stopped and lockscope removed what it had created\n`);
      setExit(interrupted ? report.exitCode : written ? report.exitCode : 2);
    });
}
