/**
 * The filesystem under a directory: statfs f_type, named through /proc/self/mountinfo where statfs
 * cannot tell (every FUSE filesystem shares one magic). Magic numbers: linux/magic.h,
 * linux/gfs2_ondisk.h, cifs smb2_queryfs (linux/magic.h).
 */
import { readFileSync, statfsSync, statSync } from 'node:fs';
import { deviceString } from './files.js';
import type { FilesystemClass, FilesystemFacts } from '../../core/facts.js';

const MAGIC: Record<number, [string, FilesystemClass]> = {
  0xef53: ['ext4', 'local'],
  0x58465342: ['xfs', 'local'],
  0x9123683e: ['btrfs', 'local'],
  0x2fc12fc1: ['zfs', 'local'],
  0xf2f52010: ['f2fs', 'local'],
  0x01021994: ['tmpfs', 'local'],
  0x858458f6: ['ramfs', 'local'],
  0x794c7630: ['overlay', 'local'],
  0x4d44: ['vfat', 'local'],
  0x2011bab0: ['exfat', 'local'],
  0x5346544e: ['ntfs', 'local'],
  0x7366746e: ['ntfs3', 'local'],
  0x3153464a: ['jfs', 'local'],
  0x52654973: ['reiserfs', 'local'],
  0x73717368: ['squashfs', 'local'],
  0x6969: ['nfs', 'network'],
  0xff534d42: ['cifs', 'network'],
  0xfe534d42: ['smb2', 'network'],
  0x517b: ['smbfs', 'network'],
  0x65735546: ['fuse', 'fuse'],
  0x01021997: ['9p', 'virtual'],
  0x00c36400: ['ceph', 'cluster'],
  0x5346414f: ['afs', 'cluster'],
  0x6b414653: ['afs', 'cluster'],
  0x73757245: ['coda', 'cluster'],
  0x7461636f: ['ocfs2', 'cluster'],
  0x01161970: ['gfs2', 'cluster'],
  0x0bd00bd0: ['lustre', 'cluster'],
  0x47504653: ['gpfs', 'cluster'],
  0x19830326: ['beegfs', 'cluster'],
  0x9fa0: ['proc', 'local'],
  0x62656572: ['sysfs', 'local'],
};

/** Filesystem types that are local disks or memory, by their mountinfo name (for magics missing from MAGIC). */
const LOCAL_TYPES = new Set([
  'ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'f2fs', 'bcachefs', 'nilfs2', 'jfs', 'reiserfs', 'tmpfs', 'ramfs',
  'overlay', 'vfat', 'msdos', 'exfat', 'ntfs', 'ntfs3', 'hfsplus', 'apfs', 'squashfs', 'erofs', 'iso9660', 'udf',
  'proc', 'sysfs', 'devtmpfs',
]);

/**
 * mountinfo fstype → class, for names that statfs cannot tell apart (every FUSE filesystem and virtiofs share
 * FUSE_SUPER_MAGIC) or that are clearer than the magic. FUSE filesystems whose files live on another host
 * (sshfs, s3fs, rclone…) are `network`: their locks never reach the other hosts (sshfs keeps them local).
 */
function classFromMountType(fsType: string): FilesystemClass | undefined {
  if (/^(virtiofs|9p|drvfs|vboxsf|prl_fs|vmhgfs)$/.test(fsType) || fsType === 'fuse.vmhgfs-fuse') return 'virtual';
  if (/^(nfs|nfs4|cifs|smb3|smbfs|ncpfs|davfs)$/.test(fsType)) return 'network';
  if (/^(ceph|glusterfs|lustre|gpfs|beegfs|ocfs2|gfs2|afs|coda)$/.test(fsType)) return 'cluster';
  if (/^fuse\.(sshfs|s3fs|rclone|gcsfuse|goofys|juicefs|davfs2|smbnetfs|curlftpfs|blobfuse2?|mountpoint-s3)$/.test(fsType)) return 'network';
  if (/^fuse\.(glusterfs|ceph-fuse|ceph|lizardfs|moosefs|mfs|beegfs)$/.test(fsType)) return 'cluster';
  if (fsType === 'fuse' || fsType === 'fuseblk' || fsType.startsWith('fuse.')) return 'fuse';
  if (LOCAL_TYPES.has(fsType)) return 'local';
  return undefined;
}

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Octal escapes in mountinfo paths (\040 = space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const [majMin, , mountPoint] = [left[2], left[3], left[4]];
    if (!majMin || !mountPoint || right.length < 2) continue;
    const [maj, min] = majMin.split(':').map((n) => Number.parseInt(n, 10));
    if (maj === undefined || min === undefined) continue;
    entries.push({
      device: `${maj.toString(16).padStart(2, '0')}:${min.toString(16).padStart(2, '0')}`,
      mountPoint: unescapeMount(mountPoint),
      fsType: right[0] ?? '',
      source: unescapeMount(right[1] ?? ''),
    });
  }
  return entries;
}

/** The mount that holds `path`: longest mount point that prefixes it, preferring the same device. */
export function findMount(entries: readonly MountEntry[], path: string, device?: string): MountEntry | undefined {
  const under = (m: MountEntry) => m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
  const candidates = entries.filter(under);
  const pool = device ? candidates.filter((m) => m.device === device) : [];
  const pick = (list: MountEntry[]) =>
    list.reduce<MountEntry | undefined>((best, m) => (!best || m.mountPoint.length >= best.mountPoint.length ? m : best), undefined);
  return pick(pool.length > 0 ? pool : candidates);
}

/**
 * Names and classifies the filesystem. statfs is authoritative about the filesystem itself but cannot tell FUSE
 * filesystems apart; the mount's type names them (fuse.sshfs, virtiofs) and refines a magic (nfs → nfs4). When
 * the mount found is not on the directory's own device (`device` given and different), a specific magic wins.
 */
export function describeFilesystem(magic: number, mount: MountEntry | undefined, directory: string, device?: string): FilesystemFacts {
  const known = MAGIC[magic];
  let name = known?.[0] ?? `unknown (0x${magic.toString(16)})`;
  let fsClass: FilesystemClass = known?.[1] ?? 'unknown';
  if (mount?.fsType) {
    const fromMount = classFromMountType(mount.fsType);
    const otherDevice = device !== undefined && mount.device !== device;
    if (known !== undefined && known[1] !== 'fuse' && otherDevice) {
      if (fromMount === fsClass) name = mount.fsType;
    } else {
      if (fromMount) fsClass = fromMount;
      name = mount.fsType;
    }
  }
  return {
    directory,
    magic,
    magicHex: `0x${magic.toString(16)}`,
    name,
    mountPoint: mount?.mountPoint ?? null,
    mountFsType: mount?.fsType ?? null,
    mountSource: mount?.source ?? null,
    class: fsClass,
  };
}

export function gatherFilesystem(directory: string): FilesystemFacts {
  const magic = Number(statfsSync(directory).type) >>> 0;
  let mount: MountEntry | undefined;
  let device: string | undefined;
  try {
    device = deviceString(statSync(directory, { bigint: true }).dev);
    mount = findMount(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')), directory, device);
  } catch {
    // No mountinfo (not Linux): the statfs magic alone names the filesystem.
  }
  return describeFilesystem(magic, mount, directory, device);
}
