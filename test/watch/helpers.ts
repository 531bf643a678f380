/** Runs `lockscope watch` as a real child process and reads its NDJSON events as they come. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, ROOT, cleanEnv } from '../helpers/cli.js';
import type { WatchEvent } from '../../src/cli/watch/events.js';

export interface Watcher {
  child: ChildProcessWithoutNullStreams;
  events: WatchEvent[];
  stderr: () => string;
  /** Resolves with the first event (already seen or still to come) that matches; rejects after `timeoutMs` (a hang guard). */
  next(match: (e: WatchEvent) => boolean, what: string, timeoutMs?: number): Promise<WatchEvent>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `lockscope watch <args>`; the events are read from stdout, or from `eventsFile` when given. */
export function startWatch(args: string[], eventsFile?: string): Watcher {
  const child = spawn(process.execPath, [BIN, 'watch', ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const events: WatchEvent[] = [];
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    if (!eventsFile) for (const l of lines) if (l.trim()) events.push(JSON.parse(l) as WatchEvent);
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const readFile = () => {
    if (!eventsFile) return;
    let text = '';
    try {
      text = readFileSync(eventsFile, 'utf8');
    } catch {
      return;
    }
    const all = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as WatchEvent);
    // The file may have been rotated away: keep what was read before, add the new lines by id.
    const ids = new Set(events.map((e) => `${e.id}/${e.type}`));
    for (const e of all) if (!ids.has(`${e.id}/${e.type}`)) events.push(e);
  };
  return {
    child,
    events,
    stderr: () => err,
    next(match, what, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          readFile();
          const found = events.find(match);
          if (found) {
            clearInterval(poll);
            return resolve(found);
          }
          if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`no ${what} event after ${Date.now() - started} ms; events: ${events.map((e) => `${e.type} ${e.kind} ${e.pid ?? ''}`).join(', ')}; stderr: ${err}`));
          }
        };
        const poll = setInterval(check, 25);
        check();
      });
    },
    stop(signal = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', (code) => {
          clearTimeout(guard);
          readFile();
          resolve(code);
        });
        child.kill(signal);
      });
    },
  };
}

/** A python3 process in a write transaction (BEGIN IMMEDIATE; INSERT) that commits on "commit" and exits on "exit" (stdin lines). */
export const WRITER_PY = String.raw`
import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
c.execute("CREATE TABLE IF NOT EXISTS watch_hold(x)")
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO watch_hold VALUES (1)")
print(f"READY {os.getpid()}", flush=True)
for line in sys.stdin:
    if line.strip() == "commit":
        c.execute("COMMIT")
        print("COMMITTED", flush=True)
    elif line.strip() == "exit":
        break
`;

/** Seconds between an action taken at `sinceMs` and an event's time (latency, reported, never asserted). */
export function latencyMs(e: WatchEvent, sinceMs: number): number {
  return Date.parse(e.time) - sinceMs;
}
