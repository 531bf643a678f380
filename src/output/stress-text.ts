/**
 * Text sections of a stress run: a cli-table3 table of what was measured, a small latency histogram
 * drawn with block characters, and the side-by-side table of `--compare`. Pure: returns lines.
 */
import { escapeControl } from '../core/escape.js';
import type { Style } from './style.js';
import { formatBytes, formatCount, formatLatencyMs } from '../core/units.js';
import type { CompareArm, HistogramBucket, StressErrorCounts, StressResult, StressWorkload } from '../core/stress-facts.js';
import type { Report, StressSection } from '../core/model.js';
import { type Layout, fitTable, layoutOf, shown, widthOf, wrapHanging } from './terminal.js';
import { type TextOptions, errorLines, finish, formatFinding, inReadingOrder, summaryLine } from './text.js';
import { stressChartLines } from './charts.js';

/** The stress layout's name for units.ts's latency formatter. */
export const fmtMs = formatLatencyMs;

function fmtRate(n: number): string {
  return n >= 100 ? formatCount(Math.round(n)) : n.toFixed(1);
}

function pct(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const p = (100 * part) / whole;
  return p > 0 && p < 0.1 ? '<0.1%' : `${p.toFixed(p < 10 ? 1 : 0)}%`;
}

/** How the transactions begin, e.g. "BEGIN DEFERRED" or "BEGIN DEFERRED before the first write (the read runs outside)". */
export function describeTx(w: StressWorkload): string {
  const begin = `BEGIN ${w.tx.toUpperCase()}`;
  if (w.txBegins !== 'first-write' || w.tx !== 'deferred') return begin;
  return w.pattern === 'read-then-write' ? `${begin} just before the first write (the read runs outside the transaction)` : `${begin} just before the first write`;
}

export function describeWorkload(w: StressWorkload): string {
  const bound = w.transactions !== null ? `${formatCount(w.transactions)} transactions` : fmtMs(w.durationMs ?? 0);
  return [
    `${w.writers} writer${w.writers === 1 ? '' : 's'}`,
    `${w.readers} reader${w.readers === 1 ? '' : 's'}${w.readers > 0 && w.readerHoldMs > 0 ? ` holding ${fmtMs(w.readerHoldMs)}` : ''}`,
    bound,
    `${describeTx(w)} [${w.knobLabels.tx}]`,
    `${w.pattern}${w.batch > 1 ? ` ×${w.batch} rows` : ''}`,
    ...(w.holdMs > 0 ? [`hold ${fmtMs(w.holdMs)}`] : []),
    ...(w.thinkMs > 0 ? [`think ${fmtMs(w.thinkMs)} between transactions`] : []),
    `${formatCount(w.rowBytes)}-byte rows`,
    `busy_timeout ${formatCount(w.busyTimeoutMs)} ms [${w.knobLabels.busyTimeout}]`,
    `synchronous ${w.synchronous.toUpperCase()} [${w.knobLabels.synchronous}]`,
    `journal ${w.journalMode.toUpperCase()}`,
    ...(w.retry > 0 ? [`retry ${w.retry}×`] : []),
  ].join(' · ');
}

export function busyTotal(e: StressErrorCounts): number {
  return e.SQLITE_BUSY + e.SQLITE_BUSY_SNAPSHOT + e.SQLITE_BUSY_RECOVERY + e.SQLITE_BUSY_TIMEOUT;
}

export function errorTotal(e: StressErrorCounts): number {
  return busyTotal(e) + e.SQLITE_LOCKED + e.other;
}

function errorsLine(r: StressResult): string {
  const total = errorTotal(r.errors);
  if (total === 0) return 'none';
  const attempts = r.attempts + r.readers.completed + errorTotal(r.readers.errors);
  const parts = (Object.entries(r.errors) as [string, number][]).filter(([, n]) => n > 0).map(([code, n]) => `${code} ${formatCount(n)} (${pct(n, attempts)})`);
  const busy = busyTotal(r.errors);
  if (busy > 0) parts.push(`BUSY at once ${formatCount(r.busyAtOnce)} · after waiting out the ${formatCount(r.workload.busyTimeoutMs)} ms timeout ${formatCount(r.busyAfterTimeout)}`);
  if (r.failed > 0) parts.push(`${formatCount(r.failed)} transactions given up`);
  return parts.join('\n');
}

function targetLine(s: StressSection): string {
  if (s.target === 'live') return `the database itself, in table ${s.liveTable ?? '?'} (created and dropped by lockscope)`;
  if (!s.scratch) return 'scratch database';
  const where = s.scratch.nextToTarget
    ? 'next to the target'
    : `in ${escapeControl(s.scratch.directory)} (${s.scratch.filesystem}${s.scratch.sameDevice ? ', the target\'s filesystem' : `; the target is on ${s.scratch.targetFilesystem}`})`;
  return `scratch database ${where}: ${escapeControl(s.scratch.path)} (${s.scratch.removed ? 'removed' : 'NOT removed'})`;
}

