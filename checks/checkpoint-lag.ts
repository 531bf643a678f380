import { shortCommand } from '../src/sources/proc/holder-words.js';
import { defineCheck } from '../src/core/check.js';
import { type DecodedLock, type LockFacts, type LockHolder, type ShmHeader } from '../src/core/facts.js';
import { periodicCheckpointFix, perConnectionPragmaFixes, shellArg } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';
import { describeWalProblem, walReplay } from '../src/sources/sqlite/recovery.js';
import { formatCount } from '../src/core/units.js';

/** A lag up to this many autocheckpoint sizes is normal with a large declared autocheckpoint. */
const AUTOCHECKPOINT_MULTIPLE = 4;

/** A reader that keeps frames from being copied back: its read mark (slot), the frame it pins, how many it holds back. */
export interface Pin {
  pid: number;
  command?: string;
  slot: number;
  pinsFrame: number | null;
  framesHeldBack: number;
}

/**
 * Readers holding a WAL read mark back, from the lock table joined with the -shm header (wal.c walCheckpoint, WalCkptInfo.aReadMark):
 * a shared lock on READ1-4 whose mark is below mxFrame keeps the frames after the mark in the WAL; a shared
 * lock on READ0 while frames remain blocks all backfilling (the checkpointer needs READ0 exclusively).
 */
export function readersHoldingBack(locks: Pick<LockFacts, 'holders'>, hdr: Pick<ShmHeader, 'mxFrame' | 'nBackfill' | 'readMarks'>): Pin[] {
  const pins: Pin[] = [];
  const lag = hdr.mxFrame - hdr.nBackfill;
  for (const holder of locks.holders) {
    for (const lock of holder.locks) {
      const slot = readSlot(lock);
      if (slot === null || lock.mode !== 'shared') continue;
      if (slot === 0) {
        if (lag > 0) pins.push(pin(holder, 0, null, lag));
        continue;
      }
      const mark = lock.pinsFrame ?? hdr.readMarks[slot] ?? null;
      if (mark !== null && mark < hdr.mxFrame) pins.push(pin(holder, slot, mark, hdr.mxFrame - Math.max(mark, hdr.nBackfill)));
    }
  }
  return pins.sort((a, b) => b.framesHeldBack - a.framesHeldBack || a.pid - b.pid);
}

function readSlot(lock: DecodedLock): number | null {
  return lock.name.startsWith('wal-read-') ? Number(lock.name.slice('wal-read-'.length)) : null;
}

function pin(holder: LockHolder, slot: number, pinsFrame: number | null, framesHeldBack: number): Pin {
  const p: Pin = { pid: holder.pid, slot, pinsFrame, framesHeldBack };
  if (holder.command !== undefined) p.command = holder.command;
  return p;
}

export function describePin(p: Pin): string {
  const who = `pid ${p.pid}${p.command ? ` (${shortCommand(p.command)})` : ''}`;
  if (p.slot === 0) {
    return `${who} holds read mark 0: it reads only the database file, and while it does no checkpoint can copy any frame back (${formatCount(p.framesHeldBack)} frames wait)`;
  }
  return `${who} holds read mark ${p.slot} at frame ${formatCount(p.pinsFrame ?? 0)}: the ${formatCount(p.framesHeldBack)} frames after it cannot be copied back while its read transaction lasts`;
}

