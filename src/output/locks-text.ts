/**
 * Text output of `lockscope locks`: per database, a table of the processes that hold locks or have the
 * files open, a summary to act on (who writes, who blocks the checkpoint, who waits, what cannot be seen),
 * the sampled hold times with --for, then the findings and one summary line. Pure: (report, opts) → string.
 * It decides nothing: roles, writers, blockers, waiters, gaps and each sampled process's activity come
 * decided in the facts (src/sources/proc/lock-diagnosis.ts), so the JSON and the checks carry the same conclusions.
 * Everything that came from /proc or the filesystem is escaped (command lines can hold escape sequences).
 */
import Table from 'cli-table3';
import { escapeControl } from '../core/escape.js';
import type { HolderRole, LockDiagnosis, VisibilityGap } from '../sources/proc/lock-diagnosis.js';
import type { AuditFacts, LockFacts, LockHolder, LockSampleFacts, SampledActivity } from '../core/facts.js';
import { isGatherError } from '../core/facts.js';
import { shortLockName } from '../sources/proc/lock-table.js';
import { formatAge, plural, processLabel, shortCommand, writeLockName } from '../sources/proc/holder-words.js';
import { type DatabaseReport, type Report, isFactsOf } from '../core/model.js';
import { formatCount, formatMs } from '../core/units.js';
import type { Style } from './style.js';
import { type TextOptions, formatFinding, summaryLine } from './text.js';

const WAITERS =
  'connections waiting for a lock are invisible: SQLite polls in its busy handler and holds no lock while it waits (only a rollback-mode commit waiting for readers shows, as PENDING)';

function holdersTable(locks: LockFacts, diagnosis: LockDiagnosis | undefined): string {
  const table = new Table({
    head: ['PID', 'USER', 'RUNNING', 'STATE', 'COMMAND', 'FILES', 'LOCKS'],
    style: { head: [], border: [] },
    colWidths: [9, 10, 9, 12, 40, 14, 26],
    wordWrap: true,
    wrapOnWordBoundary: false,
  });
  // Facts saved before the diagnosis existed carry no roles: the STATE column then says '?'.
  const roles = new Map((diagnosis?.roles ?? []).map((r) => [r.pid, r]));
  for (const h of locks.holders) {
    const age = h.startedAt && locks.takenAt ? formatAge(Date.parse(locks.takenAt) - Date.parse(h.startedAt)) : '?';
    const r = roles.get(h.pid);
    const role = r ? ROLE_WORD[r.role] : '?';
    const lockText = h.locks.length > 0 ? h.locks.map(shortLockName).join(' ') : locks.source === '/proc/locks' ? '-' : '? (no lock table)';
    table.push([
      String(h.pid),
      escapeControl(h.user ?? '?'),
      age,
      h.lockscope ? 'lockscope' : r?.stopped ? `STOPPED (${h.run?.state ?? '?'})\n${role}` : role,
      shortCommand(h.command) ?? '?',
      h.files === undefined ? '? (not readable)' : h.files.join(' ') || '-',
      lockText,
    ]);
  }
  return table.toString();
}

const ROLE_WORD: Record<HolderRole, string> = {
  exclusive: 'exclusive',
  committing: 'committing',
  writer: 'writing',
  checkpointer: 'checkpoint',
  recovering: 'recovering',
  reader: 'reading',
  idle: 'idle',
  open: 'open',
};

const LEGEND =
  '  locks: SHARED/RESERVED/PENDING/EXCLUSIVE on the database file; WRITE, CKPT, RECOVER = the WAL write, checkpoint and recovery locks; READn@f = read mark n pinning frame f; DMS = attached to the wal-index';

const GAP_WORDS: { [K in VisibilityGap['kind']]: (gap: Extract<VisibilityGap, { kind: K }>) => string } = {
  'outside-pid-namespace': () => 'locks of processes outside this PID namespace (container)',
  'other-users-files': (g) => `open files of ${plural(g.processes, 'process', 'processes')} of other users (not root)`,
  hidepid: () => 'processes hidden by /proc hidepid',
  'ofd-owners': (g) => `owners of ${plural(g.locks, 'OFD lock')}`,
};

function gapWords(gap: VisibilityGap): string {
  return (GAP_WORDS[gap.kind] as (g: VisibilityGap) => string)(gap);
}

