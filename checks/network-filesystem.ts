import { basename } from 'node:path';
import { defineCheck } from '../src/core/check.js';
import type { FilesystemFacts } from '../src/core/facts.js';
import { shellArg } from '../src/sources/sqlite/fixes.js';
import type { Fix } from '../src/core/model.js';

function describe(fs: FilesystemFacts): string {
  const mount = fs.mountPoint ? ` mounted at ${fs.mountPoint}${fs.mountSource ? ` from ${fs.mountSource}` : ''}` : '';
  return `${fs.name} (statfs magic ${fs.magicHex}${fs.mountFsType && fs.mountFsType !== fs.name ? `, mount type ${fs.mountFsType}` : ''})${mount}`;
}

function moveFixes(dbPath: string): Fix[] {
  const name = basename(dbPath);
  const target = `/var/lib/app/${/^[A-Za-z0-9._-]+$/.test(name) ? name : 'app.db'}`;
  return [
    {
      summary: 'Move the database to a local disk of the host that runs the app: copy it with the backup command (consistent even while in use), then point the app at the copy',
      shell: `mkdir -p /var/lib/app && sqlite3 ${shellArg(dbPath)} '.backup ${target}'`,
      docs: 'https://www.sqlite.org/useovernet.html',
      caution: 'Stop the app\'s writers first, or writes made after the backup stay behind in the old file.',
    },
    {
      summary: 'Keep every process that opens the database on that one host; other hosts go through an API on it, not through the file share',
    },
    {
      summary: 'If several hosts must write, use a client/server database (PostgreSQL, MySQL) instead of a shared SQLite file',
      docs: 'https://www.sqlite.org/whentouse.html',
    },
  ];
}

export default defineCheck({
  id: 'network-filesystem',
  title: 'The database is on a local filesystem',
  failureTitle: 'The database is on a filesystem where SQLite locking is unreliable',
  description:
    "The filesystem of the database's directory (statfs magic, /proc/self/mountinfo): network, cluster, FUSE and VM-shared filesystems break WAL or POSIX locks.",
  source: 'sqlite',
  category: 'audit',
  requires: ['filesystem', 'header', 'realPath'],
  defaultSeverity: 'fail',
  messages: {
    local: ['pass'],
    'network-wal': ['fail'],
    'network-rollback': ['warn'],
    fuse: ['warn'],
    virtual: ['warn'],
    unknown: ['info'],
  },
  thresholds: {},
  run({ filesystem: fs, header, realPath }) {
    const wal = header.walEnabled;
    const where = describe(fs);
    const evidence = {
      class: fs.class,
      name: fs.name,
      magicHex: fs.magicHex,
      mountFsType: fs.mountFsType,
      mountPoint: fs.mountPoint,
      mountSource: fs.mountSource,
      walEnabled: wal,
    };
    switch (fs.class) {
      case 'local':
        return {
          status: 'pass',
          messageId: 'local',
          message: `The database's directory is on ${where}, a local filesystem: POSIX locks and the shared-memory -shm work as SQLite expects.`,
          evidence,
        };
      case 'network':
      case 'cluster': {
        const kind = fs.class === 'network' ? 'a network filesystem' : 'a cluster filesystem';
        if (wal) {
          return {
            status: 'fail',
            messageId: 'network-wal',
            message: `The database is in WAL mode on ${where}, ${kind}. SQLite does not support WAL on a network filesystem (wal.c): the wal-index (-shm) is shared memory mapped from a file, and other hosts never see this host's memory, so processes on different hosts read inconsistent data and can corrupt the database. It is unsupported even while a single host uses the file.`,
            evidence,
            fixes: moveFixes(realPath),
          };
        }
        return {
          status: 'warn',
          messageId: 'network-rollback',
          message: `The database is on ${where}, ${kind}. A rollback journal relies on POSIX advisory locks, which here depend on the server's lock manager (NFS lockd or NFSv4 locks, SMB byte-range locks); on many setups they are missing, local to one client, or broken, so two writers can both think they hold the lock and corrupt the database, or get "database is locked" forever.`,
          evidence,
          fixes: moveFixes(realPath),
        };
      }
      case 'fuse':
      case 'virtual': {
        const what =
          fs.class === 'fuse'
            ? 'a FUSE filesystem: whether POSIX locks reach the storage depends on the FUSE server (sshfs, for one, keeps locks local to the client)'
            : 'a filesystem shared from a VM host or hypervisor (9p, virtiofs, WSL drvfs, VirtualBox/VMware shared folders): lock forwarding depends on the host side, and the same files may be changed from outside the guest without any lock';
        return {
          status: 'warn',
          messageId: fs.class,
          message: `The database is on ${where}, ${what}.${wal ? ' WAL also needs a shared-memory mapping of -shm that every process sees, which such filesystems may not give across the boundary.' : ''} Keep every process on one side, or move the database to a local disk.`,
          evidence,
          fixes: moveFixes(realPath),
        };
      }
      default:
        return {
          status: 'info',
          messageId: 'unknown',
          title: 'lockscope does not know this filesystem: whether SQLite\'s locking works on it is not verified',
          message: `lockscope does not know the filesystem of the database's directory: ${where}. If it is a network, cluster, FUSE or VM-shared filesystem, SQLite's locking may not work across hosts${wal ? ', and WAL is not supported on network filesystems' : ''}.`,
          evidence,
          fixes: [{ summary: 'Check the filesystem type yourself', shell: `stat -f -c '%T %t' ${shellArg(fs.directory)} && findmnt -T ${shellArg(fs.directory)}` }],
        };
    }
  },
});
