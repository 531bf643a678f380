/**
 * `lockscope watch --once`: a health check. Each database is gathered and its locks sampled for one short
 * window (the source's `sample` step, as `locks --for`), the same checks as watch judge it, and the result is
 * one line in the Nagios/Icinga plugin format — `LOCKSCOPE <STATE> - <what> | <perfdata>` — with the plugin
 * exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (https://nagios-plugins.org/doc/guidelines.html, "Plugin
 * Return Codes" and "Performance data"). Docker HEALTHCHECK and Kubernetes exec probes read only the exit code:
 * anything but 0 is unhealthy.
 */
import { isGatherError } from '../../core/facts.js';
import type { Finding, ReportError, SqliteFacts } from '../../core/model.js';
import { runChecks, thresholdsFor } from '../../core/runner.js';
import { sourceFor } from '../../sources/index.js';
import type { JudgeOptions } from './verdicts.js';
import { WATCH_CHECKS, counts } from './verdicts.js';

export const NAGIOS = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type NagiosState = keyof typeof NAGIOS;

export interface OnceResult {
  path: string;
  error: ReportError | null;
  findings: Finding[];
  facts: SqliteFacts | null;
}

/** Gathers, samples for `windowMs` and checks each database. */
export async function runOnce(paths: readonly string[], windowMs: number, hz: number, judge: JudgeOptions, signal: AbortSignal): Promise<OnceResult[]> {
  const out: OnceResult[] = [];
  for (const path of paths) {
    const source = sourceFor(path);
    if (!source) {
      out.push({ path, error: { code: 'NO_SOURCE', message: `${path}: lockscope reads no target of this kind` }, findings: [], facts: null });
      continue;
    }
    let facts: SqliteFacts;
    try {
      facts = source.gather(path, { purpose: 'locks' }) as SqliteFacts;
    } catch (err) {
      out.push({ path, error: source.inputError(path, err), findings: [], facts: null });
      continue;
    }
    if (source.sample && windowMs > 0) {
      const [sampled] = await source.sample([{ target: path, facts }], { durationMs: windowMs, hz, signal });
      if (sampled && 'error' in sampled) {
        out.push({ path, error: sampled.error, findings: [], facts: null });
        continue;
      }
      if (sampled) facts = sampled.facts as SqliteFacts;
    }
    out.push({ path, error: null, findings: runChecks(WATCH_CHECKS, facts, { app: {}, thresholds: judge.thresholds, severity: judge.severity }), facts });
  }
  return out;
}

const WORSE: Record<NagiosState, number> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3 };

/** A database's state: its worst finding (fail → CRITICAL, warn → WARNING), UNKNOWN when it or its locks could not be read. */
function stateOf(r: OnceResult): { state: NagiosState; why: string } {
  if (r.error) return { state: 'UNKNOWN', why: r.error.message };
  if (r.facts && isGatherError(r.facts.locks)) return { state: 'UNKNOWN', why: `cannot read the lock table: ${r.facts.locks.error.message}` };
  const crashed = r.findings.find((f) => f.status === 'error');
  if (crashed) return { state: 'UNKNOWN', why: `${crashed.id}: ${crashed.message}` };
  const judged = r.findings.filter(counts);
  const worst = judged.find((f) => f.status === 'fail') ?? judged.find((f) => f.status === 'warn');
  if (!worst) return { state: 'OK', why: 'no lock, WAL or journal problem' };
  return { state: worst.status === 'fail' ? 'CRITICAL' : 'WARNING', why: `${worst.id}: ${firstSentence(worst.message)}` };
}

function firstSentence(text: string): string {
  const m = /^(.+?\.)(\s|$)/.exec(text);
  const s = (m ? m[1]! : text).replace(/[|\n]/g, ' ');
  return s.length > 240 ? `${s.slice(0, 239)}…` : s;
}

/** A perfdata label: quoted, a quote inside doubled (the plugin guidelines' rule). */
function perfLabel(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

const configured = (id: string, name: string, judge: JudgeOptions): number | undefined => {
  const check = WATCH_CHECKS.find((c) => c.id === id);
  return check ? thresholdsFor(check, judge.thresholds)[name] : undefined;
};

/**
 * The perfdata of one database: what the checks measured, with the thresholds in force as warn;crit — the ones
 * the check itself used when its evidence gives them (wal-size warns above 4 × the autocheckpoint size when that
 * is larger than warnBytes), else the configured ones.
 */
function perfdata(r: OnceResult, prefix: string, judge: JudgeOptions): string[] {
  const f = r.facts;
  if (!f) return [];
  const threshold = (id: string, name: string, judge: JudgeOptions): number | undefined => {
    const used = r.findings.find((x) => x.id === id)?.evidence[name];
    return typeof used === 'number' ? used : configured(id, name, judge);
  };
  const out: string[] = [];
  const item = (name: string, value: number, unit: string, warn?: number, crit?: number) =>
    out.push(`${perfLabel(prefix + name)}=${value}${unit};${warn ?? ''};${crit ?? ''};0;`);
  item('wal_bytes', f.files.wal.exists ? (f.files.wal.sizeBytes ?? 0) : 0, 'B', threshold('wal-size', 'warnBytes', judge), threshold('wal-size', 'failBytes', judge));
  const shm = !isGatherError(f.shm) && f.shm?.header ? f.shm.header : null;
  if (shm) item('checkpoint_lag_frames', Math.max(0, shm.mxFrame - shm.nBackfill), '', threshold('checkpoint-lag', 'warnFrames', judge), threshold('checkpoint-lag', 'failFrames', judge));
  const samples = f.lockSamples && !isGatherError(f.lockSamples) ? f.lockSamples : null;
  if (samples) {
    const s = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
    const longestWrite = Math.max(0, ...samples.processes.map((p) => p.write?.longestMs ?? 0));
    const longestRead = Math.max(0, ...samples.processes.map((p) => p.read?.longestMs ?? 0));
    item('write_lock_held_seconds', longestWrite / 1000, 's', s(threshold('long-write-lock', 'warnMs', judge)), s(threshold('long-write-lock', 'failMs', judge)));
    item('longest_reader_seconds', longestRead / 1000, 's', s(threshold('long-reader', 'warnMs', judge)), s(threshold('long-reader', 'failMs', judge)));
  }
  if (!isGatherError(f.locks)) item('lock_holders', f.locks.holders.filter((h) => !h.lockscope).length, '');
  return out;
}

/** The plugin's one line and exit code for all databases. */
export function nagiosLine(results: readonly OnceResult[], judge: JudgeOptions): { line: string; exitCode: number } {
  let state: NagiosState = 'OK';
  const parts: string[] = [];
  const perf: string[] = [];
  for (const r of results) {
    const s = stateOf(r);
    if (WORSE[s.state] > WORSE[state]) state = s.state;
    // Error messages already start with the path.
    parts.push(s.why.startsWith(`${r.path}: `) ? s.why : `${r.path}: ${results.length > 1 && s.state === 'OK' ? 'OK' : s.why}`);
    perf.push(...perfdata(r, results.length > 1 ? `${r.path}:` : '', judge));
  }
  const line = `LOCKSCOPE ${state} - ${parts.join('; ')}${perf.length ? ` | ${perf.join(' ')}` : ''}`;
  return { line, exitCode: NAGIOS[state] };
}
