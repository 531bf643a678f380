/**
 * CLI snapshots (after arethetypeswrong's packages/cli/test/snapshots.test.ts): each file under
 * test/snapshots/<command>/ keeps `$ lockscope <args>`, its stdout, its stderr when there is any, and
 * `Exit code: N` together, run on real databases built here. What varies from run to run or machine to
 * machine (the temporary directory, inodes, times, salts, mount points, the user, pids, lockscope's version) is
 * replaced by a <placeholder>; everything else must match. The fixtures live on tmpfs (/dev/shm) so the
 * filesystem reads the same everywhere; they are written by python3's sqlite3, whose library version is in
 * their headers (3.40.1, Debian bookworm's libsqlite3, here and on .ci/run's machine): another version
 * changes the sqlite-version findings, and the snapshots with them. They assume lockscope runs as root, as
 * .ci/run does (lock-visibility reads differently for other users).
 * Update after an intended change: `npx vitest run test/cli-snapshots.test.ts -u`, then read the diff.
 */
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAbandonedWal, buildDatabase, makeTempDir, removeDir } from '../fixtures/databases.js';
import { buildHotJournal } from '../fixtures/journals.js';
import { VERSION } from '../src/core/version.js';
import { BIN, cleanEnv } from './helpers/cli.js';

interface Case {
  /** test/snapshots/<file>.txt */
  file: string;
  args: string[];
}

const AUDIT = ['audit', 'wal.db', 'rollback.db', 'hot.db', 'missing.db', 'not-sqlite.db'];
const CASES: Case[] = [
  // audit: every format over every kind of fixture
  { file: 'audit/text', args: AUDIT },
  { file: 'audit/json', args: [...AUDIT, '--json'] },
  { file: 'audit/sarif', args: [...AUDIT, '--format', 'sarif'] },
  { file: 'audit/junit', args: [...AUDIT, '--format', 'junit'] },
  { file: 'audit/junit-warn-as-property', args: ['audit', 'wal.db', '--format', 'junit', '--junit-warn-as', 'property'] },
  { file: 'audit/github', args: [...AUDIT, '--format', 'github'] },
  { file: 'audit/markdown', args: [...AUDIT, '--format', 'markdown'] },
  { file: 'audit/stack-django', args: ['audit', 'wal.db', 'rollback.db', '--stack', 'django'] },
  { file: 'audit/stack-all', args: ['audit', 'rollback.db', '--stack', 'all'] },
  { file: 'audit/verbose', args: ['audit', 'wal.db', '--verbose', '--busy-timeout', '5000', '--tx', 'immediate'] },
  { file: 'audit/declared-settings-fail-on-warn', args: ['audit', 'rollback.db', '--busy-timeout', '0', '--tx', 'deferred', '--writers', '4', '--fail-on', 'warn'] },
  { file: 'audit/threshold', args: ['audit', 'wal.db', '--stack', 'go', '--threshold', 'wal-size.warnBytes=64KiB'] },
  { file: 'audit/default-command', args: ['rollback.db', '--stack', 'python'] },
  { file: 'audit/missing', args: ['audit', 'missing.db'] },
  { file: 'audit/not-sqlite', args: ['audit', 'not-sqlite.db', '--json'] },
  // usage errors
  { file: 'usage/bad-fail-on', args: ['audit', 'wal.db', '--fail-on', 'bogus'] },
  { file: 'usage/bad-format', args: ['audit', 'wal.db', '--format', 'yaml'] },
  { file: 'usage/bad-busy-timeout', args: ['audit', 'wal.db', '--busy-timeout', 'soon'] },
  { file: 'usage/bad-tx', args: ['audit', 'wal.db', '--tx', 'later'] },
  { file: 'usage/bad-stack', args: ['audit', 'wal.db', '--stack', 'cobol'] },
  { file: 'usage/bad-threshold', args: ['audit', 'wal.db', '--threshold', 'wal-size.nope=1'] },
  { file: 'usage/unknown-option', args: ['audit', 'wal.db', '--jsno'] },
  { file: 'usage/unknown-command', args: ['nope'] },
  { file: 'usage/misspelt-command', args: ['adit', 'wal.db'] },
  { file: 'usage/no-argument', args: [] },
  { file: 'usage/version', args: ['--version'] },
  { file: 'usage/version-v', args: ['-v'] },
  // help texts
  { file: 'help/lockscope', args: ['--help'] },
  { file: 'help/audit', args: ['audit', '--help'] },
  { file: 'help/locks', args: ['locks', '--help'] },
  { file: 'help/init', args: ['init', '--help'] },
  { file: 'help/checks', args: ['checks', '--help'] },
  { file: 'help/explain', args: ['explain', '--help'] },
  { file: 'help/stress', args: ['stress', '--help'] },
  { file: 'help/demo', args: ['demo', '--help'] },
  // catalogue
  { file: 'checks/text', args: ['checks'] },
  { file: 'checks/json', args: ['checks', '--json'] },
  { file: 'explain/busy-timeout', args: ['explain', 'busy-timeout'] },
  { file: 'explain/unknown', args: ['explain', 'busy-timout'] },
  // locks on databases nobody has open
  { file: 'locks/idle', args: ['locks', 'idle.db', 'rollback.db'] },
  { file: 'locks/idle-json', args: ['locks', 'idle.db', '--json'] },
  { file: 'locks/missing', args: ['locks', 'missing.db'] },
  // stress: usage errors only (its timings are not deterministic)
  { file: 'stress/no-db', args: ['stress'] },
  { file: 'stress/bad-writers', args: ['stress', 'wal.db', '--writers', '0'] },
  { file: 'stress/bad-duration', args: ['stress', 'wal.db', '--duration', 'forever'] },
  { file: 'stress/duration-without-unit', args: ['stress', 'wal.db', '--duration', '5'] },
  { file: 'stress/bad-pattern', args: ['stress', 'wal.db', '--pattern', 'random'] },
  { file: 'stress/live-without-yes', args: ['stress', 'wal.db', '--live'] },
  { file: 'stress/missing-db', args: ['stress', 'missing.db', '--duration', '1s'] },
];

