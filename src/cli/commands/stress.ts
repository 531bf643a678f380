/**
 * `lockscope stress <db>`: concurrent writers (and readers) on worker threads, on a scratch database
 * next to the target (or, with --live, in a table of lockscope's own inside it), measured and checked.
 */
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError } from 'commander';
import type { Io } from '../io.js';
import { escapeControl } from '../../core/escape.js';
import { loadCommandConfig, mergeApp, mergeThresholds } from '../config.js';
import { conflictLines, discoverForCommand, withDiscovered } from '../app-discover.js';
import type { DatabaseReport } from '../../core/model.js';
import { appSettingsFrom, bytes, durationMs, nonNegativeInt, oneOf, positiveInt } from '../options.js';
import { buildReport } from '../../core/report.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import type { Progress } from '../../sources/stress/harness.js';
import { PATTERNS, type StressKnobFlags } from '../../sources/stress/knobs.js';
import { KnobError, runStress } from '../../sources/stress/run.js';
import { signalExitCode, withInterruptSignals } from '../../sources/stress/signals.js';
import { addAppSettingFlags, addOutputFlags } from '../flags.js';
import { type OutputOptions, checkOutputTarget, emitStressReport, outputFormat, reportErrors } from '../report-output.js';
import { startSpinner } from '../spinner.js';
import { type StressKnobFlagValues, knobFlags, knobsFromConfig, mergeKnobs } from '../stress-knobs.js';
import { checkStress, stressErrorReport } from '../stress-run.js';

interface StressFlagValues extends StressKnobFlagValues, OutputOptions {
  config?: string;
  app?: string;
  threshold?: ThresholdOverrides;
  scratchDir?: string;
  live?: boolean;
  yes?: boolean;
  compare?: boolean;
}

function positiveDuration(name: string) {
  const parse = durationMs(name);
  return (value: string): number => {
    const ms = parse(value);
    if (ms <= 0) throw new InvalidArgumentError(`${name} must be longer than 0 (got "${value}")`);
    return ms;
  };
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

function progressText(arm: string, p: Progress, compare: boolean): string {
  return `${compare ? `${arm}: ` : ''}${(p.elapsedMs / 1000).toFixed(0)} s · ${Math.round(p.transactionsPerSecond).toLocaleString('en-US')} tx/s · ${p.committed.toLocaleString('en-US')} committed · ${p.errors.toLocaleString('en-US')} errors`;
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
    .option('--duration <time>', 'how long to run, e.g. 5s, 1500ms (default 5s)', positiveDuration('--duration'))
    .option('--transactions <n>', 'stop after this many write transactions in all, instead of --duration', positiveInt('--transactions'))
    .option('--pattern <pattern>', `what each write transaction does: ${PATTERNS.join('|')} (default insert)`, oneOf('--pattern', PATTERNS))
    .option('--batch <n>', 'rows written per transaction (default 1)', positiveInt('--batch'))
    .option('--hold <time>', 'keep each write transaction open this long before COMMIT (work done inside it)', durationMs('--hold'))
    .option('--reader-hold <time>', 'keep each read transaction (its snapshot) open this long', durationMs('--reader-hold'))
    .option('--think <time>', "pause between one write transaction and the writer's next, outside any transaction (default 0: back to back)", durationMs('--think'))
    .option('--row-bytes <bytes>', 'payload bytes per row (default 100)', bytes('--row-bytes'))
    .option('--retry <n>', 'retry a transaction that got BUSY/LOCKED up to n times, with jittered backoff (default 0)', nonNegativeInt('--retry'))
    .option('--scratch-dir <dir>', "create the scratch database here instead of next to <db> (a finding says so when it is another filesystem)")
    .option('--live', "WRITES: run against <db> itself, in a table of lockscope's own (created and dropped)")
    .option('--yes', 'confirm --live without asking (required when stdin is not a terminal)')
    .option('--app <dir>', "the app's folder: its busy timeout, transaction mode and synchronous from its code (lockscope scan) where not declared, for the current arm")
    .option('--compare', 'run the same workload again with the recommended settings (WAL, busy 5000 ms, BEGIN IMMEDIATE, synchronous NORMAL) and show both')
    .action(async (path: string, opts: StressFlagValues) => {
      const config = loadCommandConfig(io, opts.config);
      if (config === 'error') return setExit(2);
      // --app / app.discover: the current arm runs with the settings the app's code gives, where not declared.
      const discovered = await discoverForCommand(io, opts.app, config?.discover);
      if (discovered === 'error') return setExit(2);
      const declaredApp = mergeApp(config?.app, appSettingsFrom(opts));
      const app = discovered ? withDiscovered(declaredApp, discovered) : declaredApp;
      if (discovered) for (const line of conflictLines(declaredApp, discovered)) io.stderr(`lockscope: --app: ${escapeControl(line)}\n`);
      const flags = mergeKnobs(knobsFromConfig(config?.stress), knobFlags(opts));
      const output: OutputOptions = { ...opts, stack: opts.stack ?? config?.stack };
      if (!checkOutputTarget(output, [path], io)) return setExit(2);
      if (opts.live && !opts.yes) {
        if (!io.stdinIsTTY || !io.stderrIsTTY) {
          io.stderr(`lockscope: --live writes to ${escapeControl(path)}; confirm with --yes when not running on a terminal\n`);
          setExit(2);
          return;
        }
        if (!(await confirmLive(path, flags, io))) {
          io.stderr('lockscope: not confirmed: nothing was written\n');
          setExit(2);
          return;
        }
      }
      const json = outputFormat(output) !== 'text';
      const spinner = await startSpinner(io, 'starting the stress threads', json);
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
              stack: output.stack ?? null,
              scratchDir: opts.scratchDir,
              live: opts.live,
              compare: opts.compare,
              control,
              onNotice: notice,
              onProgress: spinner ? (arm, p) => spinner && (spinner.text = progressText(arm, p, Boolean(opts.compare))) : undefined,
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
      const report = buildReport('stress', [db], opts.failOn);
      const written = emitStressReport(report, output, io);
      reportErrors(report, io);
      interrupted ??= signalled;
      if (interrupted) io.stderr(`lockscope: interrupted by ${interrupted}; the stress threads stopped and lockscope removed what it had created\n`);
      setExit(interrupted ? signalExitCode(interrupted) : written ? report.exitCode : 2);
    });
}
