/** `lockscope audit <db...>`: gather facts per database, run the checks, render, compute the exit code. */
import { type Command, Option } from 'commander';
import type { Ora } from 'ora';
import { REGISTRY, checksIn } from '../../../checks/index.js';
import type { Io } from '../io.js';
import { CHECKPOINT_MODES, type CheckpointMode, DEFAULT_CHECKPOINT_TIMEOUT_MS, runCheckpoint } from '../../sources/sqlite/checkpoint.js';
import { gatherAuditFacts, pathInputError } from '../../sources/sqlite/gather.js';
import { type AppSettings, type AuditFacts, type GatherError, isGatherError } from '../../core/facts.js';
import type { StressFacts } from '../../core/stress-facts.js';
import { escapeControl } from '../../core/escape.js';
import { appendFileSync, existsSync } from 'node:fs';
import { OutputRefused, outputRefusal, ownStreamFd, writeReportFile } from '../output-file.js';
import { type FactsCommand, type FactsFile, FactsFileError, type SavedSettings, factsFileText, readFactsFile, savedStack } from '../facts-file.js';
import { resolve as resolvePath } from 'node:path';
import { loadCatalogue } from '../../core/catalogue.js';
import { FORMATS, type Format, type RenderOptions, formatGithubSummary, isFormat, renderReport } from '../../output/index.js';
import { colorLevel, makeStyle } from '../../output/style.js';
import type { CheckedDatabase, DatabaseReport, FailedDatabase, Report, Stack } from '../../core/model.js';
import {
  type AppFlagValues,
  FAIL_ON,
  JOURNAL_MODES,
  STACK_CHOICES,
  SYNC_MODES,
  TX_MODES,
  appSettingsFrom,
  bytes,
  collectThreshold,
  durationMs,
  nonNegativeInt,
  oneOf,
  positiveInt,
} from '../options.js';
import { buildReport } from '../../core/report.js';
import { type RunOptions, type SeverityOverrides, type ThresholdOverrides, runChecks } from '../../core/runner.js';
import { ConfigError, type LoadedConfig, loadConfig, mergeApp, mergeThresholds } from '../config.js';
import { dedupeByFile, expandDatabases } from '../../sources/sqlite/targets.js';
import type { FailOn } from '../../core/exit-code.js';

export interface AuditOptions {
  app: AppSettings;
  thresholds?: ThresholdOverrides;
  severity?: SeverityOverrides;
  checkpoint?: { mode: CheckpointMode; timeoutMs: number };
  /** The app's stack (--stack / config `stack`): fixes are filtered by it, and its defaults change verdicts. */
  stack?: Stack;
}

export interface AuditStress {
  /** Runs the short stress for one database's facts (lockscope stress's runStressForAudit). */
  run: (facts: AuditFacts) => Promise<StressFacts | GatherError>;
  /** The signal that interrupted the run (SIGINT, SIGTERM, SIGHUP), or null while none has. */
  interrupted?: () => string | null;
}

/**
 * A stress cut short by a signal measured a fraction of its workload: its numbers are not judged as a
 * measurement. The stress checks are skipped with this reason and the JSON carries it as the stress error.
 */
function interruptedStress(signal: string): GatherError {
  return { error: { code: 'INTERRUPTED', message: `interrupted by ${signal}: the stress was cut short, so lockscope does not judge its numbers (run it again to the end)` } };
}

/** One path's gathered facts, or why there are none (bad input is the database's `error`, never an exception). */
export type AuditGathered = { ok: true; facts: AuditFacts } | { ok: false; failed: FailedDatabase };

/** Gathers one path's facts (and runs --checkpoint). */
export function gatherForAudit(path: string, options: AuditOptions): AuditGathered {
  try {
    const facts = gatherAuditFacts(path);
    if (!options.checkpoint) return { ok: true, facts };
    const checkpoint = runCheckpoint(facts, options.checkpoint.mode, options.checkpoint.timeoutMs);
    // The rest of the report describes the database as the checkpoint left it.
    return { ok: true, facts: { ...gatherAuditFacts(path), checkpoint } };
  } catch (err) {
    return { ok: false, failed: { path, error: pathInputError(path, err) } };
  }
}

/** Audit runs every category; the sampling, checkpoint and stress checks apply only when their facts were gathered. */
const AUDIT_CHECKS = checksIn('audit', 'locks', 'checkpoint', 'stress');

