/** The `locks` text layout of a PostgreSQL target: the blocking trees (root first), then what the window saw. */
import { escapeControl } from '../core/escape.js';
import { isGatherError } from '../core/facts.js';
import type { DatabaseReport } from '../core/model.js';
import { formatMs } from '../core/units.js';
import type { PgFacts, PgSession } from '../sources/postgres/facts.js';
import type { TextOptions } from './text.js';

function who(s: PgSession | undefined, pid: number): string {
  if (!s) return `pid ${pid}`;
  const parts = [`pid ${pid}`, s.user ?? '?'];
  if (s.application) parts.push(s.application);
  return `${parts.join(' · ')} (${s.state ?? 'state unknown'}${s.transactionAgeMs !== null ? `, transaction ${formatMs(s.transactionAgeMs)}` : ''})`;
}

export function pgLocksSection(db: DatabaseReport, facts: PgFacts, { style }: TextOptions): string[] {
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
  return lines;
}
