import { defineCheck } from '../src/core/check.js';
import type { Fix } from '../src/core/model.js';

/** "3.40.1" from SQLITE_VERSION_NUMBER (X*1000000 + Y*1000 + Z, c3ref/c_source_id.html). */
function dotted(n: number): string {
  return `${Math.floor(n / 1_000_000)}.${Math.floor((n % 1_000_000) / 1000)}.${n % 1000}`;
}

export interface KnownBug {
  /** Stable id, used in evidence. */
  id: string;
  /** One line: what goes wrong. */
  title: string;
  /** What it does to an app, and when. */
  effect: string;
  /** Versions affected, in words, as SQLite documents them. */
  affected: string;
  /** First release with the fix (SQLITE_VERSION_NUMBER). */
  fixedIn: number;
  /** Patch releases of older branches that carry the fix: a version in [fixedIn, next minor) is fixed. */
  backports?: readonly number[];
  /** Only matters for databases in WAL mode. */
  walOnly: boolean;
  /** SQLite's own pages: the description, and the release that fixed it. */
  links: readonly string[];
}

/**
 * WAL and locking problems fixed in known SQLite releases. Every entry was checked against SQLite's own
 * release history (changes.html, shipped by Debian as /usr/share/doc/sqlite3/changelog.html.gz) or the
 * SQLite pages and announcements named in checks/sqlite-version.md; an entry that could not be checked
 * is not here. Sorted by fixedIn.
 */
export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'wal-restart-power-loss',
    title: 'WAL restart without a sync could corrupt the database on power loss (ticket ff5be73dee)',
    effect:
      'a power loss while the WAL was being overwritten from the start could replay old transactions out of order and corrupt the database',
    affected: '3.7.0 to 3.7.9 (every version with WAL before the fix)',
    fixedIn: 3_007_010,
    walOnly: true,
    links: ['https://www.sqlite.org/src/tktview/ff5be73dee', 'https://www.sqlite.org/releaselog/3_7_10.html'],
  },
  {
    id: 'wal-large-transactions',
    title: 'A transaction larger than the page cache could write the same page to the WAL many times',
    effect: 'large write transactions could make the -wal file far larger than the data they changed',
    affected: 'WAL versions before 3.11.0',
    fixedIn: 3_011_000,
    walOnly: true,
    links: ['https://www.sqlite.org/wal.html#bigwal', 'https://www.sqlite.org/releaselog/3_11_0.html'],
  },
  {
    id: 'readonly-wal',
    title: 'Reading a WAL database needed write access to -shm (or to the directory)',
    effect:
      'a process without write permission on the -shm file or the directory could not even read a WAL database; from 3.22.0 it can, as long as -wal and -shm exist',
    affected: 'WAL versions before 3.22.0',
    fixedIn: 3_022_000,
    walOnly: true,
    links: ['https://www.sqlite.org/wal.html#readonly', 'https://www.sqlite.org/releaselog/3_22_0.html'],
  },
  {
    id: 'shm-recovery-with-readers',
    title: 'After a writer crashed, -shm recovery failed with SQLITE_PROTOCOL while readers were active',
    effect:
      'if a writer crashed and left the -shm inconsistent, the next transactions failed with SQLITE_PROTOCOL ("locking protocol") as long as some read transaction was open',
    affected: 'WAL versions before 3.33.0',
    fixedIn: 3_033_000,
    walOnly: true,
    links: ['https://www.sqlite.org/releaselog/3_33_0.html'],
  },
  {
    id: 'wal-reset',
    title: 'The WAL-reset bug: a race between two checkpoints and a writer could corrupt the database',
    effect:
      'with two or more connections writing or checkpointing at the same time, a checkpoint that misses a concurrent WAL reset leaves a wrong value in the wal-index header, and a later checkpoint can skip part of a transaction: lost commits or a corrupt database (rare: it needs tight timing)',
    affected: '3.7.0 to 3.51.2, except the 3.44.6 and 3.50.7 patch releases, which carry the fix',
    fixedIn: 3_051_003,
    backports: [3_044_006, 3_050_007],
    walOnly: true,
    links: ['https://sqlite.org/wal.html#walresetbug', 'https://www.sqlite.org/releaselog/3_51_3.html'],
  },
];

/** SQLite 3.7.0 (2010-07-21) is the first release that writes the version number at header offset 96. */
const FIRST_RECORDED = 3_007_000;
const MAX_PLAUSIBLE = 3_999_999;

export function affects(bug: KnownBug, version: number): boolean {
  if (version >= bug.fixedIn) return false;
  const minor = Math.floor(version / 1000);
  return !(bug.backports ?? []).some((b) => Math.floor(b / 1000) === minor && version >= b);
}

