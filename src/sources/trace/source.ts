/**
 * The trace source: a running app's own lock calls on one database, read with strace over a window.
 *
 * It claims no command-line entry: a trace target is a database plus the processes to attach to (or a command
 * to start), and tracing is asynchronous and takes a window, where `gather` is a synchronous read of one
 * target. So `lockscope trace` and `audit --trace` drive it directly (`traceDatabase`), and the registry knows
 * it for what the rest of lockscope asks of facts: whose they are, their facts table, their saved form.
 */
import { STACKS } from '../../core/model.js';
import type { Source, SummaryRow } from '../../core/source.js';
import { formatCount, formatMs } from '../../core/units.js';
import type { TraceFacts } from './facts.js';
import { TraceSetupError } from './strace.js';

function summarise(facts: TraceFacts): readonly SummaryRow[] {
  const how = facts.how === 'launch' ? `started ${facts.command?.[0] ?? 'the command'} under strace` : 'attached with strace';
  const ended = { window: 'the window ended', signal: 'interrupted', exited: 'the traced processes ended', error: 'strace failed' }[facts.window.endedBy];
  const pids = facts.processes.map((p) => p.pid);
  return [
    ['traced', `${formatMs(facts.window.tracedMs)} (${how}; ${ended})`],
    ['mode', facts.journalMode === 'wal' ? 'WAL (locks on -shm)' : facts.journalMode === 'rollback' ? 'rollback journal (locks on the database file)' : 'no lock call seen'],
    ['processes', pids.length ? `${pids.length}: ${pids.slice(0, 8).join(', ')}${pids.length > 8 ? ', …' : ''}` : 'none made a lock call'],
    ['lock calls', `${formatCount(facts.lockCalls)} on the database and -shm (${formatCount(facts.ignoredCalls)} on other files ignored)`],
  ];
}

function readTraceFacts(value: unknown): TraceFacts {
  const v = value as Partial<TraceFacts> | null;
  if (!v || typeof v !== 'object' || v.source !== 'trace' || !Array.isArray(v.processes) || typeof v.window !== 'object' || v.window === null) {
    throw new Error('not the facts of a trace (source "trace" with its processes and window)');
  }
  return v as TraceFacts;
}

export const traceSource: Source<TraceFacts> = {
  id: 'trace',
  describe: "a running app's own lock calls on a database, traced with strace (lockscope trace, audit --trace)",
  claims: () => false,
  resolveTargets: () => ({ targets: [], unmatched: [], inOrder: [] }),
  gather() {
    throw new Error('a trace runs over a window: lockscope trace and audit --trace run it (traceDatabase)');
  },
  steps: [],
  inputError(target, err) {
    const code = err instanceof TraceSetupError ? err.code : 'TRACE_FAILED';
    const message = (err as Error)?.message ?? String(err);
    return { code, message: message.startsWith(target) ? message : `${target}: ${message}` };
  },
  lockSections: () => ({}),
  categories: ['trace'],
  readFacts: readTraceFacts,
  owns: (facts): facts is TraceFacts => facts.source === 'trace',
  summarise,
  stacks: STACKS,
};
