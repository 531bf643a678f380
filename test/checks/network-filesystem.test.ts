import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import check from '../../checks/network-filesystem.js';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts } from '../../src/sources/sqlite/gather.js';
import type { AuditFacts, FilesystemFacts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { makeFacts } from '../helpers/facts.js';

const run = (facts: AuditFacts) => runCheck(check, facts, { app: {} })!;
const ROLLBACK = { writeVersion: 1, readVersion: 1, walEnabled: false };

function on(fs: Partial<FilesystemFacts>, wal = true): AuditFacts {
  return makeFacts({ filesystem: fs, ...(wal ? {} : { header: ROLLBACK }) });
}

const NFS = { magic: 0x6969, magicHex: '0x6969', name: 'nfs4', class: 'network', mountPoint: '/mnt/nfs', mountFsType: 'nfs4', mountSource: 'fileserver:/export' } as const;
const CEPH = { magic: 0x00c36400, magicHex: '0xc36400', name: 'ceph', class: 'cluster', mountPoint: '/mnt/ceph', mountFsType: 'ceph', mountSource: 'mon1:/' } as const;
const MERGERFS = { magic: 0x65735546, magicHex: '0x65735546', name: 'fuse.mergerfs', class: 'fuse', mountPoint: '/srv/pool', mountFsType: 'fuse.mergerfs', mountSource: 'pool' } as const;
const VIRTIOFS = { magic: 0x65735546, magicHex: '0x65735546', name: 'virtiofs', class: 'virtual', mountPoint: '/mnt/v', mountFsType: 'virtiofs', mountSource: 'myfs' } as const;

describe('network-filesystem', () => {
  it('passes a local filesystem', () => {
    const f = run(makeFacts());
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('local');
    expect(f.message).toContain('ext4');
  });

  it.each([
    ['network', NFS],
    ['cluster', CEPH],
  ] as const)('fails WAL on a %s filesystem, citing wal.c and the shared-memory wal-index', (_kind, fs) => {
    const f = run(on(fs));
    expect(f.status).toBe('fail');
    expect(f.messageId).toBe('network-wal');
    expect(f.title).toBe(check.failureTitle);
    expect(f.message).toMatch(/does not support WAL on a network filesystem/);
    expect(f.message).toContain(fs.mountSource);
    expect(f.evidence).toMatchObject({ class: fs.class, name: fs.name, walEnabled: true });
    expect(f.fixes[0]!.shell).toBe("mkdir -p /var/lib/app && sqlite3 /data/app.db '.backup /var/lib/app/app.db'");
    expect(f.fixes.some((x) => /client\/server database/.test(x.summary))).toBe(true);
  });

  it('warns for a rollback journal on NFS: POSIX locks depend on the server', () => {
    const f = run(on(NFS, false));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('network-rollback');
    expect(f.message).toMatch(/lock manager/);
  });

  it('warns on FUSE, naming sshfs as keeping locks local', () => {
    const f = run(on(MERGERFS));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('fuse');
    expect(f.message).toMatch(/sshfs, for one, keeps locks local/);
    expect(f.message).toMatch(/shared-memory mapping/);
    expect(run(on(MERGERFS, false)).message).not.toMatch(/shared-memory mapping/);
  });

  it('warns on a VM-shared filesystem (virtiofs, 9p)', () => {
    const f = run(on(VIRTIOFS));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('virtual');
    expect(f.message).toMatch(/9p, virtiofs, WSL drvfs/);
  });

  it('is info on an unknown filesystem, naming the magic', () => {
    const f = run(on({ magic: 0x12345678, magicHex: '0x12345678', name: 'unknown (0x12345678)', class: 'unknown', mountPoint: null, mountFsType: null, mountSource: null }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('unknown');
    expect(f.message).toContain('0x12345678');
    expect(f.fixes[0]!.shell).toBe("stat -f -c '%T %t' /data && findmnt -T /data");
  });

  it('quotes a path with spaces in the shell fix', () => {
    const f = run(makeFacts({ realPath: "/mnt/nfs/my app's.db", filesystem: NFS }));
    expect(f.fixes[0]!.shell).toBe(`mkdir -p /var/lib/app && sqlite3 '/mnt/nfs/my app'\\''s.db' '.backup /var/lib/app/app.db'`);
  });

  it('skips when the filesystem could not be read', () => {
    const f = run({ ...makeFacts(), filesystem: { error: { code: 'EACCES', message: 'permission denied' } } });
    expect(f.status).toBe('skip');
    expect(f.messageId).toBe('facts-unavailable');
  });

  describe('on real files', () => {
    const dir = makeTempDir();
    afterAll(() => removeDir(dir));

    it('passes a real database in a temporary directory on this machine (a local disk)', () => {
      const db = join(dir, 'app.db');
      buildDatabase(db, { journalMode: 'wal', rows: 5 });
      const facts = gatherAuditFacts(db);
      const f = run(facts);
      expect(f.status).toBe('pass');
      expect(f.messageId).toBe('local');
      expect(f.evidence.name).toBe((facts.filesystem as FilesystemFacts).name);
    });
  });
});
