/**
 * `lockscope trace <db> [--pid <pid>…] [--for <duration>] [-- <command…>]`: attaches strace to the processes
 * that have the database open (or the given pids), or starts the command under it, decodes their lock calls on
 * the database and its -shm for the window, detaches, and reports per process: the measured busy timeout, how
 * refused writes show transactions begin, BUSY events, write holds, lock waits. Wiring only: the steps are in
 * ../trace-run.ts, the tracing in src/sources/trace/.
 */
import { MAX_RUN_MS } from '../../core/units.js';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { escapeControl } from '../../core/escape.js';
import type { DatabaseReport } from '../../core/model.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import { isFactsOf } from '../../core/model.js';
import { DEFAULT_TRACE_MS } from '../../sources/trace/trace.js';
import { TraceSetupError } from '../../sources/trace/strace.js';
import { traceTextSection } from '../../output/trace-text.js';
import { colorLevel, makeStyle } from '../../output/style.js';
import { loadCommandConfig, mergeThresholds } from '../config.js';
import { addOutputFlags } from '../flags.js';
import { positiveDuration, positiveInt } from '../options.js';
import { type OutputOptions, checkOutputTarget, emitReport, outputFormat } from '../report-output.js';
import { traceReport, traceWithSignals } from '../trace-run.js';

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

type TraceFlags = OutputOptions & { config?: string; threshold?: ThresholdOverrides; pid?: number[]; for?: number };

/** --pid, repeatable. */
function collectPid(value: string, previous: number[] = []): number[] {
  return [...previous, positiveInt('--pid')(value)];
}

export function registerTrace(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('trace')
    .description("watch a running app's own lock calls with strace: its measured busy timeout, how its transactions begin, every BUSY (observes only; tracing slows the app while it runs)")
    .argument('<db>', 'the database file')
    // The command after -- is read from the operands (not declared as an argument, so `lockscope --help` keeps its width).
    .allowExcessArguments()
    .addHelpText('after', '\nTo start the app under the tracer instead of attaching: lockscope trace <db> [options] -- <command…>')
    .option('--pid <pid>', 'attach to this process (repeatable; default: every process that has the database open)', collectPid)
    .option('--for <duration>', `how long to trace (default ${DEFAULT_TRACE_MS / 1000}s; with --, until the command ends or this long)`, positiveDuration('--for', MAX_RUN_MS));
  addOutputFlags(cmd);
  cmd.action(async (db: string, opts: TraceFlags, self: Command) => {
    const command = self.args.slice(1);
    const launch = command.length > 0;
    // Commander keeps the arguments as given (untyped): a command is taken only after --, never from a stray word.
    const raw = (program as unknown as { rawArgs?: string[] }).rawArgs ?? [];
    if (launch && !raw.includes('--')) {
      io.stderr(`lockscope: unexpected argument ${escapeControl(command[0]!)}: to start a command under the tracer put it after --: lockscope trace ${escapeControl(db)} -- <command…>\n`);
      return setExit(2);
    }
    if (launch && opts.pid?.length) {
      io.stderr('lockscope: --pid and a command after -- exclude each other: attach to running processes, or start one\n');
      return setExit(2);
    }
    const config = loadCommandConfig(io, opts.config);
    if (config === 'error') return setExit(2);
    if (!checkOutputTarget(opts, [db], io)) return setExit(2);
    const windowMs = opts.for ?? DEFAULT_TRACE_MS;
    if (outputFormat(opts) === 'text' && !opts.output && io.stderrIsTTY) {
      io.stderr(`lockscope: tracing ${escapeControl(db)} for ${windowMs / 1000} s (Ctrl-C ends early; strace detaches either way)\n`);
    }
    let traced;
    try {
      traced = await traceWithSignals(io, { path: db, cwd: io.cwd, pids: opts.pid, command: launch ? command : undefined, windowMs });
    } catch (err) {
      if (err instanceof TraceSetupError) {
        io.stderr(`lockscope: ${escapeControl(err.message)}\n`);
        return setExit(2);
      }
      throw err;
    }
    // A declared stack (flag or config) words the fixes and its defaults may stand in; `all` shows every stack's fixes.
    const flagStack = opts.stack === 'all' || opts.stack === 'generic' ? undefined : opts.stack;
    const stack = flagStack ?? config?.stack;
    const report = traceReport(db, traced.facts, { thresholds: mergeThresholds(config?.thresholds, opts.threshold), severity: config?.severity ?? {}, ...(stack ? { stack } : {}) }, opts.failOn);
    const style = makeStyle(colorLevel(io.env, io.stdoutIsTTY && !opts.output));
    const extra = (d: DatabaseReport) => (d.facts && isFactsOf(d.facts, 'trace') ? traceTextSection(d.facts, style) : []);
    const written = emitReport(report, { ...opts, ...(opts.stack === 'all' ? { stack: 'all' as const } : stack ? { stack } : {}) }, io, extra);
    if (traced.facts.window.endedBy === 'error') io.stderr('lockscope: strace stopped before the end of the window; the report covers what it traced\n');
    if (traced.interrupted) {
      io.stderr(`lockscope: interrupted by ${traced.interrupted}: strace detached; the report covers ${(traced.facts.window.tracedMs / 1000).toFixed(1)} s\n`);
      return setExit(SIGNAL_EXIT[traced.interrupted] ?? 130);
    }
    setExit(written ? report.exitCode : 2);
  });
}
