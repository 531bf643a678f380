/** What the trace checks share: a process in words, and fixes for the runtime its command line shows. */
import { escapeControl } from '../../core/escape.js';
import type { Fix, Stack } from '../../core/model.js';
import type { TracedProcess } from './facts.js';

/** The stacks a runtime can be: a traced process's fixes are those of its runtime's stacks, and the SQL ones. */
const RUNTIME_STACKS: Record<TracedProcess['runtime'], readonly Stack[] | null> = {
  python: ['python', 'django', 'sqlalchemy', 'peewee'],
  node: ['better-sqlite3', 'node-sqlite3', 'knex', 'sequelize', 'drizzle', 'node-sqlite', 'prisma'],
  other: null,
};

/** `pid 4242 (python3 app.py)`, the command cut to 60 characters. */
export function processWords(p: Pick<TracedProcess, 'pid' | 'command'>): string {
  if (!p.command) return `pid ${p.pid}`;
  const cmd = escapeControl(p.command);
  return `pid ${p.pid} (${cmd.length > 60 ? `${cmd.slice(0, 59)}…` : cmd})`;
}

/** The fixes that apply to these processes' runtimes (python, node), and those for any stack; all when a runtime is unknown. */
export function fixesFor(fixes: readonly Fix[], processes: readonly Pick<TracedProcess, 'runtime'>[]): Fix[] {
  const stacks = new Set<Stack>();
  for (const p of processes) {
    const s = RUNTIME_STACKS[p.runtime];
    if (!s) return [...fixes];
    for (const x of s) stacks.add(x);
  }
  return fixes.filter((f) => !f.stack || stacks.has(f.stack));
}

/** Per-process evidence keyed by pid (evidence values are flat records). */
export function byPid<T>(processes: readonly Pick<TracedProcess, 'pid'>[], value: (i: number) => T): Record<string, T> {
  return Object.fromEntries(processes.map((p, i) => [String(p.pid), value(i)]));
}
