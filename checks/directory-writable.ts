import { defineCheck } from '../src/core/check.js';
import type { DirectoryFacts, FileInfo } from '../src/core/facts.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function ownerOf(db: FileInfo): string {
  return db.owner ?? String(db.uid ?? '?');
}

/** chmod when the owner or group bits are the ones to open; chown when the db owner is not the directory's. */
function permissionFixes(dir: DirectoryFacts, db: FileInfo): Fix[] {
  const path = shellArg(dir.path);
  const user = shellArg(ownerOf(db));
  const fixes: Fix[] = [];
  if (db.uid === dir.uid) {
    fixes.push({ summary: `Let the owner (${ownerOf(db)}) create files in ${dir.path}`, shell: `chmod u+wx ${path}` });
  } else if (db.gid === dir.gid) {
    fixes.push({ summary: `Let the group (gid ${dir.gid}) create files in ${dir.path}`, shell: `chmod g+wx ${path}` });
  }
  fixes.push({
    summary: `Or give the directory to the user that owns the database (${ownerOf(db)})`,
    shell: `chown ${user} ${path} && chmod u+wx ${path}`,
    caution: 'If other files live in that directory, prefer a directory of its own for the database and its -wal/-shm/-journal files.',
  });
  fixes.push({
    summary: 'Or give the database a directory of its own, owned by the app user, and move it there (with the app stopped)',
    shell: `install -d -o ${user} -m 0750 /var/lib/app && mv ${shellArg(db.path)} /var/lib/app/`,
    caution: 'Move -wal and -shm along with the database if they exist (after a clean close they do not), and update the app\'s path.',
  });
  return fixes;
}

export default defineCheck({
  id: 'directory-writable',
  title: "The database's directory is writable for its owner",
  failureTitle: "SQLite cannot create its -journal/-wal/-shm files in the database's directory",
  description:
    "Whether the database's owner (mode bits) and the user running lockscope (access(2)) can create files in its directory: every write needs a -journal, and WAL needs -wal and -shm.",
  source: 'sqlite',
  category: 'audit',
  requires: ['directory', 'header', 'files'],
  defaultSeverity: 'fail',
  messages: {
    'wal-files-cannot-be-created': ['fail'],
    'wal-files-not-recreatable': ['warn'],
    'journal-not-recreatable': ['warn'],
    'owner-cannot-create': ['fail'],
    'current-user-cannot': ['info'],
    'owner-unknown': ['info'],
    writable: ['pass'],
  },
  thresholds: {},
  run({ directory: dir, header, files }) {
    const wal = header.walEnabled;
    const db = files.db;
    const missing = [files.wal.exists ? null : '-wal', files.shm.exists ? null : '-shm'].filter((x): x is string => x !== null);
    const who = `${ownerOf(db)} (uid ${db.uid ?? '?'}, gid ${db.gid ?? '?'})`;
    const dirText = `${dir.path} (mode ${octal(dir.mode)}, owner uid ${dir.uid}, gid ${dir.gid})`;
    const evidence = {
      directory: dir.path,
      directoryMode: octal(dir.mode),
      directoryUid: dir.uid,
      directoryGid: dir.gid,
      dbUid: db.uid ?? null,
      dbGid: db.gid ?? null,
      writableByDbOwner: dir.writableByDbOwner,
      writableByCurrentUser: dir.writableByCurrentUser,
      walEnabled: wal,
      missingWalFiles: missing,
    };

    if (dir.writableByDbOwner === false) {
      if (wal && missing.length > 0) {
        // Verified as a non-root owner with a 0555 directory (SQLite 3.40.1): a missing -wal gives
        // SQLITE_READONLY_DIRECTORY, a -wal without -shm gives SQLITE_CANTOPEN, for readers too.
        const error = missing.includes('-wal')
          ? 'SQLITE_READONLY_DIRECTORY, "attempt to write a readonly database"'
          : 'SQLITE_CANTOPEN, "unable to open database file"';
        return {
          status: 'fail',
          messageId: 'wal-files-cannot-be-created',
          message: `The database is in WAL mode and ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing, but its owner ${who} cannot create files in ${dirText}. A connection must create ${missing.length > 1 ? 'them' : 'it'} before it can read, so every open by that user fails, readers included (${error}).`,
          evidence,
          fixes: permissionFixes(dir, db),
        };
      }
      if (wal) {
        return {
          status: 'warn',
          messageId: 'wal-files-not-recreatable',
          message: `The database's owner ${who} cannot create files in ${dirText}. It works for now because -wal and -shm exist (SQLite cannot delete them on close either), but if anyone removes them (a cleanup script, a restore, a copy of the database without them), every open by that user fails, readers included.`,
          evidence,
          fixes: permissionFixes(dir, db),
        };
      }
      if (files.journal.exists) {
        return {
          status: 'warn',
          messageId: 'journal-not-recreatable',
          message: `The database's owner ${who} cannot create files in ${dirText}. Writes work only while ${db.path}-journal exists and is reused (journal_mode=PERSIST or TRUNCATE); in the default DELETE mode, or once the file is removed, every write fails with "attempt to write a readonly database" (SQLITE_READONLY_DIRECTORY).`,
          evidence,
          fixes: permissionFixes(dir, db),
        };
      }
      return {
        status: 'fail',
        messageId: 'owner-cannot-create',
        message: `The database's owner ${who} cannot create files in ${dirText}. With a rollback journal every write transaction creates ${db.path}-journal, so every write fails with "attempt to write a readonly database" (SQLITE_READONLY_DIRECTORY); reads still work.`,
        evidence,
        fixes: permissionFixes(dir, db),
      };
    }

    if (!dir.writableByCurrentUser) {
      return {
        status: 'info',
        messageId: 'current-user-cannot',
        title: 'The user running lockscope cannot create files in the database\'s directory (its owner can)',
        message: `The user running lockscope cannot create files in ${dirText} (access(2) says no; a read-only mount does this too), while the database's owner ${who} can. A process of this user (a script, a cron job, the sqlite3 CLI, lockscope --checkpoint) ${wal ? (missing.length > 0 ? `cannot open the database at all while ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing` : 'depends on -wal and -shm existing') : 'cannot write to the database'}; if the app itself runs as this user, it fails the same way.`,
        evidence,
        fixes: permissionFixes(dir, db),
      };
    }

    if (dir.writableByDbOwner === null) {
      return {
        status: 'info',
        messageId: 'owner-unknown',
        title: 'Whether the app\'s user can create files in the database\'s directory is not known',
        message: `The user running lockscope can create files in ${dirText}, but the database file's owner is unknown, so lockscope cannot tell whether the app's user can.`,
        evidence,
      };
    }

    return {
      status: 'pass',
      messageId: 'writable',
      message: `The database's owner ${who} and the user running lockscope can both create files in ${dirText}: SQLite can create its ${wal ? '-wal and -shm' : '-journal'} files there.`,
      evidence,
    };
  },
});