let dir: string;
const results = new Map<string, { stdout: string; stderr: string; code: number | null }>();

function run(args: string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    // stdin is /dev/null: not a terminal, as in CI.
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: cleanEnv({ COLUMNS: '80' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ stdout, stderr, code });
    });
  });
}

/** Volatile JSON values, by key: replaced wherever they occur in a JSON document. */
const VOLATILE_KEYS = new Set(['inode', 'mtimeMs', 'salt1', 'salt2', 'takenAt', 'processesScanned', 'device', 'uid', 'gid', 'owner', 'mountPoint', 'mountSource', 'page1Head', 'dbOwner']);

function normaliseJson(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseJson(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseJson(v, k)]));
  }
  if (VOLATILE_KEYS.has(key) && value !== null) return `<${key}>`;
  return value;
}

function normalise(text: string): string {
  let out = text;
  const trimmed = out.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    try {
      out = `${JSON.stringify(normaliseJson(JSON.parse(trimmed)), null, 2)}\n`;
    } catch {
      // not one JSON document: compared as text
    }
  }
  const user = userInfo();
  return out
    .replaceAll(realpathSync(dir), '<dir>')
    .replaceAll(dir, '<dir>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\b(pid) \d+/gi, '$1 <pid>')
    .replace(/\(uid \d+, gid \d+\)/g, '(uid <uid>, gid <gid>)')
    .replace(/owner uid \d+, gid \d+/g, 'owner uid <uid>, gid <gid>')
    .replace(/\(uid \d+\)/g, '(uid <uid>)')
    .replace(new RegExp(`\\b(owner|dbOwner|owned by)([ =])${user.username}\\b`, 'g'), '$1$2<user>')
    // Where the temporary filesystem is mounted from, and how many processes /proc listed.
    .replace(/\bmounted at \S+ from \S+,/g, 'mounted at <mount> from <source>,')
    .replace(/\b(mountPoint|mountSource|processesScanned)=\S+/g, '$1=<$1>')
    .replace(/of all \d+ processes/g, 'of all <n> processes')
    .replaceAll(`lockscope@${VERSION}`, 'lockscope@<version>')
    .replaceAll(`"${VERSION}"`, '"<version>"')
    .replace(new RegExp(`\\b${VERSION.replaceAll('.', '\\.')}\\b`, 'g'), '<version>');
}

function render(c: Case): string {
  const r = results.get(c.file)!;
  const parts = [`$ lockscope ${c.args.join(' ')}`, '', normalise(r.stdout).trimEnd()];
  if (r.stderr) parts.push('', '--- stderr', normalise(r.stderr).trimEnd());
  parts.push('', `Exit code: ${r.code}`, '');
  return parts.join('\n');
}

beforeAll(async () => {
  // tmpfs in /dev/shm where there is one: the same filesystem on every Linux machine, so the filesystem
  // lines and checks read the same everywhere.
  dir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/lockscope-snap-') : makeTempDir('lockscope-snap-');
  buildAbandonedWal(join(dir, 'wal.db'), 20);
  buildDatabase(join(dir, 'rollback.db'), { journalMode: 'delete' });
  buildDatabase(join(dir, 'idle.db'), { journalMode: 'wal' });
  buildHotJournal(join(dir, 'hot.db'));
  writeFileSync(join(dir, 'not-sqlite.db'), 'this is not a database\n'.repeat(10));
  // Runs that may read a database go one at a time: lockscope lists the processes that have a database open,
  // and another lockscope run reading it at that moment is one of them (a usage error found after the
  // facts were gathered, such as an unknown threshold, reads them too). The rest run beside them.
  const readsDatabases = (c: Case) => /^(audit|locks)\//.test(c.file) || c.args.some((a) => a.endsWith('.db'));
  const drain = async (queue: Case[]) => {
    for (let c = queue.shift(); c; c = queue.shift()) results.set(c.file, await run(c.args));
  };
  const others = CASES.filter((c) => !readsDatabases(c));
  await Promise.all([drain(CASES.filter(readsDatabases)), drain(others), drain(others)]);
}, 120_000);
afterAll(() => removeDir(dir));

describe('CLI snapshots', () => {
  for (const c of CASES) {
    it(`lockscope ${c.args.join(' ')}`, async () => {
      await expect(render(c)).toMatchFileSnapshot(`snapshots/${c.file}.txt`);
    });
  }
});