export function checkFacts(path: string, facts: AuditFacts, options: AuditOptions): CheckedDatabase {
  const run: RunOptions = { app: options.app, thresholds: options.thresholds, severity: options.severity };
  if (options.stack) run.stack = options.stack;
  return { path, facts, findings: runChecks(AUDIT_CHECKS, facts, run) };
}

/** Audits one path: facts, then checks. */
export function auditDatabase(path: string, options: AuditOptions): DatabaseReport {
  const gathered = gatherForAudit(path, options);
  return gathered.ok ? checkFacts(path, gathered.facts, options) : gathered.failed;
}

/** Audits each target in order; a target that is already a report (a glob that matched nothing) is kept as is. */
export function runAudit(targets: readonly (string | DatabaseReport)[], options: AuditOptions, failOn: FailOn): Report {
  return buildReport('audit', targets.map((t) => (typeof t === 'string' ? auditDatabase(t, options) : t)), failOn);
}

/** The same, with a short stress run per database between gathering and checking (`audit --stress`). */
export async function runAuditWithStress(targets: readonly (string | DatabaseReport)[], options: AuditOptions, stress: AuditStress, failOn: FailOn): Promise<Report> {
  const databases: DatabaseReport[] = [];
  for (const target of targets) {
    if (typeof target !== 'string') {
      databases.push(target);
      continue;
    }
    const before = stress.interrupted?.();
    if (before) {
      databases.push({ path: target, error: { code: 'INTERRUPTED', message: `${target}: not audited: interrupted by ${before}` } });
      continue;
    }
    const gathered = gatherForAudit(target, options);
    if (!gathered.ok) {
      databases.push(gathered.failed);
      continue;
    }
    const measured = await stress.run(gathered.facts);
    const signal = stress.interrupted?.();
    const withStress: AuditFacts = { ...gathered.facts, stress: signal ? interruptedStress(signal) : measured };
    databases.push(checkFacts(target, withStress, options));
  }
  return buildReport('audit', databases, failOn);
}

/** The command line's paths/globs, or else the config's `databases` (relative to the config file). */
export function resolveTargets(args: readonly string[], config: LoadedConfig | null, cwd: string): (string | DatabaseReport)[] {
  const targets: (string | DatabaseReport)[] = [];
  const fromConfig = args.length === 0 && config !== null;
  const entries = fromConfig ? config.databases : args;
  for (const entry of entries) {
    const list = fromConfig ? expandDatabases([entry], config.dir, 'relative-to-cwd', cwd) : expandDatabases([entry], cwd, 'as-given', cwd);
    targets.push(...list.paths, ...list.unmatched);
  }
  // The same file named twice (or through a link) is audited once, under the first spelling.
  return dedupeByFile(targets, cwd);
}

/** Loads the config for a command; a broken config is a usage error (exit 2) naming the file and key. */
export function loadCommandConfig(io: Io, explicit?: string): LoadedConfig | null | 'error' {
  try {
    return loadConfig(io.cwd, explicit);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message.split('\n').map((l) => `lockscope: ${l}`).join('\n')}\n`);
      return 'error';
    }
    throw err;
  }
}

/** Adds the flags that declare the app's connection settings (shared with `stress`). */
export function addAppSettingFlags(cmd: Command): Command {
  return cmd
    .option('--busy-timeout <ms>', "the app's busy_timeout in ms (per connection: lockscope cannot read it)", nonNegativeInt('--busy-timeout'))
    .option('--tx <mode>', "how the app's transactions begin: deferred (a plain BEGIN, before the first read)|immediate|exclusive", oneOf('--tx', TX_MODES))
    .option('--synchronous <mode>', "the app's PRAGMA synchronous: off|normal|full|extra", oneOf('--synchronous', SYNC_MODES))
    .option('--journal-mode <mode>', "the app's PRAGMA journal_mode: delete|truncate|persist|memory|wal|off", oneOf('--journal-mode', JOURNAL_MODES))
    .option('--wal-autocheckpoint <pages>', "the app's PRAGMA wal_autocheckpoint (0 = never)", nonNegativeInt('--wal-autocheckpoint'))
    .option('--journal-size-limit <bytes>', "the app's PRAGMA journal_size_limit in bytes (units accepted: 64MiB; -1 = no limit)", (v: string) =>
      v.trim() === '-1' ? -1 : bytes('--journal-size-limit')(v),
    );
}

/** Adds output flags shared by every reporting command. */
export function addOutputFlags(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'lockscope.config.json to use (default: found from the current directory upwards)')
    .option('--json', 'print one JSON document (schemaVersion 1) on stdout (= --format json)')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--junit-warn-as <how>', 'junit: a warning is a failure or a property').choices(['failure', 'property']).default('failure'))
    .option('--fail-on <level>', 'exit 1 when a finding is at or above: fail|warn|never', oneOf('--fail-on', FAIL_ON), 'fail')
    .option('--verbose', 'show details and evidence for passing checks too')
    .option(
      '--stack <stack>',
      `the app's stack: fixes are shown for it only; its verified defaults (busy timeout, synchronous, when transactions begin) stand in for undeclared settings in audit's verdicts and in stress's workload: ${STACK_CHOICES.join('|')}`,
      oneOf('--stack', STACK_CHOICES),
    )
    .option('--threshold <check.name=value>', 'override a check threshold (repeatable), e.g. wal-size.warnBytes=128MiB', collectThreshold);
}

