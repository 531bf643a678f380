/** Bad input gets a one-line error naming the file, exit 2, no stack trace; other databases still run. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { runCli, nobodyCanRunCli, AS_NOBODY } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
  chmodSync(dir, 0o755);
  buildDatabase(`${dir}/good.db`, { journalMode: 'wal' });
  mkdirSync(`${dir}/a-directory.db`);
  writeFileSync(`${dir}/empty.db`, '');
  writeFileSync(`${dir}/text.db`, 'hello, this is not a database\n');
  writeFileSync(`${dir}/truncated.db`, Buffer.from('SQLite format 3\u0000\u0010\u0000\u0001\u0001', 'latin1'));
  const corrupt = Buffer.alloc(4096);
  corrupt.write('SQLite format 3\u0000', 'latin1');
  corrupt.writeUInt16BE(1000, 16); // not a power of two
  corrupt[18] = 1;
  corrupt[19] = 1;
  writeFileSync(`${dir}/corrupt.db`, corrupt);
  execFileSync('mkfifo', [`${dir}/fifo.db`]);
  buildDatabase(`${dir}/secret.db`, { journalMode: 'delete' });
  chmodSync(`${dir}/secret.db`, 0o600);
});
afterAll(() => removeDir(dir));

const cases: [string, string, RegExp][] = [
  ['missing path', 'missing.db', /missing\.db: no such file/],
  ['a directory', 'a-directory.db', /a-directory\.db: is a directory/],
  ['an empty file', 'empty.db', /empty\.db: empty file \(0 bytes\)/],
  ['a non-SQLite file', 'text.db', /text\.db: not a SQLite database/],
  ['a truncated header', 'truncated.db', /truncated\.db: truncated header: 20 bytes/],
  ['a corrupt header', 'corrupt.db', /corrupt\.db: corrupt header: page size 1000/],
  ['a FIFO (must not block)', 'fifo.db', /fifo\.db: not a regular file \(fifo\)/],
];

describe('bad input', () => {
  it.each(cases)('%s: one line naming the file, exit 2, no stack trace', (_name, file, message) => {
    const r = runCli(['audit', `${dir}/${file}`], { timeoutMs: 15_000 });
    expect(r.signal, 'must not hang').toBeNull();
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toContain(`${dir}/${file}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.runIf(nobodyCanRunCli())('permission denied (run as nobody)', () => {
    const r = runCli(['audit', `${dir}/secret.db`], { prefix: AS_NOBODY });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`lockscope: ${dir}/secret.db: cannot open: permission denied`);
  });

  it('paths with spaces and non-ASCII characters work', () => {
    const odd = `${dir}/my data ünïcødé 数据.db`;
    buildDatabase(odd, { journalMode: 'wal' });
    const r = runCli(['audit', odd, '--busy-timeout', '5000', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).databases[0].path).toBe(odd);
  });

  it('one bad path does not stop the others; the worst result decides (2)', () => {
    const r = runCli(['audit', `${dir}/missing.db`, `${dir}/good.db`, '--busy-timeout', '5000', '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.databases).toHaveLength(2);
    expect(report.databases[0].error.code).toBe('ENOENT');
    expect(report.databases[1].findings.length).toBeGreaterThan(0);
    expect(report.exitCode).toBe(2);
  });

  it('usage errors exit 2 with one line', () => {
    for (const args of [['audit', 'x.db', '--busy-timeout', '-5'], ['audit', 'x.db', '--tx', 'sometimes'], ['audit', 'x.db', '--fail-on', 'maybe'], ['audit', 'x.db', '--checkpoint', 'sideways'], ['audit']]) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lockscope: /);
    }
  });
});
