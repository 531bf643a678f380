/**
 * Text output of `lockscope locks`: per database, a table of the processes that hold locks or have the
 * files open, a summary to act on (who writes, who blocks the checkpoint, who waits, what cannot be seen),
 * the sampled hold times with --for, then the findings and one summary line. Pure: (report, opts) → string.
 * Everything that came from /proc or the filesystem is escaped (command lines can hold escape sequences).
 */
import Table from 'cli-table3';
import { escapeControl } from '../escape.js';
import type { AuditFacts, LockFacts, LockSampleFacts } from '../facts/types.js';
import { isGatherError, isStopped } from '../facts/types.js';
import { shortLockName } from '../facts/proc-locks.js';
import { type HolderRole, framesPinned, formatAge, holderRole, plural, processLabel, shortCommand, writeLockName } from '../lock-words.js';
import type { DatabaseReport, Report } from '../model.js';
import { formatCount, formatMs } from '../units.js';
import type { Style } from './style.js';
import { type TextOptions, formatFinding, summaryLine } from './text.js';

const WAITERS =
  'connections waiting for a lock are invisible: SQLite polls in its busy handler and holds no lock while it waits (only a rollback-mode commit waiting for readers shows, as PENDING)';

function holdersTable(locks: LockFacts, walEnabled: boolean): string {
  const table = new Table({
    head: ['PID', 'USER', 'RUNNING', 'STATE', 'COMMAND', 'FILES', 'LOCKS'],
    style: { head: [], border: [] },
    colWidths: [9, 10, 9, 12, 40, 14, 26],
    wordWrap: true,
    wrapOnWordBoundary: false,
  });
  for (const h of locks.holders) {
    const age = h.startedAt && locks.takenAt ? formatAge(Date.parse(locks.takenAt) - Date.parse(h.startedAt)) : '?';
    const role = holderRole(h, walEnabled);
    const lockText = h.locks.length > 0 ? h.locks.map(shortLockName).join(' ') : locks.source === '/proc/locks' ? '-' : '? (no lock table)';
    table.push([
      String(h.pid),
      escapeControl(h.user ?? '?'),
      age,
      h.lockscope ? 'lockscope' : isStopped(h.run) ? `STOPPED (${h.run!.state})\n${ROLE_WORD[role]}` : ROLE_WORD[role],
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

/** The lines a user acts on. */
function nowLines(facts: AuditFacts, locks: LockFacts, style: Style): string[] {
  const at = locks.takenAt;
  const wal = facts.header.walEnabled;
  const shm = !isGatherError(facts.shm) && facts.shm?.header ? facts.shm.header : null;
  const lines: string[] = [];
  const line = (label: string, text: string) => lines.push(`  ${style.bold(label.padEnd(24))} ${escapeControl(text)}`);
  if (locks.source !== '/proc/locks') {
    line('lock states', 'unknown: there is no /proc/locks here (see lock-visibility)');
    return lines;
  }
  const roles = locks.holders.map((h) => ({ h, role: holderRole(h, wal) }));
  const writers = roles.filter((r) => ['exclusive', 'committing', 'writer'].includes(r.role) || (r.role === 'checkpointer' && r.h.locks.some((l) => l.name === 'wal-write')));
  line('writing now', writers.length > 0 ? writers.map((r) => `${processLabel(r.h, at)} holds ${writeLockName(r.h)}${isStopped(r.h.run) ? ` and is STOPPED (state ${r.h.run!.state})` : ''}`).join('; ') : 'nobody');

  if (wal) {
    const blockers: string[] = [];
    for (const { h } of roles) {
      for (const l of h.locks) {
        if (l.mode !== 'shared') continue;
        if (l.name === 'wal-read-0' && shm && shm.mxFrame > shm.nBackfill) {
          blockers.push(`${processLabel(h, at)} reads with read mark 0: no frame can be copied back while it lasts (${plural(shm.mxFrame - shm.nBackfill, 'frame')} waiting)`);
        } else if (l.pinsFrame !== undefined && l.pinsFrame !== null) {
          const frames = framesPinned(l, shm?.mxFrame ?? null);
          if (frames !== null && frames > 0) {
            blockers.push(`${processLabel(h, at)} pins ${l.name.replace('wal-read-', 'read mark ')} at frame ${formatCount(l.pinsFrame)}: ${plural(frames, 'frame')} cannot be checkpointed`);
          }
        }
      }
    }
    line('blocking the checkpoint', blockers.length > 0 ? blockers.join('; ') : 'nobody');
  } else {
    const readers = roles.filter((r) => r.role === 'reader');
    line('reading (commits wait)', readers.length > 0 ? readers.map((r) => processLabel(r.h, at)).join('; ') : 'nobody');
  }
  const committing = roles.filter((r) => r.role === 'committing');
  line(
    'waiting',
    committing.length > 0
      ? `${committing.map((r) => processLabel(r.h, at)).join('; ')} waits to commit until the readers finish (PENDING); other ${WAITERS}`
      : `none visible — ${WAITERS}`,
  );
  const gaps: string[] = [];
  const v = locks.visibility;
  if (v) {
    if (v.pidNamespace === 'nested') gaps.push('locks of processes outside this PID namespace (container)');
    if (v.unreadableProcesses > 0) gaps.push(`open files of ${plural(v.unreadableProcesses, 'process', 'processes')} of other users (not root)`);
    if (v.hidepid) gaps.push('processes hidden by /proc hidepid');
    if (v.ofdLocks > 0 && v.ofdHolders.length === 0) gaps.push(`owners of ${plural(v.ofdLocks, 'OFD lock')}`);
  }
  if (gaps.length > 0) line('cannot see', `${gaps.join('; ')} (see lock-visibility)`);
  return lines;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

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
    // Progress only matters for a process that held a transaction; an idle connection is expected to sleep.
    const progress = isStopped(p.runAtEnd) ? `STOPPED (${p.runAtEnd!.state})` : !w && !r ? '–' : p.progress === null ? '?' : p.progress.progressed ? 'yes' : 'NONE';
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
  const facts = db.facts;
  const lines = [header(db, facts, style)];
  if (db.error) {
    lines.push(`${style.red('☠')} ${escapeControl(db.error.message)} ${style.dim(`[${db.error.code}]`)}`);
    return lines;
  }
  if (facts && !isGatherError(facts.locks)) {
    const locks = facts.locks;
    if (locks.holders.length > 0) lines.push(holdersTable(locks, facts.header.walEnabled), style.dim(LEGEND));
    else lines.push('  no process holds a lock on these files or has them open');
    lines.push(...nowLines(facts, locks, style));
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
