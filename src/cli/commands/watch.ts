/**
 * `lockscope watch <db...>`: a monitor that runs until stopped — events as NDJSON (stdout or --events),
 * Prometheus metrics (--metrics, --textfile), a terminal view — and `watch --once`, a health check with the
 * Nagios plugin line and exit codes. Reads /proc and the files raw, like `locks`: no SQLite connection, no lock.
 * Wiring only: the loop is ../watch/run.ts, the health check ../watch/once.ts.
 */
import { MAX_RUN_MS } from '../../core/units.js';
import type { Command } from 'commander';
import type { Server } from 'node:http';
import type { Io } from '../io.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import { collectThreshold, durationMs, positiveInt } from '../options.js';
import { DEFAULT_HZ } from '../../sources/proc/sampler.js';
import { loadCommandConfig, mergeThresholds } from '../config.js';
import { resolveTargets } from '../targets.js';
import { type EventSink, fileSink, stdoutSink } from '../watch/event-log.js';
import { WatchMetrics, parseListen, serveMetrics } from '../watch/metrics.js';
import { NAGIOS, nagiosLine, runOnce } from '../watch/once.js';
import { runWatch } from '../watch/run.js';
import { terminalView } from '../watch/view.js';

export const DEFAULT_INTERVAL_MS = 1000;
/**
 * 5 samples a second between judgements: hold times to 200 ms, against thresholds of seconds. Each tick is a
 * wake-up, and on this machine the wake-ups, not the reads, were most of watch's CPU: 10 Hz cost 1.2 % of a core
 * with a steady app, 5 Hz 0.9 % (measured here, bench/watch.ts's steady set-up).
 */
export const DEFAULT_WATCH_HZ = 5;
const MAX_WATCH_HZ = 100;

interface WatchFlags {
  config?: string;
  threshold?: ThresholdOverrides;
  interval: number;
  hz?: number;
  events?: string;
  metrics?: string;
  textfile?: string;
  view: boolean;
  once?: boolean;
}

