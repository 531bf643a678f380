import { readFileSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { deviceString } from '../../src/sources/sqlite/files.js';
import { describeFilesystem, findMount, gatherFilesystem, parseMountinfo } from '../../src/sources/sqlite/filesystem.js';

// Hand-written /proc/self/mountinfo lines in the kernel's format (proc(5)): id parent maj:min root mountpoint
// options [optional fields] - fstype source superoptions. Devices are decimal there, hex in lockscope.
const LINES = {
  root: '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
  nfs4: '350 27 0:52 / /mnt/nfs rw,relatime shared:200 - nfs4 fileserver:/export/data rw,vers=4.2,rsize=1048576,wsize=1048576,hard,proto=tcp,sec=sys',
  sshfs: '412 27 0:55 / /home/dev/remote rw,nosuid,nodev,relatime shared:230 - fuse.sshfs dev@build-host:/srv/app rw,user_id=1000,group_id=1000',
  cifs: '420 27 0:60 / /mnt/nas\\040share rw,relatime shared:240 - cifs //nas/share rw,vers=3.1.1,cache=strict,uid=0,noforceuid',
  wsl9p: '95 27 0:45 / /mnt/c rw,noatime - 9p C:\\134 rw,dirsync,aname=drvfs;path=C:\\;uid=1000;gid=1000,trans=fd,rfdno=8,wfdno=8',
  qemu9p: '96 27 0:46 / /mnt/host rw,relatime - 9p hostshare rw,sync,dirsync,access=client,trans=virtio',
  virtiofs: '97 27 0:47 / /mnt/virtiofs rw,relatime - virtiofs myfs rw',
  mergerfs: '98 27 0:48 / /srv/pool rw,relatime - fuse.mergerfs pool rw,user_id=0,group_id=0,default_permissions,allow_other',
  overNfs: '351 350 0:53 / /mnt/nfs/inner rw,relatime - tmpfs tmpfs rw',
};
const ALL = Object.values(LINES).join('\n');

describe('parseMountinfo', () => {
  it('parses hand-written lines: hex device, unescaped mount point and source, optional fields skipped', () => {
    const entries = parseMountinfo(ALL);
    expect(entries).toHaveLength(Object.keys(LINES).length);
    const byPoint = Object.fromEntries(entries.map((e) => [e.mountPoint, e]));
    expect(byPoint['/']).toEqual({ device: 'fe:00', mountPoint: '/', fsType: 'ext4', source: '/dev/vda' });
    expect(byPoint['/mnt/nfs']).toEqual({ device: '00:34', mountPoint: '/mnt/nfs', fsType: 'nfs4', source: 'fileserver:/export/data' });
    expect(byPoint['/home/dev/remote']?.fsType).toBe('fuse.sshfs');
    expect(byPoint['/mnt/nas share']?.fsType).toBe('cifs');
    expect(byPoint['/mnt/c']).toMatchObject({ fsType: '9p', source: 'C:\\' });
    expect(byPoint['/mnt/virtiofs']?.fsType).toBe('virtiofs');
  });

  it('ignores blank and malformed lines', () => {
    expect(parseMountinfo('\n\ngarbage line\n27 1 254:0 / /\n')).toEqual([]);
  });

  it('parses the real /proc/self/mountinfo, and finds the mount of a real directory on its own device', () => {
    const entries = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.some((e) => e.mountPoint === '/')).toBe(true);
    for (const e of entries) expect(e.device).toMatch(/^[0-9a-f]{2,}:[0-9a-f]{2,}$/);
    const dir = tmpdir();
    const device = deviceString(statSync(dir, { bigint: true }).dev);
    const mount = findMount(entries, dir, device);
    expect(mount).toBeDefined();
    expect(mount!.device).toBe(device);
    expect(dir === mount!.mountPoint || mount!.mountPoint === '/' || dir.startsWith(`${mount!.mountPoint}/`)).toBe(true);
  });
});

