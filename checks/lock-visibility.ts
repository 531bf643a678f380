import { defineCheck } from '../src/core/check.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';
import { plural } from '../src/sources/proc/holder-words.js';
import type { Fix } from '../src/core/model.js';

interface Gap {
  id: 'no-lock-table' | 'pid-namespace' | 'other-users' | 'ofd-locks';
  text: string;
  fixes: Fix[];
}

const WAITERS_NOTE =
  'Connections waiting in a busy handler never show anywhere: SQLite polls for locks instead of waiting in the kernel (only a rollback-mode commit waiting for readers shows, as PENDING).';

export default defineCheck({
  id: 'lock-visibility',
  title: 'Visibility of locks and holders',
  failureTitle: 'Part of the lock picture cannot be seen',
  description: 'What lockscope cannot see about locks and holders here: no /proc/locks, another PID namespace, other users\' processes, OFD locks.',
  defaultSeverity: 'info',
  source: 'sqlite',
  category: 'locks',
  requires: ['realPath'],
  optional: ['locks'],
  messages: {
    'not-recorded': ['skip'],
    complete: ['pass'],
    'no-lock-table': ['info'],
    'pid-namespace': ['info'],
    'other-users': ['info'],
    'ofd-locks': ['info'],
    'several-gaps': ['info'],
  },
  thresholds: {},
  run({ locks, realPath }, { unavailable }) {
    const db = shellArg(realPath);
    const gaps: Gap[] = [];
    if (locks === undefined) {
      gaps.push({
        id: 'no-lock-table',
        text: `The kernel lock table could not be read (${unavailable.locks?.message ?? 'not gathered'}): no lock state is known.`,
        fixes: [{ summary: 'Run lockscope on the Linux host (or in the Linux container) where the app runs', shell: `lockscope locks ${db}` }],
      });
    } else if (!locks.visibility) {
      return {
        status: 'skip',
        messageId: 'not-recorded',
        message: 'These facts do not record what the lock scan could see (saved by an older lockscope).',
        evidence: {},
      };
    } else {
      const v = locks.visibility;
      if (!v.lockTable) {
        const how =
          locks.source === 'lsof'
            ? `lsof listed the processes with the files open (${plural(locks.holders.length, 'process', 'processes')}); which lock each holds is unknown.`
            : 'lsof is not installed either, so not even the processes with the files open are known.';
        gaps.push({
          id: 'no-lock-table',
          text: `There is no /proc/locks here (${v.lockTableError ?? 'not Linux'}): ${how}`,
          fixes: [
            { summary: 'On Linux, lockscope reads every lock from /proc/locks: run it where the app runs (a Linux server or container)', shell: `lockscope locks ${db}` },
            ...(locks.source === 'lsof' ? [] : [{ summary: 'Install lsof to at least list the processes with the files open', shell: 'brew install lsof  # or your package manager' }]),
          ],
        });
      }
      if (v.pidNamespace !== 'initial' && v.lockTable) {
        gaps.push({
          id: 'pid-namespace',
          text:
            v.pidNamespace === 'nested'
              ? `lockscope runs in a nested PID namespace (a container): /proc/locks leaves out every lock whose owner is outside it, so holders on the host or in other containers are invisible${v.hiddenLocksOnSystem > 0 ? ` (${plural(v.hiddenLocksOnSystem, 'lock')} on this system are hidden from this view)` : ''}.`
              : 'lockscope could not tell whether it runs in the initial PID namespace: if it runs in a container, locks held outside it are invisible.',
          fixes: [
            { summary: 'Run lockscope inside the container where the app runs', shell: `docker exec -it <app-container> lockscope locks ${db}` },
            { summary: 'Or run it on the host, which sees every process (with host pids)', shell: `sudo lockscope locks <path of the database as the host sees it>` },
          ],
        });
      }
      if (v.unreadableProcesses > 0 || v.hidepid) {
        const holders = v.unreadableHolders.length > 0 ? ` ${plural(v.unreadableHolders.length, 'of them holds', 'of them hold')} a lock on these files (PID ${v.unreadableHolders.join(', ')}): their locks are known, their open files are not.` : '';
        gaps.push({
          id: 'other-users',
          text: `${v.hidepid ? '/proc is mounted with hidepid, so other users\' processes are hidden. ' : ''}${
            v.unreadableProcesses > 0 ? `The open files of ${plural(v.unreadableProcesses, 'process', 'processes')} of other users could not be read (lockscope is not root): a process of another user that has the database open without holding a lock is not listed.${holders}` : ''
          }`,
          fixes: [{ summary: 'Run as root (or as the user the app runs as) to see every process\'s open files', shell: `sudo lockscope locks ${db}` }],
        });
      }
      if (v.ofdLocks > 0) {
        gaps.push({
          id: 'ofd-locks',
          text: `${plural(v.ofdLocks, 'OFD lock')} on these files show no pid in /proc/locks (pid -1). SQLite never takes OFD locks, so another tool holds ${v.ofdLocks === 1 ? 'it' : 'them'}${
            v.ofdHolders.length > 0 ? `: /proc/<pid>/fdinfo names PID ${v.ofdHolders.join(', ')}` : ', and no process lockscope could inspect shows it in /proc/<pid>/fdinfo'
          }. An OFD lock on SQLite's lock bytes blocks SQLite like any other lock.`,
          fixes: [{ summary: 'Find the process holding OFD locks: fdinfo lists each descriptor\'s locks (as root)', shell: `grep -l OFDLCK /proc/[0-9]*/fdinfo/* 2>/dev/null` }],
        });
      }
    }

    const evidence = locks === undefined
      ? { lockTable: false, error: unavailable.locks?.message ?? 'not gathered', gaps: gaps.map((g) => g.id) }
      : {
          lockTable: locks.visibility!.lockTable,
          source: locks.source,
          pidNamespace: locks.visibility!.pidNamespace,
          hiddenLocksOnSystem: locks.visibility!.hiddenLocksOnSystem,
          processesScanned: locks.visibility!.processesScanned,
          unreadableProcesses: locks.visibility!.unreadableProcesses,
          unreadableHolderPids: locks.visibility!.unreadableHolders,
          hidepid: locks.visibility!.hidepid,
          runningAsRoot: locks.visibility!.runningAsRoot,
          ofdLocks: locks.visibility!.ofdLocks,
          ofdHolderPids: locks.visibility!.ofdHolders,
          gaps: gaps.map((g) => g.id),
        };
    if (gaps.length === 0) {
      const v = locks === undefined ? undefined : locks.visibility;
      return {
        status: 'pass',
        messageId: 'complete',
        message: `Every lock on these files is visible: /proc/locks was read in the initial PID namespace${v?.fullScan ? ` and the open files of all ${plural(v.processesScanned, 'process', 'processes')} were read` : ''}. ${WAITERS_NOTE}`,
        evidence,
      };
    }
    return {
      status: 'info',
      messageId: gaps.length === 1 ? gaps[0]!.id : 'several-gaps',
      title: 'Part of the lock picture is out of lockscope\'s view',
      message: `${gaps.map((g) => g.text).join(' ')} ${WAITERS_NOTE}`,
      evidence,
      fixes: gaps.flatMap((g) => g.fixes),
    };
  },
});
