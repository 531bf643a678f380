/**
 * Progress of the long commands (`stress`, `locks --for`) on stderr, like `pgbench -P`: stdout stays the
 * report alone, whatever the format.
 *
 * - `--progress <interval>` (e.g. 2s): one line per interval on stderr.
 * - default: on a terminal, the one spinner (spinner.ts) shows a live line and no lines are printed; off a
 *   terminal (CI logs, a pipe), a line every DEFAULT_LINE_EVERY_MS, so a long run shows it is alive.
 * - `--progress 0` or `off`: neither.
 */
import { InvalidArgumentError } from 'commander';
import type { Ora } from 'ora';
import type { Io } from './io.js';
import type { Progress } from '../sources/stress/harness.js';
import type { LockWindowProgress } from '../core/source.js';
import { escapeControl } from '../core/escape.js';
import { parseDurationMs } from '../core/units.js';

/** Off a terminal, a progress line this often by default. */
export const DEFAULT_LINE_EVERY_MS = 5000;

/** `--progress <interval>`: a duration, or 0 / off (no progress). */
export function progressFlag(value: string): number {
  const v = value.trim().toLowerCase();
  if (v === 'off' || v === '0') return 0;
  if (/^\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError(`--progress needs a unit: ${v}s or ${v}ms, or off (got "${value}")`);
  const ms = parseDurationMs(v);
  if (ms === undefined || ms < 0) throw new InvalidArgumentError(`--progress must be an interval like 2s or 500ms, or off (got "${value}")`);
  if (ms < 100) throw new InvalidArgumentError(`--progress must be at least 100ms, or off (got "${value}")`);
  return ms;
}

export interface ProgressPlan {
  /** Update the spinner's live line (a terminal). */
  live: boolean;
  /** Print a line this often; null = no lines. */
  lineEveryMs: number | null;
}

/** What to show: `flag` is --progress (undefined = the default); `quiet` = no spinner (a machine format on stdout). */
export function progressPlan(flag: number | undefined, io: Io, quiet: boolean): ProgressPlan {
  if (flag === 0) return { live: false, lineEveryMs: null };
  const live = io.stderrCanAnimate && !quiet;
  if (flag !== undefined) return { live, lineEveryMs: flag };
  return { live, lineEveryMs: io.stderrCanAnimate ? null : DEFAULT_LINE_EVERY_MS };
}

/** How often the live line changes when no lines are asked for. */
export const LIVE_EVERY_MS = 1000;

/** Writes progress: a line on stderr (above the spinner, which is redrawn under it) and the spinner's text. */
export class ProgressOutput {
  constructor(
    private readonly io: Io,
    private readonly plan: ProgressPlan,
    private readonly spinner: Ora | null,
  ) {}

  /** How often the command should produce a progress text. */
  get everyMs(): number | null {
    return this.plan.lineEveryMs ?? (this.plan.live && this.spinner ? LIVE_EVERY_MS : null);
  }

  /** One progress text: the live line, and a line on stderr when lines are on. */
  show(text: string): void {
    if (this.plan.live && this.spinner) this.spinner.text = text;
    if (this.plan.lineEveryMs !== null) {
      this.spinner?.clear();
      this.io.stderr(`progress: ${text}\n`);
      this.spinner?.render();
    }
  }
}

/** 1234.5 → "1,235". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Seconds with one decimal: 4012 → "4.0 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A stress progress text: elapsed, tx/s and BUSY by kind in the interval, its p99 commit latency. */
export function stressProgressText(p: Progress, committedBefore: number, prefix = ''): string {
  const perSecond = (n: number) => (p.windowMs > 0 ? (n * 1000) / p.windowMs : 0);
  const failed = Object.entries(p.window.failed).filter(([, n]) => n > 0);
  const parts = [
    seconds(p.elapsedMs),
    `${count(perSecond(p.committed - committedBefore))} tx/s`,
    ...(p.window.reads > 0 ? [`${count(perSecond(p.window.reads))} reads/s`] : []),
    failed.length ? failed.map(([k, n]) => `${k} ${count(n)}`).join(' · ') : 'no BUSY',
    p.window.p99Ms === null ? 'p99 -' : `p99 ${p.window.p99Ms.toFixed(1)} ms`,
  ];
  return `${prefix}${parts.join(' · ')}`;
}

/** A `locks --for` progress text: elapsed, then per database holders now, the longest write hold so far, WAL frames. */
export function locksProgressText(elapsedMs: number, targets: readonly (LockWindowProgress & { path: string })[]): string {
  const one = (t: LockWindowProgress) =>
    [
      `${t.holders} ${t.holders === 1 ? 'process' : 'processes'} holding locks`,
      t.longestWrite ? `longest write hold ${seconds(t.longestWrite.ms)} (pid ${t.longestWrite.pid})` : 'no write hold',
      ...(t.walFrames !== null ? [`WAL ${count(t.walFrames)} frames`] : []),
    ].join(' · ');
  if (targets.length === 1) return `${seconds(elapsedMs)} · ${one(targets[0]!)}`;
  return `${seconds(elapsedMs)} · ${targets.map((t) => `${escapeControl(t.path)}: ${one(t).replaceAll(' · ', ', ')}`).join(' · ')}`;
}