export interface OutputOptions {
  json?: boolean;
  format?: string;
  output?: string;
  junitWarnAs?: 'failure' | 'property';
  failOn: FailOn;
  verbose?: boolean;
  stack?: Stack;
}

export function outputFormat(opts: OutputOptions): Format {
  if (opts.json) return 'json';
  return opts.format && isFormat(opts.format) ? opts.format : 'text';
}

/** Renders the report in the chosen format (pure apart from reading the check docs for SARIF rules). */
export function render(report: Report, opts: OutputOptions, io: Io, extraSections?: (db: DatabaseReport) => string[]): string {
  const format = outputFormat(opts);
  // Colour only for the terminal: never in a file written with --output.
  const style = makeStyle(format === 'text' && !opts.output ? colorLevel(io.env, io.stdoutIsTTY) : 0);
  const renderOpts: RenderOptions = { style, verbose: opts.verbose, warnAs: opts.junitWarnAs ?? 'failure' };
  if (opts.stack) renderOpts.stack = opts.stack;
  if (extraSections) renderOpts.extraSections = extraSections;
  if (format === 'sarif') renderOpts.catalogue = loadCatalogue(REGISTRY);
  return renderReport(report, format, renderOpts);
}

/**
 * False (after one line on stderr) when --output names a file the report must not replace: one of
 * `databases`, their -wal/-shm/-journal, a file holding SQLite data, a FIFO (src/cli/output-file.ts).
 * Commands call it before their work, so a refused run reads and writes nothing.
 */
export function checkOutputTarget(opts: Pick<OutputOptions, 'output'>, databases: readonly string[], io: Io, label = '--output'): boolean {
  if (!opts.output) return true;
  const reason = outputRefusal(opts.output, databases, io.cwd);
  if (reason === null) return true;
  io.stderr(`lockscope: refusing ${label} ${escapeControl(opts.output)}: ${escapeControl(reason)}; nothing was written\n`);
  return false;
}

/**
 * Writes rendered output to stdout, or to --output <file> unless it is one of `databases` or their side files
 * or holds SQLite data. False (after one line on stderr) when the file cannot or must not be written.
 */
export function writeOutput(text: string, opts: OutputOptions, io: Io, databases: readonly string[] = []): boolean {
  if (!opts.output) {
    io.stdout(text);
    return true;
  }
  try {
    // --output /dev/stdout or /dev/stderr on a pipe, socket or terminal: the stream lockscope already has.
    const fd = ownStreamFd(opts.output, io.cwd);
    if (fd === 1 || fd === 2) {
      (fd === 1 ? io.stdout : io.stderr)(text);
      return true;
    }
    writeReportFile(opts.output, text, databases, io.cwd);
    io.stderr(`lockscope: wrote the ${outputFormat(opts)} report to ${escapeControl(opts.output)}\n`);
    return true;
  } catch (err) {
    if (err instanceof OutputRefused) {
      io.stderr(`lockscope: refusing --output ${escapeControl(opts.output)}: ${escapeControl(err.message)}; nothing was written\n`);
      return false;
    }
    const e = err as NodeJS.ErrnoException;
    io.stderr(`lockscope: cannot write ${e.path ?? opts.output}: ${e.code ?? e.message}\n`);
    return false;
  }
}

/**
 * Writes the report where it was asked for: stdout, or --output <file>; with --format github and
 * $GITHUB_STEP_SUMMARY set, also appends the markdown summary there. Returns false when a file could not
 * be written (the caller exits 2).
 */
