/**
 * watch's terminal view: each database with its WAL size (and a sparkline of the last minutes), its lock
 * holders and how long they have held, then the latest events. `renderView` is pure (lines cut to the
 * terminal's width and height); `terminalView` draws it in place on the alternate screen and gives the
 * terminal back as it found it when watch stops (Ctrl-C included).
 */
import { escapeControl } from '../../core/escape.js';
import { formatBytes } from '../../core/units.js';
import type { WatchEvent } from './events.js';
import { seconds } from './events.js';
import type { WatchedDatabase } from './run.js';

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of `values` (oldest first), `width` characters at most, scaled from 0 to their maximum. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-Math.max(0, width));
  const max = Math.max(0, ...shown);
  return shown.map((v) => (max === 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))])).join('');
}

function cut(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

const STATUS_MARK: Record<string, string> = { fail: '✖', warn: '⚠' };

export function renderView(databases: readonly WatchedDatabase[], recent: readonly WatchEvent[], cols: number, rows: number, nowMs: number): string[] {
  const width = Math.max(20, cols);
  const lines: string[] = [`lockscope watch — ${new Date(nowMs).toISOString().replace('T', ' ').slice(0, 19)} UTC — Ctrl-C stops`];
  for (const db of databases) {
    lines.push('');
    if (db.error) {
      lines.push(`${escapeControl(db.path)}: ✖ ${escapeControl(db.error.message)}`);
      continue;
    }
    const m = db.metrics;
    const head = `${escapeControl(db.path)}  WAL ${formatBytes(m.walBytes)}  lag ${m.checkpointLagFrames} frames  `;
    lines.push(`${head}${sparkline(db.walHistory, width - [...head].length)}`);
    const procs = db.live?.processes ?? [];
    if (procs.length === 0) lines.push('  no process holds a lock on it');
    for (const p of procs) {
      const held = p.write ? `write ${seconds(nowMs - p.write.sinceMs)} s` : p.read ? `read ${seconds(nowMs - p.read.sinceMs)} s${p.read.framesBehind > 0 ? ` (pins ${p.read.framesBehind} frames)` : ''}` : 'idle';
      const state = p.run?.state === 'T' || p.run?.state === 't' ? '  STOPPED' : p.stillSinceMs !== null ? `  no CPU for ${seconds(nowMs - p.stillSinceMs)} s` : '';
      lines.push(`  pid ${String(p.pid).padEnd(7)} ${held.padEnd(22)}${state}  ${escapeControl(p.identity.command ?? '')}`);
    }
    for (const c of db.conditions) lines.push(`  ${STATUS_MARK[c.status] ?? '•'} ${c.kind}: ${escapeControl(c.message)}`);
  }
  lines.push('', 'latest events:');
  const room = Math.max(0, rows - lines.length - 1);
  const shown = recent.slice(-room);
  if (shown.length === 0) lines.push('  none yet');
  for (const e of shown) lines.push(`  ${e.time.slice(11, 19)} ${e.type.padEnd(5)} ${e.kind} ${escapeControl(e.database)}: ${escapeControl(e.message)}`);
  return lines.slice(0, Math.max(1, rows - 1)).map((l) => cut(l, width));
}

/** Draws the view in place on the alternate screen; `close` restores the screen and the cursor. */
export function terminalView(stream: NodeJS.WriteStream): { draw: (databases: readonly WatchedDatabase[], recent: readonly WatchEvent[]) => void; close: () => void } {
  let entered = false;
  return {
    draw(databases, recent) {
      if (!entered) {
        stream.write('\x1b[?1049h\x1b[?25l');
        entered = true;
      }
      const lines = renderView(databases, recent, stream.columns || 80, stream.rows || 24, Date.now());
      stream.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
    },
    close() {
      if (entered) stream.write('\x1b[?25h\x1b[?1049l');
      entered = false;
    },
  };
}
