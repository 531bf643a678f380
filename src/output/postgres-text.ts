/** The `locks` text layout of a PostgreSQL target: the blocking trees (root first), then what the window saw. */
import { escapeControl } from '../core/escape.js';
import { isGatherError } from '../core/facts.js';
import type { DatabaseReport } from '../core/model.js';
import { formatMs } from '../core/units.js';
import type { PgFacts, PgSession } from '../sources/postgres/facts.js';
import type { TextOptions } from './text.js';
import type { ProcessLane } from './chart-data.js';
import { timelineChart } from './charts.js';
import { layoutOf, wrapHanging } from './terminal.js';

function who(s: PgSession | undefined, pid: number): string {
  if (!s) return `pid ${pid}`;
  const parts = [`pid ${pid}`, s.user ?? '?'];
  if (s.application) parts.push(s.application);
  return `${parts.join(' · ')} (${s.state ?? 'state unknown'}${s.transactionAgeMs !== null ? `, transaction ${formatMs(s.transactionAgeMs)}` : ''})`;
}

/** The window's timeline: per session, when it blocked others (as a root blocker) and when it waited. */
function pgTimeline(facts: PgFacts, opts: TextOptions): string[] {
  const w = facts.window;
  if (!w?.timeline) return [];
  const byPid = new Map(w.sessions.map((s) => [s.pid, s]));
  const lanes = new Map<number, ProcessLane>();
  for (const h of w.timeline.holds) {
    const lane = lanes.get(h.pid) ?? { pid: h.pid, write: [], read: [] };
    lanes.set(h.pid, lane);
    (h.lock === 'ROOT-BLOCKER' ? lane.write : lane.read).push([h.startMs, h.endMs]);
  }
  return timelineChart(
    {
      lanes: [...lanes.values()],
      windowMs: w.durationMs,
      hz: w.durationMs > 0 ? (w.samples * 1000) / w.durationMs : 0,
      wal: [],
      label: (pid) => {
        const s = byPid.get(pid);
        return `${pid} ${escapeControl([s?.user, s?.application].filter(Boolean).join('/') || '?')}`;
      },
      note: () => '',
      title: 'blocking timeline',
      legend: { write: 'blocking others (root) most of the column', writePart: 'part of it', read: 'waiting for a lock' },
    },
    { style: opts.style, columns: opts.columns ?? 80, unicode: !opts.ascii },
  );
}

export function pgLocksSection(db: DatabaseReport, facts: PgFacts, opts: TextOptions): string[] {
  const { style } = opts;
  const lines = [style.bold(`${escapeControl(db.path)} · PostgreSQL ${facts.server.version} · ${facts.sessions.length} session(s) besides lockscope`)];
  const byPid = new Map(facts.sessions.map((s) => [s.pid, s]));
  if (facts.trees.length === 0) lines.push('  no session waits for a lock');
  for (const tree of facts.trees) {
    const root = byPid.get(tree.root);
    lines.push(`  ${style.bold('root')} ${escapeControl(who(root, tree.root))}`);
    if (root?.query) lines.push(`       ${style.dim(escapeControl(root.query.replace(/\s+/g, ' ').slice(0, 100)))}`);
    for (const w of tree.waiters) {
      const indent = '  '.repeat(w.depth);
      const what = [w.mode, w.object].filter(Boolean).join(' on ');
      lines.push(`  ${indent}└ ${escapeControl(who(byPid.get(w.pid), w.pid))} waits${w.waitMs !== null ? ` ${formatMs(w.waitMs)}` : ''}${what ? ` for ${escapeControl(what)}` : ''}`);
    }
  }
  if (!isGatherError(facts.prepared) && facts.prepared.length > 0) {
    lines.push(`  prepared transactions: ${facts.prepared.map((p) => `${escapeControl(p.gid)} (${formatMs(p.ageMs)}, ${p.locks} lock(s))`).join(', ')}`);
  }
  const w = facts.window;
  if (w) {
    lines.push('', style.bold(`Sampled ${formatMs(w.durationMs)}: ${w.samples} samples; ${w.deadlocks} deadlock(s) in the window`));
    const busy = w.sessions.filter((s) => s.samplesBlocking > 0 || s.samplesWaiting > 0);
    if (busy.length === 0) lines.push('  no session blocked another during the window');
    for (const s of busy) {
      const parts = [];
      if (s.samplesBlocking > 0) parts.push(`blocked others up to ${formatMs(s.longestRootMs)}`);
      if (s.samplesWaiting > 0) parts.push(`waited up to ${formatMs(s.longestWaitMs)}`);
      lines.push(`  pid ${s.pid} ${escapeControl(s.user ?? '?')}${s.application ? ` · ${escapeControl(s.application)}` : ''}: ${parts.join('; ')}`);
    }
  }
  // Every line fits the terminal (continuations indented under their line); the chart fits by construction.
  const layout = layoutOf(opts);
  const fitted = lines.flatMap((line) => {
    const [, indent = '', rest = ''] = /^(\s*)([^]*)$/.exec(line) ?? [];
    return rest === '' ? [line] : wrapHanging(rest, layout, indent, `${indent}    `);
  });
  return [...fitted, ...pgTimeline(facts, opts)];
}
