/**
 * The filesystem under a directory: statfs f_type, named through /proc/self/mountinfo where statfs
 * cannot tell (every FUSE filesystem shares one magic). Magic numbers: linux/magic.h,
 * linux/gfs2_ondisk.h, cifs smb2_queryfs (sqlite-lock-facts.md §8).
 */
import { readFileSync, statfsSync, statSync } from 'node:fs';
import { deviceString } from './files.js';
import type { FilesystemClass, FilesystemFacts } from './types.js';

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

/** mountinfo fstype → class, for names that statfs cannot give (FUSE) or that are clearer. */
function classFromMountType(fsType: string): FilesystemClass | undefined {
  if (fsType === 'virtiofs') return 'virtual';
  if (/^(nfs|nfs4|cifs|smb3|smbfs|ncpfs|davfs|afs)$/.test(fsType)) return 'network';
  if (/^fuse\.(sshfs|s3fs|rclone|gcsfuse|goofys|juicefs|davfs2|smbnetfs|curlftpfs)$/.test(fsType)) return 'network';
  if (/^fuse\.(glusterfs|ceph-fuse|lizardfs|moosefs|beegfs)$/.test(fsType) || fsType === 'fuse.glusterfs') return 'cluster';
  if (fsType.startsWith('fuse')) return 'fuse';
  if (fsType === '9p' || fsType === 'drvfs') return 'virtual';
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

export function describeFilesystem(magic: number, mount: MountEntry | undefined, directory: string): FilesystemFacts {
  const known = MAGIC[magic];
  let name = known?.[0] ?? `unknown (0x${magic.toString(16)})`;
  let fsClass: FilesystemClass = known?.[1] ?? 'unknown';
  if (mount) {
    const fromMount = classFromMountType(mount.fsType);
    if (fromMount) fsClass = fromMount;
    if (mount.fsType && (known === undefined || known[1] === 'fuse' || fromMount !== undefined)) name = mount.fsType;
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
  try {
    const device = deviceString(statSync(directory, { bigint: true }).dev);
    mount = findMount(parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')), directory, device);
  } catch {
    // No mountinfo (not Linux): the statfs magic alone names the filesystem.
  }
  return describeFilesystem(magic, mount, directory);
}