export function registerWatch(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('watch')
    .description('monitor lock holders, stalls and the WAL until stopped (events, Prometheus metrics); --once: a health check')
    .argument('[db...]', "database files or globs (default: the config's databases)")
    .option('--config <file>', 'lockscope.config.json to use (its thresholds and check severities apply)')
    .option('--threshold <check.name=value>', 'override a check threshold (repeatable), e.g. long-write-lock.warnMs=5s', collectThreshold)
    .option('--interval <duration>', `how often each database is judged, and --once's sampling window (default ${DEFAULT_INTERVAL_MS / 1000}s)`, durationMs('--interval', MAX_RUN_MS), DEFAULT_INTERVAL_MS)
    .option('--hz <n>', `lock-table samples per second for hold times (default ${DEFAULT_WATCH_HZ}; --once: ${DEFAULT_HZ}; at most ${MAX_WATCH_HZ})`, positiveInt('--hz'))
    .option('--events <file>', 'append the events (NDJSON) to this file instead of stdout; reopened when rotated')
    .option('--metrics <[host:]port>', 'serve Prometheus metrics on http://host:port/metrics (host defaults to 127.0.0.1)')
    .option('--textfile <path>', "write the metrics to this file each interval for node_exporter's textfile collector (atomic rename)")
    .option('--no-view', 'on a terminal, print the events instead of drawing the view')
    .option('--once', 'health check: sample once, print one Nagios plugin line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
    .action(async (args: string[], opts: WatchFlags) => {
      // --once samples one short window, as locks --for does, at locks' rate; the monitor wakes up less often.
      const hz = opts.hz ?? (opts.once ? DEFAULT_HZ : DEFAULT_WATCH_HZ);
      if (hz > MAX_WATCH_HZ) {
        io.stderr(`lockscope: --hz must be at most ${MAX_WATCH_HZ} (got ${hz})\n`);
        return setExit(2);
      }
      if (opts.interval < 100) {
        io.stderr('lockscope: --interval must be at least 100ms\n');
        return setExit(2);
      }
      if (opts.once && (opts.events !== undefined || opts.metrics !== undefined || opts.textfile !== undefined)) {
        io.stdout('LOCKSCOPE UNKNOWN - --once prints one status line; --events, --metrics and --textfile belong to the monitor\n');
        return setExit(NAGIOS.UNKNOWN);
      }
      const listen = opts.metrics !== undefined ? parseListen(opts.metrics) : null;
      if (opts.metrics !== undefined && !listen) {
        io.stderr(`lockscope: --metrics takes [host:]port, e.g. 127.0.0.1:9464 (got "${opts.metrics}")\n`);
        return setExit(2);
      }
      const config = loadCommandConfig(io, opts.config);
      if (config === 'error') {
        if (!opts.once) return setExit(2);
        io.stdout('LOCKSCOPE UNKNOWN - the config file could not be read (the reason is on stderr)\n');
        return setExit(NAGIOS.UNKNOWN);
      }
      const judge = { thresholds: mergeThresholds(config?.thresholds, opts.threshold), severity: config?.severity ?? {} };
      const targets = resolveTargets(args, config, io.cwd);
      const unmatched = targets.filter((t) => typeof t !== 'string');
      const paths = targets.filter((t): t is string => typeof t === 'string');

      if (opts.once) {
        if (paths.length === 0 || unmatched.length > 0) {
          const why = unmatched.map((u) => u.error?.message ?? u.path).join('; ') || 'no database given';
          io.stdout(`LOCKSCOPE UNKNOWN - ${why}\n`);
          return setExit(NAGIOS.UNKNOWN);
        }
        const abort = new AbortController();
        const stop = io.interrupts.listen(['SIGINT', 'SIGTERM'], () => abort.abort());
        try {
          const results = await runOnce(paths, opts.interval, hz, judge, abort.signal);
          const { line, exitCode } = nagiosLine(results, judge);
          io.stdout(`${line}\n`);
          return setExit(exitCode);
        } finally {
          stop();
        }
      }

      if (targets.length === 0) {
        io.stderr('lockscope: no database given: lockscope watch <db...>, or list them in lockscope.config.json\n');
        return setExit(2);
      }
      if (unmatched.length > 0) {
        for (const u of unmatched) io.stderr(`lockscope: ${u.error?.message ?? u.path}\n`);
        return setExit(2);
      }
      // On a terminal the view takes stdout; the events then go to --events only (or nowhere but the view's list).
      const useView = io.stdoutIsTTY && opts.view && process.stdout.isTTY === true;
      let sink: EventSink;
      try {
        sink = opts.events !== undefined ? fileSink(opts.events) : useView ? { write() {}, maintain() {}, close() {} } : stdoutSink(io.stdout);
      } catch (err) {
        io.stderr(`lockscope: cannot open --events ${opts.events}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
        return setExit(2);
      }
      const metrics = listen || opts.textfile ? new WatchMetrics(paths) : null;
      let server: Server | null = null;
      if (listen && metrics) {
        try {
          const served = await serveMetrics(metrics, listen.host, listen.port);
          server = served.server;
          io.stderr(`lockscope: serving metrics on http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${served.port}/metrics\n`);
        } catch (err) {
          sink.close();
          io.stderr(`lockscope: ${(err as Error).message}\n`);
          return setExit(2);
        }
      }
      const view = useView ? terminalView(process.stdout) : null;
      const abort = new AbortController();
      // SIGINT (Ctrl-C) and SIGTERM (docker stop, systemctl stop) end the loop; events are written as they happen.
      const stop = io.interrupts.listen(['SIGINT', 'SIGTERM'], () => abort.abort());
      // SIGHUP (a logrotate postrotate habit) reopens the events file at once instead of ending watch.
      const reopen = () => sink.maintain();
      process.on('SIGHUP', reopen);
      try {
        await runWatch({
          targets: paths,
          intervalMs: opts.interval,
          hz,
          judge,
          sink,
          metrics,
          textfile: opts.textfile ?? null,
          view: view ? view.draw : null,
          signal: abort.signal,
          warn: (line) => io.stderr(`${line}\n`),
          onStart: () => {
            if (!view) io.stderr(`lockscope: watching ${paths.join(', ')} every ${opts.interval / 1000} s (SIGINT or SIGTERM stops)\n`);
          },
        });
      } finally {
        stop();
        process.off('SIGHUP', reopen);
        view?.close();
        sink.close();
        if (server) {
          // Prometheus keeps its connection alive: close it, or close() waits for it.
          server.closeAllConnections();
          await new Promise<void>((resolve) => server!.close(() => resolve()));
        }
      }
      setExit(0);
    });
}