/** The lines a user acts on: the diagnosis in the facts, in words. */
function nowLines(locks: LockFacts, diagnosis: LockDiagnosis, style: Style): string[] {
  const at = locks.takenAt;
  const lines: string[] = [];
  const line = (label: string, text: string) => lines.push(`  ${style.bold(label.padEnd(24))} ${escapeControl(text)}`);
  const states = diagnosis.lockStates;
  if (states === null) {
    line('lock states', 'unknown: there is no /proc/locks here (see lock-visibility)');
    return lines;
  }
  const byPid = new Map<number, LockHolder>(locks.holders.map((h) => [h.pid, h]));
  const stopped = new Set(diagnosis.roles.filter((r) => r.stopped).map((r) => r.pid));
  const holder = (pid: number): LockHolder => byPid.get(pid) ?? { pid, locks: [] };
  const label = (pid: number) => processLabel(holder(pid), at);
  line(
    'writing now',
    states.writerPids.length > 0
      ? states.writerPids.map((pid) => `${label(pid)} holds ${writeLockName(holder(pid))}${stopped.has(pid) ? ` and is STOPPED (state ${holder(pid).run?.state ?? '?'})` : ''}`).join('; ')
      : 'nobody',
  );
  if (states.checkpointBlockers !== null) {
    const blockers = states.checkpointBlockers.map((b) =>
      b.slot === 0
        ? `${label(b.pid)} reads with read mark 0: no frame can be copied back while it lasts (${plural(b.frames, 'frame')} waiting)`
        : `${label(b.pid)} pins read mark ${b.slot} at frame ${formatCount(b.pinsFrame ?? 0)}: ${plural(b.frames, 'frame')} cannot be checkpointed`,
    );
    line('blocking the checkpoint', blockers.length > 0 ? blockers.join('; ') : 'nobody');
  }
  if (states.commitBlockingReaderPids !== null) {
    line('reading (commits wait)', states.commitBlockingReaderPids.length > 0 ? states.commitBlockingReaderPids.map(label).join('; ') : 'nobody');
  }
  const committing = states.waitingToCommitPids;
  line(
    'waiting',
    committing.length > 0 ? `${committing.map(label).join('; ')} waits to commit until the readers finish (PENDING); other ${WAITERS}` : `none visible — ${WAITERS}`,
  );
  if (diagnosis.cannotSee.length > 0) line('cannot see', `${diagnosis.cannotSee.map(gapWords).join('; ')} (see lock-visibility)`);
  return lines;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

/** The PROGRESS column; `stopped` also names the state. */
const ACTIVITY_WORD: Record<SampledActivity, string> = { stopped: 'STOPPED', 'no-hold': '–', unknown: '?', progressed: 'yes', 'no-progress': 'NONE' };

function samplingTable(s: LockSampleFacts): string {
  const table = new Table({
    head: ['PID', 'COMMAND', 'WRITE', 'HOLDS', 'LONGEST', 'P50', 'P99', 'READ LONGEST', 'PINNED', 'PROGRESS'],
    style: { head: [], border: [] },
    colWidths: [9, 24, 8, 7, 10, 9, 9, 14, 18, 12],
    wordWrap: true,
    wrapOnWordBoundary: false,
  });
  const ms = (n: number | null | undefined) => (n === null || n === undefined ? '–' : formatMs(n));
  for (const p of s.processes) {
    const w = p.write;
    const r = p.read;
    const pinned = r && r.longestPinnedMs > 0 ? `${formatMs(r.longestPinnedMs)} (${formatCount(r.maxFramesBehind)} fr)` : '–';
    const progress = p.activity === 'stopped' ? `STOPPED (${p.runAtEnd?.state ?? '?'})` : ACTIVITY_WORD[p.activity ?? 'unknown'];
    table.push([
      String(p.pid),
      p.lockscope ? `[lockscope] ${shortCommand(p.command) ?? '?'}` : (shortCommand(p.command) ?? '?'),
      w ? pct(w.share) : '–',
      w ? String(w.acquisitions) : '–',
      w ? `${w.heldAtStart || w.heldAtEnd ? '≥' : ''}${ms(w.longestMs)}` : '–',
      ms(w?.p50Ms),
      ms(w?.p99Ms),
      r ? `${r.heldAtStart || r.heldAtEnd ? '≥' : ''}${ms(r.longestMs)}` : '–',
      pinned,
      progress,
    ]);
  }
  return table.toString();
}

function header(db: DatabaseReport, facts: AuditFacts | undefined, style: Style): string {
  const parts = [style.bold(escapeControl(db.path))];
  if (facts?.header) {
    parts.push(facts.header.walEnabled ? 'WAL' : 'rollback journal');
    if (!isGatherError(facts.shm) && facts.shm?.header) {
      const s = facts.shm.header;
      parts.push(`mxFrame ${formatCount(s.mxFrame)}, nBackfill ${formatCount(s.nBackfill)} (${facts.shm.trusted ? 'live' : 'possibly stale'})`);
    }
  }
  return parts.join(' · ');
}

function databaseSection(db: DatabaseReport, opts: TextOptions): string[] {
  const { style } = opts;
  const facts = db.facts && isFactsOf(db.facts, 'sqlite') ? db.facts : undefined;
  const lines = [header(db, facts, style)];
  if (db.error) {
    lines.push(`${style.red('☠')} ${escapeControl(db.error.message)} ${style.dim(`[${db.error.code}]`)}`);
    return lines;
  }
  if (facts && !isGatherError(facts.locks)) {
    const locks = facts.locks;
    const diagnosis = locks.diagnosis;
    if (locks.holders.length > 0) lines.push(holdersTable(locks, diagnosis), style.dim(LEGEND));
    else lines.push('  no process holds a lock on these files or has them open');
    if (diagnosis) lines.push(...nowLines(locks, diagnosis, style));
  }
  const samples = facts?.lockSamples;
  if (samples && !isGatherError(samples)) {
    lines.push(
      '',
      style.bold(
        `Sampled ${formatMs(samples.windowMs)} at ${samples.hz} Hz: ${formatCount(samples.samples)} samples, largest gap ${formatMs(samples.maxGapMs)}; lockscope used ${pct(samples.samplerCpuShare)} of one core`,
      ),
    );
    lines.push(samples.processes.length > 0 ? samplingTable(samples) : '  no process held a lock on these files during the window');
  } else if (samples && isGatherError(samples)) {
    lines.push(`  sampling failed: ${escapeControl(samples.error.message)}`);
  }
  lines.push('');
  for (const f of db.findings ?? []) lines.push(...formatFinding(f, opts));
  return lines;
}

export function formatLocksText(report: Report, opts: TextOptions): string {
  const out: string[] = [];
  for (const db of report.databases) out.push(...databaseSection(db, opts), '');
  out.push(summaryLine(report, opts.style));
  return `${out.join('\n')}\n`;
}
