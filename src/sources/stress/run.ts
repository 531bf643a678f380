/**
 * A stress run from start to end: read the target's header (before any thread opens a connection),
 * resolve the knobs, prepare a scratch database (or the live table), run the workload, clean up —
 * whatever happens — and return the stress facts. `--compare` runs the same workload again under the
 * recommended settings on a scratch database of its own.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gatherAuditFacts } from '../sqlite/gather.js';
import { gatherFilesystem } from '../sqlite/filesystem.js';
import type { AppSettings, AuditFacts, GatherError } from '../../core/facts.js';
import { type Progress, RunControl, type RunSpec, StressRunError, runWorkload } from './harness.js';
import type { Stack } from '../../core/model.js';
import { KnobError, type StressKnobFlags, driverKnobDefaults, recommendedWorkload, resolveWorkload } from './knobs.js';
import { LiveError, dropLiveTable, prepareLiveTable } from './live.js';
import { SCRATCH_TABLE, ScratchError, createScratch, filesystemIdentity, removeLeftovers, removeScratch } from './scratch.js';
import { processInterrupts } from '../../cli/io.js';
import { withInterruptSignals } from './signals.js';
import type { CompareArm, ScratchInfo, StressFacts, StressResult, StressWorkload } from '../../core/stress-facts.js';

export { KnobError, LiveError, RunControl, ScratchError, StressRunError };

export interface StressRunOptions {
  flags: StressKnobFlags;
  /** The app's declared settings: defaults for the knobs the flags leave out. */
  app: AppSettings;
  /** The app's stack (--stack / config `stack`): its driver's defaults fill the knobs still undeclared. */
  stack?: Stack | null;
  scratchDir?: string;
  live?: boolean;
  compare?: boolean;
  control?: RunControl;
  onProgress?: (arm: 'current' | 'recommended', p: Progress) => void;
  /** How often onProgress is called, ms (default 1000). */
  progressEveryMs?: number;
  /** Things the user should know that are not results: leftovers removed, the scratch path. */
  onNotice?: (message: string) => void;
  sampleCapacity?: number;
}

export interface StressOutcome {
  /** The target's audit facts, read before the run, with `stress` set. */
  facts: AuditFacts;
  stress: StressFacts;
  /** `--compare`: the current and the recommended arm. */
  compare: CompareArm[] | null;
}

function nameOfFilesystem(dir: string): string {
  try {
    return gatherFilesystem(dir).name;
  } catch {
    return 'unknown';
  }
}

function scratchDirectory(facts: AuditFacts, scratchDir: string | undefined): string {
  const dir = resolve(scratchDir ?? dirname(facts.realPath));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'ENOENT';
    throw new ScratchError(code, `--scratch-dir ${dir}: no such directory`);
  }
  if (!isDir) throw new ScratchError('ENOTDIR', `--scratch-dir ${dir}: not a directory`);
  return dir;
}

interface ArmResult {
  result: StressResult;
  scratch: ScratchInfo | null;
  leftovers: string[];
}

/** One workload on its own scratch database, removed afterwards whatever happens. */
async function runOnScratch(facts: AuditFacts, workload: StressWorkload, opts: StressRunOptions, arm: 'current' | 'recommended'): Promise<ArmResult> {
  const dir = scratchDirectory(facts, opts.scratchDir);
  const leftovers = removeLeftovers(dir);
  for (const l of leftovers) opts.onNotice?.(`removed ${l.path}, left by an earlier lockscope stress run (pid ${l.pid}) that was killed before it could clean up`);
  const path = createScratch(dir, facts.realPath, {
    pageSizeBytes: workload.pageSizeBytes,
    autoVacuum: workload.autoVacuum,
    journalMode: workload.journalMode,
    pattern: workload.pattern,
  });
  const targetDir = dirname(facts.realPath);
  const a = filesystemIdentity(dir);
  const b = filesystemIdentity(targetDir);
  const scratch: ScratchInfo = {
    path,
    directory: dir,
    nextToTarget: dir === targetDir,
    filesystem: nameOfFilesystem(dir),
    targetFilesystem: nameOfFilesystem(targetDir),
    sameDevice: a.dev === b.dev,
    sameFilesystemType: a.type === b.type,
    removed: false,
  };
  const spec: RunSpec = {
    dbPath: path,
    table: SCRATCH_TABLE,
    workload,
    target: 'scratch',
    journalModePragma: workload.journalMode === 'wal' || workload.journalMode === 'delete' ? null : workload.journalMode,
    walAutocheckpointPragma: opts.app.walAutocheckpointPages ?? null,
    journalSizeLimitPragma: opts.app.journalSizeLimitBytes ?? null,
    onProgress: opts.onProgress ? (p) => opts.onProgress?.(arm, p) : undefined,
    progressEveryMs: opts.progressEveryMs,
    control: opts.control,
    sampleCapacity: opts.sampleCapacity,
  };
  try {
    return { result: await runWorkload(spec), scratch, leftovers: leftovers.map((l) => l.path) };
  } finally {
    scratch.removed = removeScratch(path);
  }
}