function walLine(r: StressResult): string {
  if (r.workload.journalMode !== 'wal') return `${r.workload.journalMode} journal (no WAL)`;
  const parts = [`peak ${formatBytes(r.walPeakBytes)}`];
  if (r.wal?.maxFrames !== null && r.wal?.maxFrames !== undefined) parts.push(`up to ${formatCount(r.wal.maxFrames)} frames`);
  if (r.wal?.maxFramesNotBackfilled) parts.push(`up to ${formatCount(r.wal.maxFramesNotBackfilled)} not yet checkpointed`);
  if (r.wal?.walResets !== null && r.wal?.walResets !== undefined) parts.push(`${formatCount(r.wal.walResets)} WAL restarts after a checkpoint`);
  if (r.checkpointsSeen !== null) parts.push(`checkpoint activity in ${formatCount(r.checkpointsSeen)} samples`);
  parts.push(`autocheckpoint ${formatCount(r.workload.walAutocheckpointPages)} pages`);
  return parts.join(' · ');
}

function writersLine(r: StressResult): string {
  if (r.perWriter.length === 0) return '–';
  const counts = r.perWriter.map((w) => w.committed);
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  return `committed per writer: ${counts.map(formatCount).join(' / ')} (slowest ${pct(min, max)} of fastest)`;
}

/** The results table of one run. */
export function resultTable(s: StressSection, layout: Layout = layoutOf({})): string {
  const table: string[][] = [];
  const r = s;
  table.push(
    ['workload', describeWorkload(r.workload)],
    ['where', targetLine(s)],
    ['committed', `${formatCount(r.committed)} transactions (${formatCount(r.rowsCommitted)} rows) in ${fmtMs(r.durationMs)}: ${fmtRate(r.transactionsPerSecond)} tx/s`],
    ['latency', r.latencyMs ? `p50 ${fmtMs(r.latencyMs.p50)} · p95 ${fmtMs(r.latencyMs.p95)} · p99 ${fmtMs(r.latencyMs.p99)} · max ${fmtMs(r.latencyMs.max)}` : 'no transaction committed'],
    ['lock wait', r.lockWaitMs ? `p50 ${fmtMs(r.lockWaitMs.p50)} · p99 ${fmtMs(r.lockWaitMs.p99)} · max ${fmtMs(r.lockWaitMs.max)}` : '–'],
    ['errors', errorsLine(r)],
  );
  if (r.retries > 0 || r.workload.retry > 0) table.push(['retries', formatCount(r.retries)]);
  table.push(['WAL', walLine(r)], ['fairness', writersLine(r)]);
  if (r.workload.readers > 0) {
    const re = errorTotal(r.readers.errors);
    table.push([
      'readers',
      `${formatCount(r.readers.completed)} read transactions${r.readers.latencyMs ? ` · p99 ${fmtMs(r.readers.latencyMs.p99)}` : ''} · ${re === 0 ? 'no errors' : `${formatCount(re)} errors`}`,
    ]);
  }
  for (const o of r.otherErrors) table.push(['other error', `${escapeControl(o.code)} ×${formatCount(o.count)}: ${escapeControl(o.message)}`]);
  return fitTable({ rows: table, layout, keep: [0] });
}

function bucketLabel(b: HistogramBucket, prev: number | null): string {
  if (b.upperMs === null) return `> ${fmtMs(prev ?? 0)}`;
  return `≤ ${fmtMs(b.upperMs)}`;
}

/** A horizontal bar per latency bucket, scaled to the fullest one. */
export function histogramLines(buckets: readonly HistogramBucket[], style: Style, layout: Layout = layoutOf({})): string[] {
  if (buckets.length === 0) return [];
  const max = Math.max(...buckets.map((b) => b.count));
  const total = buckets.reduce((a, b) => a + b.count, 0);
  const labels = buckets.map((b, i) => shown(bucketLabel(b, i > 0 ? (buckets[i - 1]?.upperMs ?? null) : null), layout));
  const counts = buckets.map((b) => `${formatCount(b.count)} (${pct(b.count, total)})`);
  const labelWidth = Math.max(...labels.map(widthOf));
  const countWidth = Math.max(...counts.map(widthOf));
  // The bars take what the labels and counts leave, up to 40 columns.
  const width = Math.max(10, Math.min(40, layout.columns - labelWidth - countWidth - 4));
  const lines = [style.bold('commit latency')];
  buckets.forEach((b, i) => {
    const len = b.count === 0 ? 0 : Math.max(1, Math.round((b.count / max) * width));
    const bar = (layout.ascii ? '#' : '█').repeat(len);
    lines.push(`  ${' '.repeat(labelWidth - widthOf(labels[i] ?? ''))}${labels[i] ?? ''} ${style.cyan(bar)}${' '.repeat(width - len)} ${counts[i]}`);
  });
  return lines;
}