export default defineCheck({
  id: 'checkpoint-lag',
  title: 'Checkpoints keep up with the WAL',
  failureTitle: 'Checkpoints are falling behind: many WAL frames not copied back',
  description: 'Frames in the WAL not yet copied back into the database (mxFrame − nBackfill from the -shm header), and the reader holding them back.',
  // `locks`, not `audit`: `lockscope locks` runs it, so the snapshot's "blocking the checkpoint" is a finding whose
  // thresholds set the exit code (the audit runs every category, in registry order, as before).
  source: 'sqlite',
  category: 'locks',
  requires: ['shm', 'header', 'files'],
  optional: ['wal', 'locks'],
  defaultSeverity: 'fail',
  messages: {
    'not-wal': ['skip'],
    'no-wal': ['pass'],
    'shm-inconsistent': ['info', 'warn'],
    'not-live': ['info'],
    ok: ['pass'],
    'blocked-by-read0': ['warn', 'fail'],
    'pinned-by-reader': ['warn', 'fail'],
    lag: ['warn', 'fail'],
  },
  thresholds: {
    warnFrames: { default: 10_000, unit: 'frames', description: 'Warn above this many frames not checkpointed (or 4 × a larger declared wal_autocheckpoint).' },
    failFrames: { default: 100_000, unit: 'frames', description: 'Fail above this many frames not checkpointed.' },
  },
  run({ shm, wal, header, locks, files }, { app, thresholds }) {
    if (!header.walEnabled) {
      return {
        status: 'skip',
        messageId: 'not-wal',
        message: `The database uses a rollback journal (header bytes 18-19 are ${header.writeVersion}/${header.readVersion}): checkpoints do not apply${files.wal.exists ? '; the -wal beside it is reported by stale-wal' : ''}.`,
        evidence: { walEnabled: false, walExists: files.wal.exists },
      };
    }
    const scanned = wal !== undefined && wal !== null ? wal : null;
    if (shm === null && scanned === null) {
      return {
        status: 'pass',
        messageId: 'no-wal',
        message: 'No -wal and no -shm: the last connection closed cleanly and checkpointed everything.',
        evidence: { walExists: false, shmExists: false },
      };
    }
    // Only a declared autocheckpoint raises the bar: SQLite's default (1000 pages) is well below warnFrames.
    const warnFrames = Math.max(thresholds.warnFrames, AUTOCHECKPOINT_MULTIPLE * (app.walAutocheckpointPages ?? 0));
    const failFrames = Math.max(thresholds.failFrames, warnFrames);
    const hdr = shm?.header ?? null;

    if (shm !== null && shm.problem && hdr !== null) {
      const committed = scanned ? walReplay(scanned) : null;
      const live = shm.attached === true;
      const word = shm.problem === 'corrupt' ? 'corrupt' : 'stale';
      const result = {
        messageId: 'shm-inconsistent' as const,
        message: `The -shm header is ${word}: ${shm.problemDetail ?? 'it contradicts the -wal'}. lockscope does not use its numbers (mxFrame ${formatCount(hdr.mxFrame)}, nBackfill ${formatCount(hdr.nBackfill)}) as frames waiting to be copied back.${committed && committed.frames !== null ? ` The -wal itself holds ${committed.certain ? '' : 'at least '}${formatCount(committed.frames)} committed frame(s).` : ''}${live ? ' Processes are attached right now, and SQLite trusts this header while any is: something other than SQLite wrote the -shm or the -wal (a copy, a restore, a tool) under a running app.' : ' No process is attached: the next connection to open the database truncates the -shm and rebuilds it from the -wal, so this header will not be used.'}`,
        evidence: {
          shmProblem: shm.problem,
          shmProblemDetail: shm.problemDetail ?? null,
          shmAttached: shm.attached,
          mxFrame: hdr.mxFrame,
          nBackfill: hdr.nBackfill,
          walFramesInFile: scanned?.framesInFile ?? 0,
          committedFramesInWal: committed?.frames ?? null,
        },
        fixes: live
          ? [
              { summary: 'See which processes have the database open', shell: `lockscope locks ${shellArg(files.db.path)}` },
              {
                summary: 'Stop them all, copy the database, -wal and -shm somewhere safe, and check the copy; the next opener rebuilds the -shm from the -wal',
                shell: `d=$(mktemp -d) && cp ${shellArg(files.db.path)} "$d/app.db" && cp ${shellArg(files.wal.path)} "$d/app.db-wal" && sqlite3 "$d/app.db" 'PRAGMA integrity_check'`,
              },
            ]
          : [],
      };
      // The warning keeps the failure title; the info says what it is about.
      return live ? { ...result, status: 'warn' } : { ...result, status: 'info', title: `Checkpoint progress not measured: the -shm header is ${word}` };
    }
    if (shm === null || !shm.trusted || hdr === null) {
      const replay = scanned ? walReplay(scanned) : null;
      const committed = replay ? replay.frames : null;
      const why =
        shm === null
          ? 'There is no -shm: no process is attached'
          : hdr === null
            ? `The -shm header cannot be read (${shm.invalidReason ?? 'too short'})`
            : shm.attached === true
              ? `Processes are attached but the -shm header did not pass SQLite's checks (${shm.invalidReason ?? 'invalid'}), even after re-reading it`
              : `No process is attached to the -shm (nobody holds its DMS lock), so its header may be stale${shm.valid ? '' : ` and it does not pass SQLite's checks (${shm.invalidReason ?? 'invalid'})`}`;
      const says = hdr ? ` It says mxFrame=${formatCount(hdr.mxFrame)}, nBackfill=${formatCount(hdr.nBackfill)} (${formatCount(Math.max(0, hdr.mxFrame - hdr.nBackfill))} frames behind).` : '';
      const fromWal =
        committed === null
          ? ''
          : ` The -wal itself holds ${replay?.certain === false ? 'at least ' : ''}${formatCount(committed)} committed frame(s) of its current generation${replay && replay.ignored > 0 ? ` (SQLite will ignore ${formatCount(replay.ignored)} more: ${scanned?.headerValid ? 'no commit follows them, or their checksum chain breaks' : `the whole -wal, ${describeWalProblem(scanned!.headerProblem ?? 'short')}`})` : ''}: the next connection to open the database runs recovery, which marks all of them as not yet copied back, and its first checkpoint copies them.`;
      return {
        status: 'info',
        messageId: 'not-live',
        title: 'Checkpoint progress not measured: no live -shm header to read',
        message: `${why}.${says}${fromWal}`,
        evidence: {
          shmExists: shm !== null,
          shmValid: shm?.valid ?? false,
          shmAttached: shm?.attached ?? null,
          mxFrame: hdr?.mxFrame ?? null,
          nBackfill: hdr?.nBackfill ?? null,
          committedFramesInWal: committed,
        },
      };
    }

    const lag = Math.max(0, hdr.mxFrame - hdr.nBackfill);
    const lockTable = locks !== undefined && locks.source === '/proc/locks' ? locks : null;
    const pins = lockTable ? readersHoldingBack(lockTable, hdr) : [];
    const evidence = {
      mxFrame: hdr.mxFrame,
      nBackfill: hdr.nBackfill,
      framesNotCheckpointed: lag,
      readMarks: hdr.readMarks.map((m) => (m === null ? 'unused' : m)),
      warnFrames,
      failFrames,
      pinningPids: pins.map((p) => p.pid),
      pinnedBy: pins.map(describePin),
      framesHeldBack: pins[0]?.framesHeldBack ?? 0,
      lockTableRead: lockTable !== null,
    };
    const state = `${formatCount(lag)} of the WAL's ${formatCount(hdr.mxFrame)} committed frames are not yet copied back into the database (mxFrame ${formatCount(hdr.mxFrame)}, nBackfill ${formatCount(hdr.nBackfill)}).`;
    const pinText = pins.length > 0 ? ` ${pins.map(describePin).join('; ')}.` : '';
    if (lag <= warnFrames) {
      return { status: 'pass', messageId: 'ok', message: `${state} That is within ${formatCount(warnFrames)} frames.${pinText}`, evidence };
    }
    const status = lag > failFrames ? 'fail' : 'warn';
    const limit = ` That is above ${formatCount(status === 'fail' ? failFrames : warnFrames)} frames.`;
    const db = shellArg(files.db.path);
    const read0 = pins.find((p) => p.slot === 0);
    if (pins.length > 0) {
      const first = pins[0]!;
      return {
        status,
        messageId: read0 && first.slot === 0 ? 'blocked-by-read0' : 'pinned-by-reader',
        message: `${state}${limit}${pinText} Until it ends, the WAL keeps growing and every reader searches a longer wal-index.`,
        evidence,
        fixes: readerFixes(first, db),
      };
    }
    const unseen = lockTable ? '' : ' The lock table could not be read, so a reader holding it back cannot be named.';
    const declaredOff = app.walAutocheckpointPages === 0;
    return {
      status,
      messageId: 'lag',
      message: `${state}${limit} No reader holds a read mark back right now${declaredOff ? ', and the app declares wal_autocheckpoint=0: nothing copies frames back unless a process runs PRAGMA wal_checkpoint' : ': checkpoints have not run since these frames were written (automatic checkpoints run only when a connection commits past the autocheckpoint size), or a reader that held them back has just finished'}.${unseen}`,
      evidence,
      fixes: [
        {
          summary: 'Copy the frames back now, with a bounded wait',
          shell: `lockscope audit --checkpoint passive ${db}`,
        },
        ...(declaredOff
          ? perConnectionPragmaFixes('Turn automatic checkpoints back on', 'wal_autocheckpoint = 1000', 'https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint').slice(0, 1)
          : []),
        periodicCheckpointFix(),
      ],
    };
  },
});

