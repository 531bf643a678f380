/**
 * The app settings a trace observed, for `audit --trace`: the busy timeout and the transaction mode, each with
 * its origin `{ kind: 'observed', by: 'trace', detail }`. Only what the lock calls prove is given:
 * - busy_timeout: the busy handler's sleeps of a sequence that gave up (exactly busy_timeout), or 0 when a
 *   refusal outside any transaction was given up at once; a wait that succeeded is only a lower bound, not given.
 *   Several processes: the smallest, the one that fails first.
 * - transaction mode: `deferred` when a process was seen in the upgrade trap (a write refused at once while it
 *   kept its read lock, on a thread whose busy handler retried elsewhere). Write-first observations are not
 *   given as `immediate`: they cover only the transactions that met contention in the window, and the audit
 *   would then pass every transaction of the app.
 */
import type { SettingOrigin } from '../../core/model.js';
import { formatMs } from '../../core/units.js';
import type { TraceFacts } from './facts.js';

export interface Observed<T> {
  value: T;
  origin: Extract<SettingOrigin, { kind: 'observed' }>;
}

export function observedSettings(facts: TraceFacts): { busyTimeoutMs?: Observed<number>; transactionMode?: Observed<'deferred'> } {
  const out: { busyTimeoutMs?: Observed<number>; transactionMode?: Observed<'deferred'> } = {};
  const window = formatMs(facts.window.tracedMs);
  let best: { ms: number; detail: string } | null = null;
  for (const p of facts.processes) {
    const b = p.busyTimeout;
    let candidate: { ms: number; detail: string } | null = null;
    if (b?.kind === 'measured') candidate = { ms: Math.round(b.ms), detail: `pid ${p.pid} gave up after ${Math.round(b.spanMs).toLocaleString('en-US')} ms of retries, ${b.sequences}× in ${window}` };
    else if (b?.kind === 'zero') candidate = { ms: 0, detail: `pid ${p.pid} gave up at once outside a transaction, ${b.sequences}× in ${window}` };
    if (candidate && (!best || candidate.ms < best.ms)) best = candidate;
  }
  if (best) out.busyTimeoutMs = { value: best.ms, origin: { kind: 'observed', by: 'trace', detail: best.detail } };
  const trapped = facts.processes.filter((p) => p.modes.readThenWrite > 0);
  if (trapped.length > 0) {
    const n = trapped.reduce((s, p) => s + p.modes.readThenWrite, 0);
    out.transactionMode = {
      value: 'deferred',
      origin: { kind: 'observed', by: 'trace', detail: `pid ${trapped.map((p) => p.pid).join(', ')}: ${n} write(s) refused at once while holding a read lock, in ${window}` },
    };
  }
  return out;
}
