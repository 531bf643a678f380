/**
 * What `watch` judges, and with what: the checks of `locks` (checksIn('locks')) plus the two file checks a
 * monitor must follow over time (wal-size, hot-journal), run by the one runner with the config's thresholds and
 * severities. Nothing here decides a status: a check's warn or fail becomes a condition (an event while it
 * lasts), its pass ends it.
 *
 * The snapshot checks run on the source's gathered facts. The sampled checks (those that need lockSamples:
 * long-write-lock, long-reader, lock-stall) run once per process in a transaction, on facts whose window is
 * that process's own transaction (src/sources/proc/live-facts.ts), so each verdict names one process and
 * ends when that process's transaction does.
 */
import { REGISTRY, checksIn } from '../../../checks/index.js';
import type { AnyCheck } from '../../core/check.js';
import type { Finding, SqliteFacts } from '../../core/model.js';
import { type SeverityOverrides, type ThresholdOverrides, runChecks } from '../../core/runner.js';
import { holdFacts, stallFacts, type LiveWindow } from '../../sources/proc/live-facts.js';
import type { LiveProcess } from '../../sources/proc/live-locks.js';

/** The file checks watch follows beside the locks checks (category audit, judged on the same gathered facts). */
const FILE_CHECKS = new Set(['wal-size', 'hot-journal']);

/** The checks watch runs, in registry order. */
export const WATCH_CHECKS: readonly AnyCheck[] = REGISTRY.filter((c) => checksIn('locks').includes(c) || FILE_CHECKS.has(c.id));
const SAMPLED = WATCH_CHECKS.filter((c) => (c.requires as readonly string[]).includes('lockSamples'));
const SNAPSHOT = WATCH_CHECKS.filter((c) => !SAMPLED.includes(c));

/** Event kinds: what went wrong (from a check) or what happened (watch's own observations). */
export type EventKind =
  | 'write-lock-held'
  | 'holder-stalled'
  | 'holder-spinning'
  | 'long-reader'
  | 'checkpoint-starved'
  | 'wal-size'
  | 'hot-journal'
  | 'attached'
  | 'detached'
  | 'database-unreadable'
  | 'database-replaced'
  | 'lock-table-unreadable';

/** Every kind, for the events counter's label values (so each series exists from the start). */
export const EVENT_KINDS: readonly EventKind[] = [
  'write-lock-held',
  'holder-stalled',
  'holder-spinning',
  'long-reader',
  'checkpoint-starved',
  'wal-size',
  'hot-journal',
  'attached',
  'detached',
  'database-unreadable',
  'database-replaced',
  'lock-table-unreadable',
];

/** Which checks open which kind of event (the others feed --once and the view only). */
function kindOf(f: Finding): EventKind | null {
  switch (f.id) {
    case 'long-write-lock':
      return 'write-lock-held';
    case 'lock-stall':
      return f.messageId === 'spinning' ? 'holder-spinning' : 'holder-stalled';
    case 'long-reader':
      return 'long-reader';
    case 'checkpoint-lag':
      return 'checkpoint-starved';
    case 'wal-size':
      return 'wal-size';
    case 'hot-journal':
      return 'hot-journal';
    default:
      return null;
  }
}

/** Something wrong now: an event while it lasts. `key` identifies it from one interval to the next. */
export interface Condition {
  key: string;
  kind: EventKind;
  status: 'warn' | 'fail';
  check: string | null;
  messageId: string | null;
  message: string;
  pid?: number;
  command?: string;
  /** Since when it has been true (epoch ms): a hold's start; absent = since the event opened. */
  sinceMs?: number;
}

export interface JudgeOptions {
  thresholds: ThresholdOverrides;
  severity: SeverityOverrides;
}

/** The snapshot checks on one database's gathered facts. */
export function snapshotFindings(facts: SqliteFacts, options: JudgeOptions): Finding[] {
  return runChecks(SNAPSHOT, facts, { app: {}, thresholds: options.thresholds, severity: options.severity });
}

/** The sampled checks on each process's transaction: findings per process. */
export function processFindings(facts: SqliteFacts, processes: readonly LiveProcess[], w: LiveWindow, options: JudgeOptions): { process: LiveProcess; findings: Finding[] }[] {
  const out: { process: LiveProcess; findings: Finding[] }[] = [];
  const run = { app: {}, thresholds: options.thresholds, severity: options.severity };
  for (const p of processes) {
    const hold = holdFacts(p, w);
    const stall = stallFacts(p, w);
    if (!hold || !stall) continue;
    const findings = [
      ...runChecks(SAMPLED.filter((c) => c.id !== 'lock-stall'), { ...facts, lockSamples: hold }, run),
      ...runChecks(SAMPLED.filter((c) => c.id === 'lock-stall'), { ...facts, lockSamples: stall }, run),
    ];
    out.push({ process: p, findings });
  }
  return out;
}

const bad = (f: Finding): f is Finding & { status: 'warn' | 'fail' } => f.status === 'warn' || f.status === 'fail';

/** The conditions the findings open: a check's warn/fail, once per database (snapshot) or per process (sampled). */
export function conditionsOf(snapshot: readonly Finding[], perProcess: ReturnType<typeof processFindings>): Condition[] {
  const out: Condition[] = [];
  for (const f of snapshot) {
    const kind = kindOf(f);
    if (!kind || !bad(f)) continue;
    const pid = typeof f.evidence.pid === 'number' ? f.evidence.pid : undefined;
    out.push({ key: kind, kind, status: f.status, check: f.id, messageId: f.messageId, message: f.message, ...(pid !== undefined ? { pid } : {}) });
  }
  for (const { process: p, findings } of perProcess) {
    for (const f of findings) {
      const kind = kindOf(f);
      if (!kind || !bad(f)) continue;
      const since = kind === 'write-lock-held' ? p.write?.sinceMs : kind === 'long-reader' ? p.read?.sinceMs : undefined;
      out.push({
        key: `${kind}:${p.pid}:${p.identity.startedAt ?? ''}`,
        kind,
        status: f.status,
        check: f.id,
        messageId: f.messageId,
        message: f.message,
        pid: p.pid,
        ...(p.identity.command !== undefined ? { command: p.identity.command } : {}),
        ...(since !== undefined ? { sinceMs: since } : {}),
      });
    }
  }
  return out;
}

/**
 * Whether a finding counts toward watch's state (--once, the view). lock-holders' "a writer is in a transaction
 * right now" is one instant: a healthy busy app shows it half the time, and long-write-lock judges how long the
 * hold lasts instead; only its stopped-holder verdict (a stopped process never lets go) counts.
 */
export function counts(f: Finding): boolean {
  if (f.id === 'lock-holders') return f.messageId === 'stopped-holder';
  return true;
}
