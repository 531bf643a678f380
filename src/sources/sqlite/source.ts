/**
 * The SQLite source: a database file and its -wal/-shm/-journal, read raw, plus who holds its locks in
 * /proc/locks. Each member delegates to the SQLite functions (gather.ts, targets.ts), so the contract adds no
 * behaviour; audit and locks reach them only through it.
 */
import { type DatabaseReport, type HolderEntry, type ReportSections, type SqliteFacts, STACKS, factsSource } from '../../core/model.js';
import { type Gathered, type LockFacts, isGatherError } from '../../core/facts.js';
import type { GatherContext, Source, SummaryRow } from '../../core/source.js';
import { formatBytes, formatCount } from '../../core/units.js';
import { sampleLocks } from '../proc/sampler.js';
import { appSettingRows } from './app-settings.js';
import { runCheckpoint } from './checkpoint.js';
import { diagnose, gatherAuditFacts, gatherLocks, pathInputError } from './gather.js';
import { dedupeByFile, expandDatabases } from './targets.js';

/** The `holders` section of `locks`: who holds which lock now (names are part of the JSON interface). */
export function holdersSection(locks: Gathered<LockFacts>): HolderEntry[] {
  if (isGatherError(locks)) return [];
  return locks.holders.map((h) => ({
    pid: h.pid,
    user: h.user ?? null,
    uid: h.uid ?? null,
    command: h.command ?? null,
    startedAt: h.startedAt ?? null,
    files: h.files ?? null,
    state: h.run?.state ?? null,
    lockscope: h.lockscope === true,
    locks: h.locks.map((l) => ({ ...l })),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Saved SQLite facts (--from-facts), checked as far as the renderers and the runner rely on their shape. */
export function readSqliteFacts(v: unknown): SqliteFacts {
  const fail = (what: string) => new Error(what);
  if (!isObject(v)) throw fail('missing or not an object');
  if (typeof v.path !== 'string' || typeof v.realPath !== 'string') throw fail('"path" and "realPath" must be strings');
  if (!isObject(v.header) || typeof v.header.walEnabled !== 'boolean') throw fail('"header" is not a database header');
  if (!isObject(v.files)) throw fail('"files" is not an object');
  for (const k of ['db', 'wal', 'shm', 'journal']) {
    const f = v.files[k];
    if (!isObject(f) || typeof f.exists !== 'boolean') throw fail(`"files.${k}" is not a file description`);
  }
  for (const k of ['wal', 'shm', 'journal', 'locks', 'filesystem', 'directory']) {
    if (!(k in v)) throw fail(`"${k}" is missing`);
  }
  // Files saved by earlier versions wrote null for a checkpoint or stress that did not run: absent now.
  for (const k of ['checkpoint', 'stress', 'lockSamples']) if (v[k] === null) delete v[k];
  return v as unknown as SqliteFacts;
}

/** One read of the files; for `locks`, lsof stands in where /proc/locks is missing. */
function readOnce(target: string, context: GatherContext): SqliteFacts {
  context.signal?.throwIfAborted();
  const facts: SqliteFacts = gatherAuditFacts(target, context.purpose === 'watch' ? { lockScan: 'holders' } : {});
  if (context.purpose === 'locks' && isGatherError(facts.locks)) {
    const marks = !isGatherError(facts.shm) && facts.shm?.header ? facts.shm.header.readMarks : null;
    facts.locks = gatherLocks(facts.files, marks, undefined, { lsofFallback: true });
    diagnose(facts.locks, facts.header, facts.shm);
  }
  return facts;
}

/** The facts table: the header, the files' sizes, the live wal-index and the filesystem. */
export function sqliteSummary(facts: SqliteFacts): SummaryRow[] {
  const h = facts.header;
  // Facts read back from a file may lack the header (the text output then shows no table, as before).
  if (!h) return [];
  const rows: SummaryRow[] = [
    ['mode', h.walEnabled ? 'WAL (stored in the file)' : 'rollback journal (file format 1)'],
    ['page size', `${formatCount(h.pageSizeBytes)} B · ${formatCount(h.pageCount)} pages · auto_vacuum ${h.autoVacuum}`],
    ['written by', `SQLite ${h.sqliteVersion} (the app's library, from the header)`],
  ];
  const size = (info: { exists: boolean; sizeBytes?: number }) => (info.exists ? formatBytes(info.sizeBytes ?? 0) : 'absent');
  rows.push(['files', `db ${size(facts.files.db)} · -wal ${size(facts.files.wal)} · -shm ${size(facts.files.shm)} · -journal ${size(facts.files.journal)}`]);
  if (!isGatherError(facts.shm) && facts.shm?.header) {
    const s = facts.shm.header;
    rows.push(['wal-index', `mxFrame ${formatCount(s.mxFrame)} · nBackfill ${formatCount(s.nBackfill)} · ${facts.shm.trusted ? 'live' : 'possibly stale'}`]);
  }
  if (!isGatherError(facts.filesystem)) rows.push(['filesystem', `${facts.filesystem.name} (${facts.filesystem.class})`]);
  return rows;
}

export const sqliteSource: Source<SqliteFacts> = {
  id: 'sqlite',
  describe: 'SQLite database files (paths or globs): the file, its -wal/-shm/-journal, and their holders in /proc/locks',
  // Paths and globs: anything that is not a URL (scheme://…), which would belong to another kind of source.
  claims: (entry) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry),
  resolveTargets({ entries, baseDir, display, cwd }) {
    // Each entry's paths, then its unmatched report; the same file named twice (or through a link) once,
    // under its first spelling.
    const perEntry = entries.flatMap((entry) => {
      const list = expandDatabases([entry], baseDir, display, cwd);
      return [...list.paths, ...list.unmatched];
    });
    const inOrder = dedupeByFile(perEntry, cwd);
    return {
      targets: inOrder.filter((t): t is string => typeof t === 'string'),
      unmatched: inOrder.filter((t): t is DatabaseReport => typeof t !== 'string'),
      inOrder,
    };
  },
  gather(target, context) {
    const facts = readOnce(target, context);
    if (!context.checkpoint) return facts;
    // --checkpoint: the one write the audit makes, through a connection of its own; the rest of the report
    // describes the database as the checkpoint left it.
    const checkpoint = runCheckpoint(facts, context.checkpoint.mode, context.checkpoint.timeoutMs);
    return { ...readOnce(target, context), checkpoint };
  },
  steps: ['checkpoint', 'sample'],
  inputError: pathInputError,
  readFacts: readSqliteFacts,
  describeApp: (app, stack, facts) => appSettingRows(app, stack, facts.header?.walEnabled),
  async sample(targets, window) {
    let samples;
    try {
      samples = await sampleLocks(
        targets.map(({ facts }) => ({ files: facts.files, walEnabled: facts.header.walEnabled })),
        { durationMs: window.durationMs, hz: window.hz, signal: window.signal, onProgress: window.onProgress },
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const error = { error: { code: e.code ?? 'ERROR', message: `the lock table could not be sampled: ${e.message ?? String(err)}` } };
      samples = targets.map(() => error);
    }
    // The holders describe the database as the window ended; a target that cannot be read any more is its error.
    return targets.map(({ target }, i) => {
      try {
        return { facts: { ...readOnce(target, { purpose: 'locks' }), lockSamples: samples[i]! } };
      } catch (err) {
        return { error: pathInputError(target, err) };
      }
    });
  },
  lockSections(facts): ReportSections {
    const sections: ReportSections = { holders: holdersSection(facts.locks) };
    if (facts.lockSamples !== undefined) sections.sampling = facts.lockSamples;
    return sections;
  },
  categories: ['audit', 'locks', 'checkpoint', 'stress'],
  owns: (facts): facts is SqliteFacts => factsSource(facts) === 'sqlite',
  summarise: sqliteSummary,
  stacks: STACKS,
};
