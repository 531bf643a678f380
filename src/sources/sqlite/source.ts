/**
 * The SQLite source: a database file and its -wal/-shm/-journal, read raw, plus who holds its locks in
 * /proc/locks. Each member delegates to the SQLite functions (gather.ts, targets.ts), so the contract adds no
 * behaviour; audit and locks reach them only through it.
 */
import { type DatabaseReport, type SqliteFacts, STACKS, factsSource } from '../../core/model.js';
import { isGatherError } from '../../core/facts.js';
import type { Source, SummaryRow } from '../../core/source.js';
import { formatBytes, formatCount } from '../../core/units.js';
import { gatherAuditFacts } from './gather.js';
import { dedupeByFile, expandDatabases } from './targets.js';

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
    context.signal?.throwIfAborted();
    return gatherAuditFacts(target);
  },
  categories: ['audit', 'locks', 'checkpoint', 'stress'],
  owns: (facts): facts is SqliteFacts => factsSource(facts) === 'sqlite',
  summarise: sqliteSummary,
  stacks: STACKS,
};
