/** Process identity from /proc/<pid>: command line (escaped). */
import { readFileSync } from 'node:fs';
import { escapeControl } from '../escape.js';

export function processCommand(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`);
    const text = raw.toString('utf8').replace(/\u0000+$/, '').split('\u0000').join(' ');
    if (text.length > 0) return escapeControl(text);
    // Kernel threads and zombies have an empty cmdline: fall back to comm.
    return escapeControl(`[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`);
  } catch {
    return undefined;
  }
}