function assertWritable(path: string): void {
  for (const p of [path, dirname(path)]) {
    try {
      accessSync(p, constants.W_OK);
    } catch {
      throw new LiveError('EACCES', `--live needs write permission on ${p} (it creates and drops a table of its own)`);
    }
  }
}

async function runLive(facts: AuditFacts, workload: StressWorkload, opts: StressRunOptions): Promise<ArmResult & { table: string }> {
  assertWritable(facts.realPath);
  const { table, leftoversDropped } = prepareLiveTable(facts.realPath, Math.max(workload.busyTimeoutMs, 10_000));
  for (const t of leftoversDropped) opts.onNotice?.(`dropped table ${t} from ${facts.path}, left by an earlier lockscope stress --live run that was killed before it could clean up`);
  const spec: RunSpec = {
    dbPath: facts.realPath,
    table,
    workload,
    target: 'live',
    journalModePragma: null,
    walAutocheckpointPragma: opts.app.walAutocheckpointPages ?? null,
    journalSizeLimitPragma: opts.app.journalSizeLimitBytes ?? null,
    onProgress: opts.onProgress ? (p) => opts.onProgress?.('current', p) : undefined,
    progressEveryMs: opts.progressEveryMs,
    control: opts.control,
    sampleCapacity: opts.sampleCapacity,
  };
  try {
    return { result: await runWorkload(spec), scratch: null, leftovers: leftoversDropped, table };
  } finally {
    dropLiveTable(facts.realPath, table, Math.max(workload.busyTimeoutMs, 10_000));
  }
}

function armOf(arm: 'current' | 'recommended', result: StressResult): CompareArm {
  const w = result.workload;
  return { arm, settings: { journalMode: w.journalMode, busyTimeoutMs: w.busyTimeoutMs, tx: w.tx, synchronous: w.synchronous }, ...result };
}

/** Runs the stress on a target whose audit facts were already gathered (by `audit --stress`, or by runStress). */
export async function runStressOnFacts(facts: AuditFacts, opts: StressRunOptions): Promise<{ stress: StressFacts; compare: CompareArm[] | null }> {
  if (opts.live && opts.compare) throw new KnobError('--compare runs on scratch databases and cannot be combined with --live');
  if (opts.live && opts.scratchDir) throw new KnobError('--scratch-dir and --live exclude each other');
  const workload = resolveWorkload(opts.flags, opts.app, facts.header, driverKnobDefaults(opts.stack ?? null));
  if (opts.live) {
    const run = await runLive(facts, workload, opts);
    const stress: StressFacts = {
      ...run.result,
      scratch: null,
      liveTable: run.table,
      leftoversRemoved: run.leftovers,
      interrupted: opts.control?.interrupted ?? null,
      recommended: null,
    };
    return { stress, compare: null };
  }
  const current = await runOnScratch(facts, workload, opts, 'current');
  let compare: CompareArm[] | null = null;
  let recommended: CompareArm | null = null;
  if (opts.compare && !opts.control?.interrupted) {
    const other = await runOnScratch(facts, recommendedWorkload(workload), opts, 'recommended');
    recommended = armOf('recommended', other.result);
    compare = [armOf('current', current.result), recommended];
  }
  const stress: StressFacts = {
    ...current.result,
    scratch: current.scratch,
    liveTable: null,
    leftoversRemoved: current.leftovers,
    interrupted: opts.control?.interrupted ?? null,
    recommended,
  };
  return { stress, compare };
}

/** `lockscope stress <db>`: reads the target's facts first (read-only, before any connection), then runs. */
export async function runStress(path: string, opts: StressRunOptions): Promise<StressOutcome> {
  const facts = gatherAuditFacts(path);
  const { stress, compare } = await runStressOnFacts(facts, opts);
  return { facts: { ...facts, stress }, stress, compare };
}

/** The short default stress of `audit --stress`: the app's own settings, the read-then-write pattern. */
export const AUDIT_STRESS_FLAGS: StressKnobFlags = { writers: 4, durationMs: 2000, pattern: 'read-then-write' };

/**
 * For `audit --stress`: runs the short default stress on a scratch database next to the target and
 * returns the facts to store under `AuditFacts.stress` (a GatherError when it could not run, so only
 * the stress checks are skipped). Call it after the audit's own reads of the target, never during.
 */
export async function runStressForAudit(
  facts: AuditFacts,
  app: AppSettings,
  options: Partial<Omit<StressRunOptions, 'app' | 'live' | 'compare'>> = {},
): Promise<StressFacts | GatherError> {
  const flags = { ...AUDIT_STRESS_FLAGS, ...(options.flags ?? {}) };
  try {
    // Ctrl-C/SIGTERM during the run stop it and remove the scratch database, unless the caller handles signals.
    const { stress } = options.control
      ? await runStressOnFacts(facts, { ...options, flags, app })
      : await withInterruptSignals(processInterrupts(), (control) => runStressOnFacts(facts, { ...options, flags, app, control }));
    return stress;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { error: { code: e.code ?? 'ERROR', message: e.message ?? String(err) } };
  }
}