function readerFixes(first: Pin, db: string): Fix[] {
  return [
    {
      summary: `See what pid ${first.pid} is and how long it has run; a read transaction lasts until its statement is finished or reset, or until COMMIT/ROLLBACK`,
      shell: `ps -o pid,user,etime,args -p ${first.pid}`,
    },
    {
      summary: 'Python sqlite3: fetch all rows or close the cursor; after a write, commit() (the implicit transaction also keeps the read snapshot)',
      stack: 'python',
      code: 'rows = cur.execute("SELECT ...").fetchall()\ncur.close()\nconn.commit()',
    },
    {
      summary: 'SQLAlchemy: end each Session (commit, rollback or close); a Session left open keeps its transaction and snapshot',
      stack: 'sqlalchemy',
      code: 'with Session(engine) as session, session.begin():\n    ...',
    },
    {
      summary: 'better-sqlite3: an iterator from stmt.iterate() that is neither run to the end nor closed keeps its statement, and its read, open; iterate with for...of (break closes it) or call return()',
      stack: 'better-sqlite3',
      code: 'for (const row of stmt.iterate()) {\n  if (done(row)) break; // break calls the iterator\'s return(), which resets the statement\n}',
    },
    {
      summary: 'Go database/sql: always close Rows (and commit or roll back Tx); an unclosed Rows keeps its read open',
      stack: 'go',
      code: 'rows, err := db.Query("SELECT ...")\nif err != nil { return err }\ndefer rows.Close()',
    },
    {
      summary: 'Once that reader has finished, copy the frames back and reset the WAL',
      shell: `lockscope audit --checkpoint truncate --checkpoint-timeout 200ms ${db}`,
      caution: "A TRUNCATE checkpoint waits for readers while holding the write lock: the app's writers wait too, up to the timeout.",
    },
  ];
}
