/**
 * Compact terminal charts, drawn only when the facts carry time series (src/core/series.ts):
 *
 * - stress: committed tx/s, BUSY failures per second and the -wal size over the run, one sparkline each on a
 *   shared time axis, so a burst of BUSY lines up with the dip in throughput and the WAL drop of a checkpoint;
 * - `locks --for`: one row per process across the window, a mark where it held the write lock or a read
 *   lock, and the -wal size below on the same axis (a sawtooth = checkpoints work; a ramp = a pinned reader).
 *
 * Written by hand rather than with asciichart or sparkly: a one-row sparkline is a lookup into eight block
 * characters, the per-process timeline is in neither library, and both need the same column binning and an
 * ASCII fallback (`unicode: false`, for LANG=C / TERM=dumb). Pure: returns lines that fit `columns`.
 */
import { escapeControl } from '../core/escape.js';
import type { LockSampleFacts } from '../core/facts.js';
import type { StressSeries, WalPoint } from '../core/series.js';
import { formatBytes, formatCount, formatMs } from '../core/units.js';
import { type ProcessLane, pickLanes, processLanes, stressRates } from './chart-data.js';
import { type Style, makeStyle } from './style.js';

export interface ChartOptions {
  /** Width to fit (default 80). */
  columns?: number;
  /** Block characters (default); false = ASCII only. */
  unicode?: boolean;
  style?: Style;
}

/** Lowest to highest; a zero is a blank, so a stall or a run without BUSY reads as a gap, never as a low bar. */
const LEVELS_UNICODE = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const LEVELS_ASCII = ['.', ':', '-', '=', '+', '*', '#', '@'];

/** Lock timelines show at most this many processes (the longest writers first); the sampling table lists them all. */
export const MAX_LANES = 12;
/** The narrowest chart still worth drawing. */
const MIN_CHART_COLUMNS = 10;

/** One character per value, scaled to the largest; null = nothing known there (blank). */
export function sparkline(values: readonly (number | null)[], unicode = true): string {
  const levels = unicode ? LEVELS_UNICODE : LEVELS_ASCII;
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  return values
    .map((v) => {
      if (v === null || v <= 0 || max <= 0) return ' ';
      return levels[Math.min(levels.length - 1, Math.max(0, Math.ceil((v / max) * levels.length) - 1))]!;
    })
    .join('');
}

/** The largest -wal size seen in each [start, end) span, or the size last seen before it (null before any). */
function walPerColumn(points: readonly WalPoint[], spans: readonly [number, number][]): (number | null)[] {
  const sorted = [...points].sort((a, b) => a.tMs - b.tMs);
  let i = 0;
  let last: number | null = null;
  return spans.map(([start, end], c) => {
    let peak: number | null = null;
    const lastColumn = c === spans.length - 1;
    while (i < sorted.length && (sorted[i]!.tMs < end || lastColumn)) {
      const p = sorted[i]!;
      if (p.tMs >= start && p.walBytes !== null) peak = Math.max(peak ?? 0, p.walBytes);
      last = p.walBytes;
      i += 1;
    }
    return peak ?? last;
  });
}

function hasWal(points: readonly WalPoint[] | undefined): points is WalPoint[] {
  return Boolean(points && points.some((p) => p.walBytes !== null));
}

/** A row: label, chart, a note after it; the time axis below the charts. */
function row(label: string, labelWidth: number, chart: string, note: string): string {
  return `  ${label.padEnd(labelWidth)} ${chart} ${note}`.trimEnd();
}

function axis(labelWidth: number, chartWidth: number, endMs: number): string {
  const start = '0 s';
  const end = formatMs(endMs);
  const gap = Math.max(1, chartWidth - start.length - end.length);
  return `  ${' '.repeat(labelWidth)} ${start}${' '.repeat(gap)}${end}`;
}

function chartWidth(columns: number, labelWidth: number, noteWidth: number): number {
  return Math.max(MIN_CHART_COLUMNS, columns - 2 - labelWidth - 1 - 1 - noteWidth);
}

