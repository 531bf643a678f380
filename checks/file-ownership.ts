import { defineCheck } from '../src/core/check.js';
import type { FileInfo } from '../src/core/facts.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';

type Role = 'wal' | 'shm' | 'journal';
const SUFFIX: Record<Role, string> = { wal: '-wal', shm: '-shm', journal: '-journal' };

function octal(mode: number | undefined): string {
  return mode === undefined ? '?' : `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function who(f: FileInfo): string {
  return f.owner !== undefined ? `${f.owner} (uid ${f.uid})` : `uid ${f.uid ?? '?'}`;
}

/** Whether `uid`/`gid` may write the file, from its mode bits (root always may; ACLs are not read). */
export function modeAllowsFileWrite(f: FileInfo, uid: number, gid: number): boolean {
  if (uid === 0) return true;
  const mode = f.mode ?? 0;
  if (f.uid === uid) return (mode & 0o200) !== 0;
  if (f.gid === gid) return (mode & 0o020) !== 0;
  return (mode & 0o002) !== 0;
}

interface Examined {
  role: Role;
  file: FileInfo;
  sameOwner: boolean;
  writableByDbOwner: boolean;
}

function chownFixes(db: FileInfo, wrong: readonly Examined[]): Fix[] {
  const owner = db.owner ?? String(db.uid);
  const group = String(db.gid);
  const paths = wrong.map((e) => shellArg(e.file.path)).join(' ');
  return [
    {
      summary: `Give the files back to the database's owner (${owner}), with no process using the database`,
      shell: `chown ${shellArg(owner)}:${shellArg(group)} ${paths}`,
      caution: 'Run it while the app is stopped (or between its connections): a process that has them open keeps working on the same files, and a new one may recreate them.',
    },
    {
      summary: 'Stop the mismatch coming back: run every process that opens the database (cron jobs, backups, admin shells) as that same user',
      shell: `sudo -u ${shellArg(owner)} sqlite3 ${shellArg(db.path)} 'PRAGMA quick_check;'`,
      caution: 'A process of another user that opens the database read-only leaves -wal/-shm owned by itself on close; running as root is safe (SQLite gives new files the database\'s owner).',
    },
  ];
}

export default defineCheck({
  id: 'file-ownership',
  title: 'The database and its -wal/-shm/-journal files have one owner',
  failureTitle: "The database's files have mixed owners (\"attempt to write a readonly database\")",
  description:
    "Owners and mode bits of the database, -wal, -shm and -journal: a file the database's owner cannot write makes every write of the app fail.",
  source: 'sqlite',
  category: 'audit',
  requires: ['files'],
  defaultSeverity: 'fail',
  messages: {
    'owner-unknown': ['skip'],
    'not-writable-by-owner': ['fail'],
    'db-read-only': ['warn'],
    'mixed-owners': ['warn'],
    consistent: ['pass'],
  },
  thresholds: {},
  run({ files }) {
    const db = files.db;
    if (db.uid === undefined || db.gid === undefined) {
      return {
        status: 'skip',
        messageId: 'owner-unknown',
        message: "lockscope could not read the database file's owner, so it cannot compare the other files with it.",
        evidence: { dbUid: null },
      };
    }
    const dbUid = db.uid;
    const dbGid = db.gid;
    const examined: Examined[] = (['wal', 'shm', 'journal'] as const)
      .filter((role) => files[role].exists)
      .map((role) => ({
        role,
        file: files[role],
        sameOwner: files[role].uid === dbUid,
        writableByDbOwner: modeAllowsFileWrite(files[role], dbUid, dbGid),
      }));
    const dbWritable = modeAllowsFileWrite(db, dbUid, dbGid);
    const evidence = {
      dbUid,
      dbGid,
      dbMode: octal(db.mode),
      dbWritableByOwner: dbWritable,
      files: Object.fromEntries(
        examined.map((e) => [SUFFIX[e.role], { uid: e.file.uid ?? null, gid: e.file.gid ?? null, mode: octal(e.file.mode), writableByDbOwner: e.writableByDbOwner }]),
      ),
    };
    const describe = (e: Examined) => `${SUFFIX[e.role]} is owned by ${who(e.file)}, gid ${e.file.gid ?? '?'}, mode ${octal(e.file.mode)}`;

    const blocked = examined.filter((e) => !e.writableByDbOwner);
    if (blocked.length > 0) {
      const needs = blocked
        .map((e) => (e.role === 'journal' ? 'the -journal (a writer must rewrite or roll it back)' : e.role === 'wal' ? 'the -wal (every commit appends to it)' : 'the -shm (every writer updates the wal-index in it)'))
        .join(', ');
      return {
        status: 'fail',
        messageId: 'not-writable-by-owner',
        message: `The database is owned by ${who(db)}, but ${blocked.map(describe).join('; ')}: that user cannot write ${needs}. An app running as ${db.owner ?? `uid ${dbUid}`} can still read, but every write fails with "attempt to write a readonly database" (SQLITE_READONLY). This is what a process of another user leaves behind when it opens the database, even read-only.`,
        evidence,
        fixes: chownFixes(db, blocked),
      };
    }

    if (!dbWritable) {
      return {
        status: 'warn',
        messageId: 'db-read-only',
        message: `The database file is owned by ${who(db)} with mode ${octal(db.mode)}: its owner cannot write it, so every write of an app running as that user fails with "attempt to write a readonly database". Fine for a read-only dataset; not for an app that writes.`,
        evidence,
        fixes: [{ summary: "Give the database's owner write permission", shell: `chmod u+w ${shellArg(db.path)}` }],
      };
    }

    const mixed = examined.filter((e) => !e.sameOwner);
    if (mixed.length > 0) {
      return {
        status: 'warn',
        messageId: 'mixed-owners',
        message: `The database is owned by ${who(db)}, but ${mixed.map(describe).join('; ')}. The owner can still write ${mixed.length > 1 ? 'them' : 'it'} (group or other write bits), so nothing fails today; but processes of different users are opening the database, and the next time one of them creates these files with a mode that excludes the others, writes fail with "attempt to write a readonly database".`,
        evidence,
        fixes: chownFixes(db, mixed),
      };
    }

    return {
      status: 'pass',
      messageId: 'consistent',
      message:
        examined.length === 0
          ? `The database is owned by ${who(db)} with mode ${octal(db.mode)}, writable by its owner; no -wal, -shm or -journal file exists right now.`
          : `The database and its ${examined.map((e) => SUFFIX[e.role]).join(', ')} file(s) are all owned by ${who(db)} and writable by that user.`,
      evidence,
    };
  },
});
