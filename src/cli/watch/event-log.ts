/**
 * Where watch's events go: stdout, or `--events <file>` opened for appending. Safe under log rotation: each
 * interval the path is stat()ed, and when it names another file than the one open (logrotate moved it away and
 * created a new one, or removed it) the file is reopened at the path before the interval's events are written,
 * so events go to the file at the path; `copytruncate` needs nothing (O_APPEND writes at the new end). Every event is one
 * write(2) of one whole line, so a reader never sees half an event and nothing is buffered at exit.
 */
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import type { WatchEvent } from './events.js';

export interface EventSink {
  write(events: readonly WatchEvent[]): void;
  /** Called once per interval: reopen a rotated file. */
  maintain(): void;
  close(): void;
}

export function stdoutSink(write: (text: string) => void): EventSink {
  return {
    write(events) {
      for (const e of events) write(`${JSON.stringify(e)}\n`);
    },
    maintain() {},
    close() {},
  };
}

/** Appends to `path` (created 0644 when missing); throws a one-line error when it cannot be opened at the start. */
export function fileSink(path: string): EventSink {
  let fd = openSync(path, 'a', 0o644);
  const reopen = () => {
    try {
      const next = openSync(path, 'a', 0o644);
      closeSync(fd);
      fd = next;
    } catch {
      // The folder is gone or unwritable for now: keep writing to the open file, try again next interval.
    }
  };
  return {
    write(events) {
      if (events.length === 0) return;
      const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
      try {
        writeSync(fd, text);
      } catch {
        reopen();
        try {
          writeSync(fd, text);
        } catch {
          // The disk is full or the file unwritable: the events are lost, the monitor goes on.
        }
      }
    },
    maintain() {
      let same = false;
      try {
        const open = fstatSync(fd);
        const there = statSync(path);
        same = open.ino === there.ino && open.dev === there.dev;
      } catch {
        same = false;
      }
      if (!same) reopen();
    },
    close() {
      closeSync(fd);
    },
  };
}