/** Stress: tx/s, BUSY/s and the WAL over the run, one column per interval (or per group of intervals when they do not fit). */
export function stressChartLines(series: StressSeries | undefined, opts: ChartOptions = {}): string[] {
  if (!series) return [];
  const rates = stressRates(series);
  if (rates.length === 0) return [];
  const style = opts.style ?? makeStyle(0);
  const unicode = opts.unicode ?? true;
  const columns = opts.columns ?? 80;
  const peakTx = Math.max(...rates.map((r) => r.txPerSec));
  const peakBusy = Math.max(...rates.map((r) => r.busyPerSec));
  const showWal = hasWal(series.wal);
  const walMax = showWal ? Math.max(...series.wal.map((p) => p.walBytes ?? 0)) : 0;
  const notes = {
    tx: `peak ${formatCount(Math.round(peakTx))}/s`,
    busy: peakBusy > 0 ? `peak ${formatCount(Math.round(peakBusy))}/s` : 'none',
    wal: `peak ${formatBytes(walMax)}`,
  };
  const labelWidth = 6;
  const width = chartWidth(columns, labelWidth, Math.max(notes.tx.length, notes.busy.length, showWal ? notes.wal.length : 0));
  // Whole intervals per column, so every column is a rate over the same span (the last may be shorter).
  const per = Math.ceil(rates.length / width);
  const bins: { spans: [number, number]; committed: number; busy: number; ms: number }[] = [];
  for (let c = 0; c * per < rates.length; c += 1) {
    const group = rates.slice(c * per, (c + 1) * per);
    bins.push({
      spans: [group[0]!.startMs, group[group.length - 1]!.endMs],
      committed: group.reduce((a, r) => a + r.committed, 0),
      busy: group.reduce((a, r) => a + r.busy, 0),
      ms: group.reduce((a, r) => a + (r.endMs - r.startMs), 0),
    });
  }
  const drawn = bins.length;
  const colMs = per * series.intervalMs;
  const lines = [style.bold(`over the run (one column = ${formatMs(colMs)})`)];
  lines.push(row('tx/s', labelWidth, style.green(sparkline(bins.map((b) => (b.committed * 1000) / b.ms), unicode)), notes.tx));
  lines.push(row('BUSY/s', labelWidth, style.red(sparkline(bins.map((b) => (b.busy * 1000) / b.ms), unicode)), notes.busy));
  if (showWal) lines.push(row('WAL', labelWidth, style.cyan(sparkline(walPerColumn(series.wal, bins.map((b) => b.spans)), unicode)), notes.wal));
  lines.push(style.dim(axis(labelWidth, drawn, bins[bins.length - 1]!.spans[1])));
  return lines;
}

interface LaneMarks {
  write: string;
  writePart: string;
  read: string;
  none: string;
}

/** How much of [start, end) the spans cover (0..1). */
function coverage(spans: readonly [number, number][], start: number, end: number): number {
  let covered = 0;
  let reach = start;
  for (const [s, e] of [...spans].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(s, reach);
    const to = Math.min(e, end);
    if (to > from) {
      covered += to - from;
      reach = to;
    }
  }
  return end > start ? covered / (end - start) : 0;
}

/**
 * The mark of each column: the write lock held for at least half of it, for part of it, else a read lock,
 * else nothing. Write wins over read: the write lock is what other writers wait for. A hold is drawn from its
 * first sample to one period after its last (the sampler saw it there, and cannot say when it ended in between).
 */
function laneMarks(lane: ProcessLane, spans: readonly [number, number][], periodMs: number, marks: LaneMarks, style: Style): string {
  const widen = (list: readonly [number, number][]) => list.map(([s, e]): [number, number] => [s, e + periodMs]);
  const write = widen(lane.write);
  const read = widen(lane.read);
  return spans
    .map(([start, end]) => {
      const w = coverage(write, start, end);
      if (w >= 0.5) return style.yellow(marks.write);
      if (w > 0) return style.yellow(marks.writePart);
      return coverage(read, start, end) > 0 ? style.cyan(marks.read) : style.dim(marks.none);
    })
    .join('');
}