function diff(current: number, recommended: number, unit: 'count' | 'ms' | 'rate' | 'bytes'): string {
  if (unit === 'rate') {
    if (current === 0) return recommended === 0 ? '=' : 'from none';
    return `×${(recommended / current).toFixed(recommended / current >= 10 ? 0 : 2)}`;
  }
  const d = recommended - current;
  if (d === 0) return '=';
  const sign = d > 0 ? '+' : '−';
  if (unit === 'ms') return `${sign}${fmtMs(Math.abs(d))}`;
  if (unit === 'bytes') return `${sign}${formatBytes(Math.abs(d))}`;
  return `${sign}${formatCount(Math.abs(d))}`;
}

/** `--compare`: the arms side by side, with the difference. */
export function compareTable(arms: readonly CompareArm[], layout: Layout = layoutOf({})): string {
  const [cur, rec] = arms;
  if (!cur || !rec) return '';
  const rows: string[][] = [];
  const row = (label: string, a: string, b: string, d: string) => rows.push([label, a, b, d]);
  const settings = (a: CompareArm) =>
    `${a.settings.journalMode.toUpperCase()}, busy ${formatCount(a.settings.busyTimeoutMs)} ms, BEGIN ${a.settings.tx.toUpperCase()}${a.workload.txBegins === 'first-write' && a.settings.tx === 'deferred' ? ' at the first write' : ''}, sync ${a.settings.synchronous.toUpperCase()}`;
  row('settings', settings(cur), settings(rec), '');
  row('committed', formatCount(cur.committed), formatCount(rec.committed), diff(cur.committed, rec.committed, 'count'));
  row('tx/s', fmtRate(cur.transactionsPerSecond), fmtRate(rec.transactionsPerSecond), diff(cur.transactionsPerSecond, rec.transactionsPerSecond, 'rate'));
  row('errors', formatCount(errorTotal(cur.errors)), formatCount(errorTotal(rec.errors)), diff(errorTotal(cur.errors), errorTotal(rec.errors), 'count'));
  row('BUSY at once', formatCount(cur.busyAtOnce), formatCount(rec.busyAtOnce), diff(cur.busyAtOnce, rec.busyAtOnce, 'count'));
  row('given up', formatCount(cur.failed), formatCount(rec.failed), diff(cur.failed, rec.failed, 'count'));
  const ms = (a: CompareArm, k: 'p50' | 'p99' | 'max') => a.latencyMs?.[k] ?? null;
  for (const k of ['p50', 'p99', 'max'] as const) {
    const a = ms(cur, k);
    const b = ms(rec, k);
    row(`latency ${k}`, fmtMs(a), fmtMs(b), a !== null && b !== null ? diff(a, b, 'ms') : '');
  }
  row('WAL peak', formatBytes(cur.walPeakBytes), formatBytes(rec.walPeakBytes), diff(cur.walPeakBytes, rec.walPeakBytes, 'bytes'));
  return fitTable({ head: ['', 'current', 'recommended', 'difference'], rows, layout, keep: [0] });
}

/** Everything `lockscope stress` prints for one database before its findings. */
export function stressTextSection(stress: StressSection, compare: readonly CompareArm[] | null, style: Style, layout: Layout = layoutOf({})): string[] {
  const lines: string[] = [];
  if (stress.interrupted) lines.push(...wrapHanging(style.yellow(`interrupted by ${stress.interrupted}: the results cover the run until then`), layout, ''));
  lines.push(resultTable(stress, layout));
  const w = stress.workload;
  if (!w.stack && [w.busyTimeoutSource, w.txSource, w.synchronousSource].includes('default')) {
    const note = "No stack named: undeclared settings ran as SQLite's own defaults, not as the app's driver sets them. Name it with --stack (python, better-sqlite3, django, …) or declare them.";
    lines.push(...wrapHanging(note, layout, '').map((l) => style.dim(l)));
  }
  lines.push(...histogramLines(stress.histogram, style, layout));
  lines.push(...stressChartLines(stress.series, { style, columns: layout.columns, unicode: !layout.ascii }));
  if (compare && compare.length === 2) {
    lines.push(...wrapHanging(style.bold('current settings vs recommended (same workload, each on its own scratch database)'), layout, ''), compareTable(compare, layout));
  }
  return lines;
}

/** The text report of `stress`: per database its measurements, then its findings; the summary line last. */
export function formatStressText(report: Report, opts: Omit<TextOptions, 'style'>, style: Style): string {
  const layout = layoutOf(opts);
  const out: string[] = [];
  for (const db of report.databases) {
    out.push(...wrapHanging(style.bold(escapeControl(db.path)), layout, ''));
    if (db.error) out.push(...errorLines(db.error, style, layout));
    else {
      if (db.stress) out.push(...stressTextSection(db.stress, db.compare ?? null, style, layout));
      for (const f of inReadingOrder(db.findings, opts)) out.push(...formatFinding(f, { ...opts, style }));
    }
    out.push('');
  }
  out.push(...wrapHanging(summaryLine(report, style), layout, ''));
  return finish(out, layout);
}