describe('findMount', () => {
  const entries = parseMountinfo(ALL);

  it('takes the longest mount point that contains the path, on path-component boundaries', () => {
    expect(findMount(entries, '/mnt/nfs/app/db')?.fsType).toBe('nfs4');
    expect(findMount(entries, '/mnt/nfs')?.fsType).toBe('nfs4');
    expect(findMount(entries, '/mnt/nfs2/app')?.fsType).toBe('ext4');
    expect(findMount(entries, '/mnt/nfs/inner/x')?.fsType).toBe('tmpfs');
    expect(findMount(entries, '/mnt/nas share/x.db')?.fsType).toBe('cifs');
  });

  it("prefers the mount on the directory's own device", () => {
    expect(findMount(entries, '/mnt/nfs/inner/x', '00:34')?.fsType).toBe('nfs4');
    expect(findMount(entries, '/mnt/nfs/inner/x', 'ff:ff')?.fsType).toBe('tmpfs');
  });

  it('finds nothing in an empty table', () => {
    expect(findMount([], '/x')).toBeUndefined();
  });
});

describe('describeFilesystem', () => {
  const entries = parseMountinfo(ALL);
  const at = (path: string) => findMount(entries, path);
  const FUSE = 0x65735546;

  it.each([
    ['nfs4 (NFS magic)', 0x6969, '/mnt/nfs/app.db', 'nfs4', 'network'],
    ['fuse.sshfs (FUSE magic): files live on another host', FUSE, '/home/dev/remote/app.db', 'fuse.sshfs', 'network'],
    ['cifs (SMB2 magic)', 0xfe534d42, '/mnt/nas share/app.db', 'cifs', 'network'],
    ['WSL drvfs over 9p', 0x01021997, '/mnt/c/app.db', '9p', 'virtual'],
    ['QEMU 9p', 0x01021997, '/mnt/host/app.db', '9p', 'virtual'],
    ['virtiofs (FUSE magic)', FUSE, '/mnt/virtiofs/app.db', 'virtiofs', 'virtual'],
    ['fuse.mergerfs (local FUSE)', FUSE, '/srv/pool/app.db', 'fuse.mergerfs', 'fuse'],
    ['ext4', 0xef53, '/data/app.db', 'ext4', 'local'],
  ] as const)('%s', (_name, magic, path, name, fsClass) => {
    const fs = describeFilesystem(magic, at(path), path);
    expect(fs.name).toBe(name);
    expect(fs.class).toBe(fsClass);
    expect(fs.magicHex).toBe(`0x${magic.toString(16)}`);
  });

  it('names an unknown magic by its hex value, and by the mount type when there is one', () => {
    const bare = describeFilesystem(0x12345678, undefined, '/x');
    expect(bare).toMatchObject({ name: 'unknown (0x12345678)', class: 'unknown', mountPoint: null, mountFsType: null });
    const named = describeFilesystem(0x12345678, { device: '00:99', mountPoint: '/x', fsType: 'bcachefs', source: '/dev/sdb' }, '/x', '00:99');
    expect(named).toMatchObject({ name: 'bcachefs', class: 'local' });
  });

  it('trusts a specific magic over a mount line on another device', () => {
    const fs = describeFilesystem(0x6969, { device: '00:99', mountPoint: '/', fsType: 'ext4', source: '/dev/vda' }, '/mnt/nfs', '00:34');
    expect(fs).toMatchObject({ name: 'nfs', class: 'network' });
  });
});

describe('gatherFilesystem on this machine', () => {
  it('gives the statfs magic and the mount of a real directory', () => {
    const dir = tmpdir();
    const fs = gatherFilesystem(dir);
    expect(fs.magic).toBe(Number(statfsSync(dir).type) >>> 0);
    expect(fs.mountFsType).not.toBeNull();
    // The lockscope test machines keep /tmp on a local disk (ext4, overlay or tmpfs).
    expect(fs.class).toBe('local');
    expect(['ext4', 'overlay', 'tmpfs', 'xfs', 'btrfs']).toContain(fs.name);
  });

  it('names /proc and /dev/shm', () => {
    expect(gatherFilesystem('/proc')).toMatchObject({ name: 'proc', magicHex: '0x9fa0' });
    expect(gatherFilesystem('/dev/shm')).toMatchObject({ name: 'tmpfs', class: 'local' });
  });
});
