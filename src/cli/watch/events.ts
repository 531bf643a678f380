/**
 * watch's events: a condition that starts, changes status and ends, or a one-off observation (a process
 * attached or detached, the file replaced). Each is one JSON object per line (NDJSON); a condition's start and
 * end carry the same `id`, and its end says how long it lasted ("released after 412 s").
 */
import type { Condition, EventKind } from './verdicts.js';

export interface WatchEvent {
  /** When it was seen (ISO 8601). */
  time: string;
  /** start / update (its status or the check's message id changed) / end of a condition; note = a one-off observation. */
  type: 'start' | 'update' | 'end' | 'note';
  /** Ties a condition's start, updates and end together (unique within one run). */
  id: string;
  kind: EventKind;
  database: string;
  status: 'info' | 'warn' | 'fail';
  /** The check whose verdict this is (null: watch's own observation). */
  check: string | null;
  messageId: string | null;
  pid?: number;
  command?: string;
  message: string;
  /** end: how long the condition lasted, from its start (a hold: from when the hold began). */
  durationSeconds?: number;
}

interface Open {
  id: string;
  condition: Condition;
  database: string;
  openedMs: number;
}

/** Seconds, to a tenth below 100 and whole above: "412 s", "3.4 s". */
export function seconds(ms: number): number {
  const s = Math.max(0, ms) / 1000;
  return s >= 100 ? Math.round(s) : Math.round(s * 10) / 10;
}

/** How a condition ended, in words, with its length (given by the caller, who knows what the live state says). */
export type EndWords = (condition: Condition, lastedMs: number) => string;

/** The open conditions of every database; turns each interval's conditions into start/update/end events. */
export class EventBook {
  private readonly open = new Map<string, Open>();
  private seq = 0;

  /** The conditions of one database now → the events since the last call for it. */
  update(database: string, conditions: readonly Condition[], nowMs: number, endWords: EndWords): WatchEvent[] {
    const events: WatchEvent[] = [];
    const time = new Date(nowMs).toISOString();
    const present = new Set<string>();
    for (const c of conditions) {
      const key = `${database}\u0000${c.key}`;
      present.add(key);
      const o = this.open.get(key);
      if (!o) {
        const id = `e${++this.seq}`;
        this.open.set(key, { id, condition: c, database, openedMs: nowMs });
        events.push(this.event(time, 'start', id, database, c, c.message));
      } else {
        // Its status or its reason changed (a stopped holder now merely asleep; the pinning reader gone, the lag left).
        if (o.condition.status !== c.status || o.condition.messageId !== c.messageId) events.push(this.event(time, 'update', o.id, database, c, c.message));
        o.condition = { ...c, sinceMs: o.condition.sinceMs ?? c.sinceMs };
      }
    }
    for (const [key, o] of this.open) {
      if (o.database !== database || present.has(key)) continue;
      this.open.delete(key);
      const lastedMs = nowMs - (o.condition.sinceMs ?? o.openedMs);
      const ev = this.event(time, 'end', o.id, database, o.condition, endWords(o.condition, lastedMs));
      ev.durationSeconds = seconds(lastedMs);
      events.push(ev);
    }
    return events;
  }

  /** A one-off observation. */
  note(database: string, kind: EventKind, message: string, nowMs: number, who?: { pid: number; command?: string }): WatchEvent {
    return {
      time: new Date(nowMs).toISOString(),
      type: 'note',
      id: `e${++this.seq}`,
      kind,
      database,
      status: 'info',
      check: null,
      messageId: null,
      ...(who ? { pid: who.pid, ...(who.command !== undefined ? { command: who.command } : {}) } : {}),
      message,
    };
  }

  /** Open conditions of one database (the view, the stalled-holders gauge). */
  openOf(database: string): Condition[] {
    return [...this.open.values()].filter((o) => o.database === database).map((o) => o.condition);
  }

  private event(time: string, type: WatchEvent['type'], id: string, database: string, c: Condition, message: string): WatchEvent {
    return {
      time,
      type,
      id,
      kind: c.kind,
      database,
      status: c.status,
      check: c.check,
      messageId: c.messageId,
      ...(c.pid !== undefined ? { pid: c.pid } : {}),
      ...(c.command !== undefined ? { command: c.command } : {}),
      message,
    };
  }
}