/** `locks --for`: one row per process that held the write lock or a read lock, time across; the WAL below. */
export function lockTimelineLines(samples: LockSampleFacts, opts: ChartOptions = {}): string[] {
  const timeline = samples.timeline;
  if (!timeline) return [];
  const processes = new Map(samples.processes.map((p) => [p.pid, p]));
  return timelineChart(
    {
      lanes: processLanes(timeline.holds, samples.mode, samples.processes.map((p) => p.pid)),
      windowMs: samples.windowMs,
      hz: samples.hz,
      wal: samples.mode === 'wal' ? timeline.wal : [],
      label: (pid) => {
        const p = processes.get(pid);
        return `${pid} ${p?.lockscope ? '[lockscope] ' : ''}${p?.command ? escapeControl(p.command) : '?'}`;
      },
      note: (pid) => {
        const share = processes.get(pid)?.write?.share;
        return share === undefined ? '' : `write ${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
      },
      title: 'lock timeline',
      legend: { write: 'write lock most of the column', writePart: 'part of it', read: 'a read lock' },
    },
    opts,
  );
}

/** A timeline of lanes over a sampled window: what a row means is the caller's (its labels and legend). */
export interface TimelineInput {
  lanes: ProcessLane[];
  windowMs: number;
  hz: number;
  /** Drawn as a WAL-size row when it has sizes. */
  wal: readonly WalPoint[];
  label(pid: number): string;
  note(pid: number): string;
  title: string;
  legend: { write: string; writePart: string; read: string };
}

export function timelineChart(input: TimelineInput, opts: ChartOptions = {}): string[] {
  if (input.windowMs <= 0) return [];
  const style = opts.style ?? makeStyle(0);
  const unicode = opts.unicode ?? true;
  const columns = opts.columns ?? 80;
  const lanes = input.lanes;
  const showWal = hasWal(input.wal);
  if (lanes.length === 0 && !showWal) return [];
  const shown = pickLanes(lanes, MAX_LANES);
  const labelWidth = Math.min(22, Math.max(3, ...shown.map((l) => Array.from(input.label(l.pid)).length)));
  const cut = (text: string) => {
    const chars = Array.from(text);
    return chars.length <= labelWidth ? text : `${chars.slice(0, labelWidth - 1).join('')}${unicode ? '…' : '~'}`;
  };
  const walMax = showWal ? Math.max(...input.wal.map((p) => p.walBytes ?? 0)) : 0;
  const walNote = `peak ${formatBytes(walMax)}`;
  const noteWidth = Math.max(0, ...shown.map((l) => input.note(l.pid).length), showWal ? walNote.length : 0);
  // No column narrower than one sampling period: a finer one would show gaps the sampler could not see.
  const periodMs = input.hz > 0 ? 1000 / input.hz : input.windowMs;
  const width = Math.min(chartWidth(columns, labelWidth, noteWidth), Math.max(1, Math.ceil(input.windowMs / periodMs)));
  const colMs = input.windowMs / width;
  const spans: [number, number][] = Array.from({ length: width }, (_, c) => [c * colMs, (c + 1) * colMs]);
  const marks: LaneMarks = unicode ? { write: '█', writePart: '▄', read: '▒', none: '·' } : { write: '#', writePart: '+', read: '=', none: '.' };
  const lines = [style.bold(`${input.title} (one column = ${formatMs(colMs)})`)];
  for (const lane of shown) lines.push(row(cut(input.label(lane.pid)), labelWidth, laneMarks(lane, spans, periodMs, marks, style), input.note(lane.pid)));
  if (lanes.length > shown.length) lines.push(style.dim(`  ${unicode ? '…' : '...'} ${lanes.length - shown.length} more processes (in the table above)`));
  if (showWal) lines.push(row('WAL', labelWidth, style.cyan(sparkline(walPerColumn(input.wal, spans), unicode)), walNote));
  lines.push(style.dim(axis(labelWidth, width, input.windowMs)));
  const sep = unicode ? ' · ' : ', ';
  // The legend, its entries kept whole and laid out over as many lines as the width needs.
  const entries = [`${marks.write} ${input.legend.write}`, `${marks.writePart} ${input.legend.writePart}`, `${marks.read} ${input.legend.read}`, `${marks.none} neither`];
  let current = '';
  for (const entry of entries) {
    const next = current ? `${current}${sep}${entry}` : entry;
    if (current && Array.from(next).length + 2 > columns) {
      lines.push(style.dim(`  ${current}`));
      current = entry;
    } else current = next;
  }
  lines.push(style.dim(`  ${current}`));
  return lines;
}