function upgradeFixes(version: string, target: number): Fix[] {
  const t = dotted(target);
  return [
    {
      summary: `Check which SQLite library the app really uses (the header shows the last one that rewrote page 1: ${version})`,
      shell: `python3 -c 'import sqlite3; print(sqlite3.sqlite_version)'`,
      docs: 'https://www.sqlite.org/lang_corefunc.html#sqlite_version',
    },
    { summary: 'Or from SQL, on the app\'s own connection', sql: 'SELECT sqlite_version();' },
    {
      summary: `Python: the sqlite3 module uses the system libsqlite3; upgrade it (the OS package), or use a Python build that bundles ${t} or later`,
      stack: 'python',
      code: 'import sqlite3\nprint(sqlite3.sqlite_version)',
    },
    {
      summary: `better-sqlite3 bundles its own SQLite: upgrade the package (12.8.0 bundles 3.51.3)`,
      stack: 'better-sqlite3',
      // Two lines inside one quoted argument, so that it fits a terminal and still pastes as one command.
      code: 'npm install better-sqlite3@latest\nnode -p "require(\'better-sqlite3\')(\':memory:\')\n  .prepare(\'select sqlite_version()\').pluck().get()"',
    },
    { summary: 'node-sqlite3 bundles its own SQLite: upgrade the package', stack: 'node-sqlite3', code: 'npm install sqlite3@latest' },
    {
      summary: 'Go mattn/go-sqlite3 compiles the SQLite amalgamation it ships: upgrade the module',
      stack: 'go',
      code: 'go get github.com/mattn/go-sqlite3@latest',
    },
  ];
}

export default defineCheck({
  id: 'sqlite-version',
  title: 'The SQLite that wrote the file has the known WAL and locking fixes',
  failureTitle: 'The SQLite that wrote the file has known WAL or locking bugs',
  description:
    'The SQLite version recorded in the header (the app\'s library, the last one that rewrote page 1) against a cited list of WAL and locking bugs fixed in later releases.',
  source: 'sqlite',
  category: 'audit',
  requires: ['header'],
  defaultSeverity: 'warn',
  messages: {
    unknown: ['info'],
    'known-bugs': ['warn'],
    'wal-bugs-not-wal': ['info'],
    current: ['pass'],
  },
  thresholds: {},
  run({ header }) {
    const n = header.sqliteVersionNumber;
    const newestFix = Math.max(...KNOWN_BUGS.map((b) => b.fixedIn));
    const baseEvidence = { sqliteVersionNumber: n, walEnabled: header.walEnabled, newestKnownFix: dotted(newestFix) };
    if (!Number.isInteger(n) || n < FIRST_RECORDED || n > MAX_PLAUSIBLE) {
      return {
        status: 'info',
        messageId: 'unknown',
        title: 'The header does not say which SQLite wrote the file',
        message:
          n === 0
            ? 'The header does not record which SQLite wrote the file (offset 96 is 0): SQLite before 3.7.0, or another tool, wrote it last. Run SELECT sqlite_version() from the app to know its library.'
            : `The header records version number ${n}, which is not a plausible SQLite 3 version: the file was last written by another tool. Run SELECT sqlite_version() from the app to know its library.`,
        evidence: { ...baseEvidence, sqliteVersion: null },
      };
    }
    const version = dotted(n);
    const hits = KNOWN_BUGS.filter((b) => affects(b, n));
    const relevant = hits.filter((b) => header.walEnabled || !b.walOnly);
    const caveat =
      'It is the last library that rewrote page 1 (in WAL mode that happens on schema changes and when the file grows, not on every commit), so the app may run a newer one now, and other processes may use older ones.';
    const evidence = {
      ...baseEvidence,
      sqliteVersion: version,
      knownBugs: hits.map((b) => b.id),
      ...(hits.length > 0 ? { upgradeTo: dotted(Math.max(...hits.map((b) => b.fixedIn))) } : {}),
    };
    if (relevant.length > 0) {
      const target = Math.max(...relevant.map((b) => b.fixedIn));
      const list = relevant
        .map((b, i) => `(${i + 1}) ${b.title}: ${b.effect}. Affects ${b.affected}; fixed in ${dotted(b.fixedIn)}. ${b.links.join(' ')}`)
        .join(' ');
      return {
        status: 'warn',
        messageId: 'known-bugs',
        message: `The header says SQLite ${version} last wrote this file, older than the fix for ${relevant.length} known WAL/locking problem(s): ${list} ${caveat}`,
        evidence: { ...evidence, upgradeTo: dotted(target) },
        fixes: upgradeFixes(version, target),
      };
    }
    if (hits.length > 0) {
      return {
        status: 'info',
        messageId: 'wal-bugs-not-wal',
        title: 'The SQLite that wrote the file has known WAL bugs, which do not apply in rollback-journal mode',
        message: `The header says SQLite ${version} last wrote this file. It predates the fix for ${hits.map((b) => b.id).join(', ')}, which only affect WAL mode; this database uses a rollback journal, so they do not apply unless it is switched to WAL. ${caveat}`,
        evidence,
      };
    }
    return {
      status: 'pass',
      messageId: 'current',
      message: `The header says SQLite ${version} last wrote this file: ${n >= newestFix ? `at or after ${dotted(newestFix)}, the newest fix` : 'a release that carries every fix'} in lockscope's list of ${KNOWN_BUGS.length} known WAL/locking bugs. ${caveat}`,
      evidence,
    };
  },
});
