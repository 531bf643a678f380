/**
 * The pure pieces: /proc/locks lines as the kernel prints them (byte ranges from SQLite's os.h and wal.c; the
 * kernel's format in proc_locks(5)), lsof -F output, /proc/<pid>/stat with a hostile command name, and the percentile helper.
 * Real processes exercise the same code in holders.test.ts; these cover the shapes that are hard to produce.
 */
import { describe, expect, it } from 'vitest';
import { hiddenLockCount, parseLsof } from '../../src/sources/proc/holders.js';
import { percentile, percentileSorted } from '../../src/core/percentile.js';
import { decodeDbLocks, decodeShmLocks, describeLock, parseProcLocks, shortLockName } from '../../src/sources/proc/lock-table.js';
import { statFields } from '../../src/sources/proc/processes.js';

const TABLE = [
  '1: POSIX  ADVISORY  WRITE 4242 fe:00:2146989 1073741824 1073741825',
  '2: POSIX  ADVISORY  READ 4242 fe:00:2146989 1073741826 1073742335',
  '3: POSIX  ADVISORY  READ 977 fe:00:2146989 1073741826 1073742335',
  '3: -> POSIX  ADVISORY  WRITE 555 fe:00:2146989 1073741826 1073742335',
  '5: OFDLCK ADVISORY  READ -1 fe:00:2146989 0 0',
  '6: FLOCK  ADVISORY  WRITE 12 103:02:99 0 EOF',
  '7: POSIX  ADVISORY  READ 977 fe:00:2146990 124 124',
  '8: POSIX  ADVISORY  READ 977 fe:00:2146990 128 128',
  'garbage line',
  '',
].join('\n');

describe('parseProcLocks', () => {
  it('parses holders, waiters, OFD and flock lines, devices of any width and EOF ends', () => {
    const locks = parseProcLocks(TABLE);
    expect(locks).toHaveLength(8);
    expect(locks[3]).toMatchObject({ ordinal: 3, waiting: true, pid: 555, type: 'WRITE' });
    expect(locks[4]).toMatchObject({ lockClass: 'OFDLCK', pid: -1 });
    expect(locks[5]).toMatchObject({ lockClass: 'FLOCK', device: '103:02', inode: '99', start: 0, end: null });
  });

  it('keeps only the lines on the given files when asked (the sampler path)', () => {
    const locks = parseProcLocks(TABLE, ['fe:00:2146990']);
    expect(locks.map((l) => l.ordinal)).toEqual([7, 8]);
    // A key must match the whole identity, not a prefix of a longer inode.
    expect(parseProcLocks(TABLE, ['fe:00:214698'])).toEqual([]);
  });

  it('counts the locks hidden from this PID namespace from gaps in the ordinals', () => {
    expect(hiddenLockCount(parseProcLocks(TABLE))).toBe(1); // ordinal 4 is missing
    expect(hiddenLockCount(parseProcLocks('2: POSIX  ADVISORY  READ 2 00:27:5 1073741826 1073742335\n'))).toBe(1);
    expect(hiddenLockCount([])).toBe(0);
  });
});

describe('decoding by covered bytes, not by line count', () => {
  const db = (lines: string) => decodeDbLocks(parseProcLocks(lines));
  it('PENDING and RESERVED merged into one range, plus SHARED', () => {
    expect(db(TABLE.split('\n').slice(0, 2).join('\n')).map((l) => l.name)).toEqual(['shared', 'reserved', 'pending']);
  });
  it('EXCLUSIVE as one merged line or as two lines', () => {
    expect(db('1: POSIX  ADVISORY  WRITE 1 fe:00:1 1073741824 1073742335')).toEqual([{ name: 'exclusive', mode: 'exclusive', file: 'db' }]);
    expect(db('1: POSIX  ADVISORY  WRITE 1 fe:00:1 1073741826 1073742335\n2: POSIX  ADVISORY  WRITE 1 fe:00:1 1073741824 1073741824').map((l) => l.name)).toEqual(['exclusive']);
  });
  it('a waiter is not a holder', () => {
    expect(db('3: -> POSIX  ADVISORY  WRITE 555 fe:00:1 1073741826 1073742335')).toEqual([]);
  });
  it('-shm: write and checkpoint merged (a waiting FULL checkpoint), read marks with the frame they pin', () => {
    const shm = decodeShmLocks(parseProcLocks('1: POSIX  ADVISORY  WRITE 9 fe:00:2 120 121\n2: POSIX  ADVISORY  READ 9 fe:00:2 124 124\n3: POSIX  ADVISORY  READ 9 fe:00:2 128 128'), [0, 12, null, null, null]);
    expect(shm).toEqual([
      { name: 'wal-write', mode: 'exclusive', file: 'shm' },
      { name: 'wal-checkpoint', mode: 'exclusive', file: 'shm' },
      { name: 'wal-read-1', mode: 'shared', file: 'shm', pinsFrame: 12 },
      { name: 'wal-dms', mode: 'shared', file: 'shm' },
    ]);
    expect(shm.map(shortLockName)).toEqual(['WRITE', 'CKPT', 'READ1@12', 'DMS']);
    expect(describeLock(shm[2]!)).toBe('read mark 1 (pins frame 12)');
    expect(describeLock({ name: 'wal-read-0', mode: 'exclusive', file: 'shm' })).toContain('checkpoint backfilling');
  });
});

describe('parseLsof', () => {
  it('maps lsof -F pcufi records to holders by inode', () => {
    const out = ['p4242', 'cpython3', 'u1000', 'f3', 'i2146989', 'f4', 'i2146990', 'f5', 'i7', 'p977', 'cnode', 'u0', 'fmem', 'i2146990', ''].join('\n');
    expect(parseLsof(out, [{ role: 'db', inode: '2146989' }, { role: 'shm', inode: '2146990' }])).toEqual([
      { pid: 977, command: 'node', uid: 0, files: ['shm'] },
      { pid: 4242, command: 'python3', uid: 1000, files: ['db', 'shm'] },
    ]);
  });
});

describe('statFields', () => {
  it('splits /proc/<pid>/stat after the last ")" so a command name with spaces and parentheses cannot shift fields', () => {
    const f = statFields('4242 (evil) 1 2 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 123456 1000 10')!;
    expect(f[0]).toBe('S');
    expect(f[11]).toBe('7'); // utime
    expect(f[12]).toBe('3'); // stime
    expect(f[19]).toBe('123456'); // starttime
  });
});

describe('percentile (nearest rank)', () => {
  it('returns observed values', () => {
    const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentileSorted(v, 50)).toBe(50);
    expect(percentileSorted(v, 99)).toBe(100);
    expect(percentileSorted(v, 100)).toBe(100);
    expect(percentileSorted(v, 1)).toBe(10);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentileSorted([7], 99)).toBe(7);
    expect(percentileSorted([], 50)).toBeNull();
    expect(() => percentileSorted(v, 0)).toThrow(RangeError);
  });
});
