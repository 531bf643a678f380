/**
 * The text section `lockscope trace` adds under a database: per traced process, its measured busy timeout,
 * what its refused writes say about how its transactions begin, its write holds and lock waits, and a compact
 * timeline of its BUSY events over the window, then the first few events. Pure; the JSON lists every event
 * (up to the decoder's cap). Command lines are escaped.
 */
import type { BusyEvent, TraceFacts, TracedProcess } from '../sources/trace/facts.js';
import { processWords } from '../sources/trace/check-helpers.js';
import { formatLatencyMs, formatMs } from '../core/units.js';
import type { Style } from './style.js';

/** Cells of the timeline bar. */
export const TIMELINE_WIDTH = 60;
/** Events listed under each process in text (the JSON has them all). */
const LISTED = 5;

const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`;

function busyTimeoutWords(p: TracedProcess): string {
  const b = p.busyTimeout;
  if (!b) return 'busy_timeout not seen (never refused)';
  switch (b.kind) {
    case 'measured':
      return `busy_timeout ≈ ${ms(b.ms)} (gave up after ${ms(b.spanMs)}, ${b.sequences}×)${b.otherMs.length ? `; other connections ${b.otherMs.map(ms).join(', ')}` : ''}`;
    case 'lower-bound':
      return `busy_timeout ≥ ${ms(b.ms)} (the longest wait whose sleeps were all seen, or one that began before tracing)`;
    case 'zero':
      return 'busy_timeout 0 (gave up at once outside a transaction)';
    case 'at-once-only':
      return 'gave up at once only (busy_timeout 0, or upgrades from reads)';
  }
}

function modeWords(p: TracedProcess): string | null {
  const m = p.modes;
  const parts: string[] = [];
  if (m.readThenWrite) parts.push(`${m.readThenWrite} read-then-write (deferred, trapped)`);
  if (m.ambiguous) parts.push(`${m.ambiguous} refused at once holding a read lock`);
  if (m.writeFirst) parts.push(`${m.writeFirst} write-first (immediate)`);
  return parts.length ? `transactions: ${parts.join(', ')}` : null;
}

/** One character per slice of the window: `!` gave up at once, `R` gave up after retrying, `w` waited and got it, `…` still waiting, `·` none. */
export function timelineBar(events: readonly BusyEvent[], windowMs: number, width = TIMELINE_WIDTH): string {
  const rank: Record<string, number> = { '·': 0, w: 1, '…': 2, R: 3, '!': 4 };
  const cells = Array<string>(width).fill('·');
  const span = Math.max(windowMs, 1);
  for (const e of events) {
    const i = Math.min(width - 1, Math.max(0, Math.floor((e.atMs / span) * width)));
    const c = e.outcome === 'acquired' ? 'w' : e.outcome === 'in-progress' ? '…' : e.kind === 'at-once' ? '!' : 'R';
    if (rank[c]! > rank[cells[i]!]!) cells[i] = c;
  }
  return cells.join('');
}

function eventLine(e: BusyEvent): string {
  const lock = e.lock === 'wal-write' ? 'WAL write lock' : e.lock.toUpperCase();
  const what =
    e.outcome === 'acquired'
      ? `waited ${formatLatencyMs(e.waitedMs)} and got it (${e.attempts} attempts)`
      : e.outcome === 'in-progress'
        ? `still retrying when the window ended (${formatLatencyMs(e.waitedMs)} so far)`
        : e.kind === 'at-once'
          ? `SQLITE_BUSY at once${e.heldReadLock ? ', holding a read lock' : ''}`
          : `SQLITE_BUSY after retrying ${ms(e.waitedMs)} (${e.attempts} attempts, slept ${ms(e.sleptMs)})`;
  const by = e.heldBy.length ? ` · held by pid ${e.heldBy.join(', ')}` : '';
  return `${formatMs(e.atMs).padStart(8)}  thread ${e.tid}  ${lock}: ${what}${by}`;
}

export function traceTextSection(facts: TraceFacts, style: Style): string[] {
  const out = ['', style.bold('traced processes')];
  if (facts.processes.length === 0) {
    out.push('  no traced process made a lock call on this database in the window');
    return out;
  }
  const windowMs = facts.window.tracedMs;
  for (const p of facts.processes) {
    const c = p.busyCounts;
    out.push(`  ${style.bold(processWords(p))}`);
    const facts1 = [busyTimeoutWords(p), modeWords(p)].filter(Boolean).join(' · ');
    out.push(`    ${facts1}`);
    const holds = p.writeHolds.count ? `${p.writeHolds.count} write hold(s), longest ${formatMs(p.longestWrites[0]?.heldMs ?? 0)}${p.longestWrites[0]?.open ? ' (still held)' : ''}` : 'no write lock taken';
    const waits = p.lockWaits.count ? `lock waits p50 ${formatLatencyMs(p.lockWaits.p50Ms)}, p99 ${formatLatencyMs(p.lockWaits.p99Ms)}` : 'no lock waits';
    out.push(`    ${holds} · ${waits} · ${p.lockCalls.toLocaleString('en-US')} lock calls`);
    const total = c.acquired + c.gaveUpAtOnce + c.gaveUpAfterRetry + c.inProgress;
    if (total === 0) continue;
    out.push(
      `    BUSY |${timelineBar(p.busy, windowMs)}| ${c.gaveUpAtOnce} at once, ${c.gaveUpAfterRetry} after retrying, ${c.acquired} waited then got the lock${c.inProgress ? `, ${c.inProgress} still waiting` : ''}`,
    );
    for (const e of p.busy.slice(0, LISTED)) out.push(`    ${style.dim(eventLine(e))}`);
    const more = total - Math.min(LISTED, p.busy.length);
    if (more > 0) out.push(style.dim(`    … ${more} more (every event is in --json${p.busyOmitted ? `, up to ${p.busy.length} per process` : ''})`));
  }
  out.push(style.dim(`  timeline: ${formatMs(windowMs)} in ${TIMELINE_WIDTH} cells; ! at once, R after retrying, … still waiting, w waited and got the lock`));
  return out;
}