export function emitReport(report: Report, opts: OutputOptions, io: Io, extraSections?: (db: DatabaseReport) => string[]): boolean {
  const databases = report.databases.map((db) => db.path);
  if (!writeOutput(render(report, opts, io, extraSections), opts, io, databases)) return false;
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (outputFormat(opts) !== 'github' || !summaryFile) return true;
  // The summary is appended, not replaced, but appended bytes would still corrupt a database or WAL.
  if (!checkOutputTarget({ output: summaryFile }, databases, io, '$GITHUB_STEP_SUMMARY')) return false;
  try {
    appendFileSync(summaryFile, formatGithubSummary(report, opts.stack ? { stack: opts.stack } : {}));
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`lockscope: cannot write ${e.path ?? summaryFile}: ${e.code ?? e.message}\n`);
    return false;
  }
}

/** Adds --save-facts and --from-facts (audit, locks): replayable facts, src/cli/facts-file.ts. */
export function addFactsFlags(cmd: Command): Command {
  return cmd
    .option('--save-facts <file>', 'also write the gathered facts and the settings in force to <file> as JSON, to replay with --from-facts')
    .option('--from-facts <file>', 'check and report the facts saved with --save-facts instead of reading any database (flags override the saved settings)');
}

export interface FactsFlags {
  saveFacts?: string;
  fromFacts?: string;
}

/**
 * False (after one line on stderr) when --from-facts is combined with something it cannot honour: database
 * arguments, a config file, or a flag that gathers or writes (`conflicts`, by flag name).
 */
export function checkReplayFlags(opts: FactsFlags & { config?: string }, args: readonly string[], conflicts: readonly string[], io: Io): boolean {
  if (!opts.fromFacts) return true;
  const problem =
    args.length > 0
      ? `names the databases itself: give no database (got ${escapeControl(args[0]!)})`
      : opts.config !== undefined
        ? 'carries the settings that were in force: --config is not read (give a flag to override one setting)'
        : opts.saveFacts !== undefined
          ? 'cannot be combined with --save-facts (copy the file instead)'
          : conflicts.length > 0
            ? `reads no database: ${conflicts[0]} cannot be combined with it`
            : null;
  if (problem === null) return true;
  io.stderr(`lockscope: --from-facts ${problem}\n`);
  return false;
}

/** False (after one line on stderr) when --save-facts may not be written: the rules of --output, and not the --output file itself. */
export function checkSaveFactsTarget(opts: FactsFlags & Pick<OutputOptions, 'output'>, databases: readonly string[], io: Io): boolean {
  if (!opts.saveFacts) return true;
  if (opts.output !== undefined && resolvePath(io.cwd, opts.output) === resolvePath(io.cwd, opts.saveFacts)) {
    io.stderr(`lockscope: refusing --save-facts ${escapeControl(opts.saveFacts)}: it is also the --output file; nothing was written
`);
    return false;
  }
  return checkOutputTarget({ output: opts.saveFacts }, databases, io, '--save-facts');
}

/** Writes the facts file for `report` (never onto a database, its side files or SQLite content). False when it could not be written. */
export function saveFactsFile(file: string, command: FactsCommand, report: Report, settings: SavedSettings, io: Io): boolean {
  const databases = report.databases.map((db) => db.path);
  try {
    writeReportFile(file, factsFileText(command, report.databases, settings), databases, io.cwd);
    const n = report.databases.length;
    io.stderr(`lockscope: saved the facts of ${n} database${n === 1 ? '' : 's'} to ${escapeControl(file)} (replay: lockscope ${command} --from-facts ${escapeControl(file)})\n`);
    return true;
  } catch (err) {
    if (err instanceof OutputRefused) {
      io.stderr(`lockscope: refusing --save-facts ${escapeControl(file)}: ${escapeControl(err.message)}; nothing was written\n`);
      return false;
    }
    const e = err as NodeJS.ErrnoException;
    io.stderr(`lockscope: cannot write ${escapeControl(e.path ?? file)}: ${e.code ?? e.message}\n`);
    return false;
  }
}

/** Reads --from-facts; null after one line on stderr when the file is missing, unreadable or not a facts file of `command`. */
export function loadFactsFile(file: string, command: FactsCommand, io: Io): FactsFile | null {
  try {
    return readFactsFile(file, io.cwd, command);
  } catch (err) {
    if (!(err instanceof FactsFileError)) throw err;
    io.stderr(`lockscope: ${err.message}\n`);
    return null;
  }
}

/**
 * Runs a replay's checks and rendering: facts whose shape the renderers cannot read (a hand-edited or
 * truncated file) end in one line naming the file and exit 2, not in a bare TypeError. Nothing has been
 * written when it throws: the report is rendered before it is written.
 */
