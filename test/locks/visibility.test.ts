/**
 * What lockscope cannot see, it says — tested for real: another user without root (setpriv), a nested PID
 * namespace (unshare), an OFD lock, and no /proc/locks (the lsof fallback, and lsof missing too).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import lockHolders from '../../checks/lock-holders.js';
import lockVisibility from '../../checks/lock-visibility.js';
import { type Holder, buildDatabase, holdState, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { gatherAuditFacts, gatherLocks, statDatabaseFiles } from '../../src/sources/sqlite/gather.js';
import { isGatherError } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { runCli, nobodyCanRunCli, AS_NOBODY } from '../helpers/cli.js';

let dir = '';
const holders: Holder[] = [];
const children: ReturnType<typeof spawn>[] = [];
beforeEach(() => {
  dir = makeTempDir('lockscope-visibility-');
  chmodSync(dir, 0o755); // readable by the unprivileged user below
});
afterEach(async () => {
  for (const h of holders.splice(0)) await h.stop();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  removeDir(dir);
});

const canSetpriv = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

function db(): string {
  const path = join(dir, 'app.db');
  buildDatabase(path, { journalMode: 'wal', rows: 5 });
  return path;
}

describe('lock visibility, for real', () => {
  it.runIf(canSetpriv && nobodyCanRunCli())('as another user without root: the holder and its locks are known, its files are not, and it says so', async () => {
    const path = db();
    chmodSync(path, 0o644);
    const h = await holdState(path, 'wal-write');
    holders.push(h);
    chmodSync(`${path}-wal`, 0o644);
    chmodSync(`${path}-shm`, 0o644);
    const r = runCli(['locks', path, '--json'], { prefix: AS_NOBODY });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    const d = report.databases[0];
    const holder = d.holders.find((x: { pid: number }) => x.pid === h.pid);
    expect(holder.locks.map((l: { name: string }) => l.name)).toContain('wal-write');
    expect(holder.files).toBeNull();
    expect(holder.user).toBe('root');
    const vis = d.findings.find((f: { id: string }) => f.id === 'lock-visibility');
    expect(vis).toMatchObject({ status: 'info', messageId: 'other-users' });
    expect(vis.evidence.unreadableHolderPids).toContain(h.pid);
    expect(vis.evidence.runningAsRoot).toBe(false);
  });

  it.runIf(canUnshare)('inside a nested PID namespace: the host holder is hidden, and it says so instead of passing', async () => {
    const path = db();
    const h = await holdState(path, 'wal-write');
    holders.push(h);
    const r = runCli(['locks', path, '--json'], { prefix: ['unshare', '--pid', '--fork', '--mount-proc'] });
    const d = JSON.parse(r.stdout).databases[0];
    expect(d.holders).toEqual([]);
    const byId = Object.fromEntries(d.findings.map((f: { id: string }) => [f.id, f]));
    expect(byId['lock-visibility']).toMatchObject({ status: 'info', messageId: 'pid-namespace' });
    expect(byId['lock-holders']).toMatchObject({ status: 'info', messageId: 'none-visible' });
    expect(r.code).toBe(0);
  });

  it('an OFD lock (pid -1) is counted and attributed through /proc/<pid>/fdinfo', async () => {
    const path = db();
    const child = spawn(
      'python3',
      [
        '-c',
        'import fcntl, os, struct, sys, time\nfd = os.open(sys.argv[1], os.O_RDWR)\nfcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_RDLCK, 0, 0, 1, 0))\nprint("READY", flush=True)\nsys.stdin.read()',
        path,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(child);
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const facts = gatherAuditFacts(path);
    if (isGatherError(facts.locks)) throw new Error('no lock table');
    expect(facts.locks.unattributed).toBe(1);
    expect(facts.locks.visibility).toMatchObject({ ofdLocks: 1, ofdHolders: [child.pid] });
    const f = runCheck(lockVisibility, facts, { app: {} })!;
    expect(f).toMatchObject({ status: 'info', messageId: 'ofd-locks' });
    expect(f.message).toContain(`fdinfo names PID ${child.pid}`);
    // The OFD holder has the file open without SQLite locks: listed as a holder with no decoded lock.
    expect(facts.locks.holders.find((x) => x.pid === child.pid)).toMatchObject({ files: ['db'], locks: [] });
  });

  it('without /proc/locks: lsof lists the processes with the files open, lock states unknown', async () => {
    const path = db();
    const h = await holdState(path, 'wal-idle');
    holders.push(h);
    const files = statDatabaseFiles(path);
    const locks = gatherLocks(files, null, undefined, { lsofFallback: true, procLocksPath: join(dir, 'no-such-proc-locks') });
    expect(locks.source).toBe('lsof');
    expect(locks.visibility).toMatchObject({ lockTable: false, lsof: 'ok' });
    expect(locks.visibility!.lockTableError).toMatch(/^ENOENT/);
    const holder = locks.holders.find((x) => x.pid === h.pid)!;
    expect(holder.files).toEqual(['db', 'wal', 'shm']);
    expect(holder.locks).toEqual([]);
    expect(holder.user).toBe('root');
    const facts = { ...gatherAuditFacts(path), locks };
    expect(runCheck(lockHolders, facts, { app: {} })).toMatchObject({ status: 'skip', messageId: 'no-lock-table' });
    expect(runCheck(lockVisibility, facts, { app: {} })).toMatchObject({ status: 'info', messageId: 'no-lock-table' });
    // Without the fallback the audit gets an error in place of the lock facts (its checks skip).
    expect(() => gatherLocks(files, null, undefined, { procLocksPath: join(dir, 'no-such-proc-locks') })).toThrow(/ENOENT/);
  });

  it('without /proc/locks and without lsof: says so, never crashes', () => {
    const path = db();
    const saved = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      const locks = gatherLocks(statDatabaseFiles(path), null, undefined, { lsofFallback: true, procLocksPath: join(dir, 'none') });
      expect(locks.source).toBe('none');
      expect(locks.visibility).toMatchObject({ lockTable: false, lsof: 'missing' });
      const f = runCheck(lockVisibility, { ...gatherAuditFacts(path), locks }, { app: {} })!;
      expect(f.messageId).toBe('no-lock-table');
      expect(f.message).toContain('lsof is not installed either');
    } finally {
      process.env.PATH = saved;
    }
  });
});