export function replayStep<T>(file: string, io: Io, step: () => T): T | null {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof TypeError || err instanceof RangeError)) throw err;
    io.stderr(`lockscope: --from-facts ${escapeControl(file)}: the facts are not in the shape this lockscope reads (${escapeControl(err.message)})\n`);
    return null;
  }
}

/** The settings a saved database is replayed with: the saved ones, each replaced by the flag of the same setting when given. */
export function replaySettings(saved: SavedSettings, flags: { app: AppSettings; stack?: Stack; threshold?: ThresholdOverrides }): SavedSettings {
  return {
    app: mergeApp(saved.app, flags.app),
    stack: flags.stack ?? saved.stack,
    thresholds: mergeThresholds(saved.thresholds, flags.threshold),
    severity: saved.severity,
  };
}

/** `audit --from-facts`: the saved databases checked again, without opening any of their files. */
export function replayAudit(file: FactsFile, flags: { app: AppSettings; stack?: Stack; threshold?: ThresholdOverrides }, failOn: FailOn): Report {
  const databases = file.databases.map((d): DatabaseReport => {
    if (d.error) return { path: d.path, error: d.error };
    const settings = replaySettings(d.settings, flags);
    const options: AuditOptions = { app: settings.app, thresholds: settings.thresholds, severity: settings.severity };
    if (settings.stack) options.stack = settings.stack;
    return checkFacts(d.path, d.facts, options);
  });
  return buildReport('audit', databases, failOn);
}

/** One line per database that could not be audited, on stderr (stdout stays a clean report). */
export function reportErrors(report: Report, io: Io): void {
  for (const db of report.databases) if (db.error) io.stderr(`lockscope: ${escapeControl(db.error.message)}\n`);
}

/** An ora spinner on stderr, only on a TTY (ora is loaded only then: it costs start-up time). */
export async function startSpinner(io: Io, text: string, quiet = false): Promise<Ora | null> {
  if (!io.stderrCanAnimate || quiet) return null;
  const { default: ora } = await import('ora');
  return ora({ text, stream: io.stderrStream }).start();
}

/** The text section `audit --stress` adds under each database: what its short stress measured. */
async function stressSections(io: Io, opts: OutputOptions): Promise<(db: DatabaseReport) => string[]> {
  const { stressTextSection } = await import('../../output/stress-text.js');
  const style = makeStyle(colorLevel(io.env, io.stdoutIsTTY && !opts.output));
  return (db: DatabaseReport) => {
    const s = db.facts?.stress;
    if (!s) return [];
    const head = ['', style.bold('stress (scratch database, short run)')];
    return isGatherError(s) ? [...head, `  ${style.yellow(escapeControl(s.error.message))}`] : [...head, ...stressTextSection(s, null, style)];
  };
}

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
    .option('--writers <n>', "how many of the app's connections write concurrently (config app.writers): 1 rules out the deferred upgrade trap", positiveInt('--writers'))
    .action(async (args: string[], opts: AppFlagValues & OutputOptions & FactsFlags & { config?: string; threshold?: ThresholdOverrides; checkpoint?: string; checkpointTimeout: number; stress?: boolean }) => {
      const declared = appSettingsFrom(opts);
      if (opts.writers !== undefined) declared.writers = opts.writers;
      if (opts.fromFacts !== undefined) {
        const conflicts = [
          ...(opts.checkpoint !== undefined ? ['--checkpoint'] : []),
          ...(cmd.getOptionValueSource('checkpointTimeout') === 'cli' ? ['--checkpoint-timeout'] : []),
          ...(opts.stress ? ['--stress'] : []),
        ];
        if (!checkReplayFlags(opts, args, conflicts, io)) return setExit(2);
        const file = loadFactsFile(opts.fromFacts, 'audit', io);
        if (file === null) return setExit(2);
        if (!checkOutputTarget(opts, file.databases.map((d) => d.path), io)) return setExit(2);
        // Fixes are shown for the stack of the flag, or else the one saved with the facts.
        const stack = opts.stack ?? savedStack(file);
        const extra = file.databases.some((d) => !d.error && d.facts.stress) ? await stressSections(io, opts) : undefined;
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
      const spinner = await startSpinner(io, `auditing ${targets.length} database(s)`, Boolean(opts.json || opts.format === 'json'));
      const options: AuditOptions = {
        app: mergeApp(config?.app, declared),
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
        const { knobsFromConfig } = await import('./stress.js');
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
      const extra = opts.stress ? await stressSections(io, opts) : undefined;
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
