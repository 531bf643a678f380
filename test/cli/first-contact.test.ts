/**
 * What a newcomer types first, through the built CLI: `lockscope` alone, a misspelt command, -v, and the
 * strict reading of times and thresholds (a typo fails with exit 2 and a suggestion, never runs a wrong gate).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDatabase } from '../../fixtures/databases.js';
import { VERSION } from '../../src/core/version.js';
import { runCli } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();

describe('first contact', () => {
  it('lockscope alone, no config around: the usage on stderr, exit 2, nothing on stdout', () => {
    const r = runCli([], { cwd: scratch.tempDir() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: lockscope \[options\] \[command\]/);
    expect(r.stderr).toContain('audit [options] [db...]');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('lockscope: no database given and no lockscope.config.json here or above: lockscope audit <db...>, or lockscope init');
  });

  it('lockscope alone with a config: audits its databases, as before', () => {
    const dir = scratch.tempDir();
    buildDatabase(join(dir, 'app.db'), { journalMode: 'wal' });
    writeFileSync(join(dir, 'lockscope.config.json'), '{ "databases": ["app.db"], "app": { "busyTimeoutMs": 5000, "transactionMode": "immediate" } }');
    const r = runCli([], { cwd: dir });
    expect(r.stdout).toContain('app.db');
    expect(r.stdout).toMatch(/1 database · /);
  });

  it.each([
    ['adit', 'audit'],
    ['lock', 'locks'],
    ['chekcs', 'checks'],
    ['strss', 'stress'],
  ])('a misspelt command that is no file (%s): "did you mean %s?", exit 2', (typo, command) => {
    const r = runCli([typo, 'x.db'], { cwd: scratch.tempDir() });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`lockscope: unknown command "${typo}" (did you mean ${command}?), and no file of that name here\n`);
  });

  it('a bare word close to no command: says it is neither a command nor a file', () => {
    const r = runCli(['zzzzzz'], { cwd: scratch.tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lockscope: "zzzzzz" is neither a command (audit, locks, demo, init, checks, explain, stress, trace, scan, watch, help) nor an existing file\n');
  });

  it('a file named like a typo is a database, not a command (audit is the default command)', () => {
    const dir = scratch.tempDir();
    buildDatabase(join(dir, 'adit'), { journalMode: 'wal' });
    const r = runCli(['adit', '--json'], { cwd: dir });
    expect(JSON.parse(r.stdout).databases[0].path).toBe('adit');
  });

  it('-v, -V and --version print the version', () => {
    for (const flag of ['-v', '-V', '--version']) {
      const r = runCli([flag]);
      expect(r.code, flag).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
    }
  });
});

describe('strict input', () => {
  // A database per test: scratch directories are removed after each test.
  const db = () => {
    const d = scratch.tempDir();
    buildDatabase(join(d, 'wal.db'), { journalMode: 'wal' });
    return join(d, 'wal.db');
  };

  it.each([
    [['stress', '--duration', '5'], '--duration needs a unit: did you mean 5s?'],
    [['locks', '--for', '10'], '--for needs a unit: did you mean 10s?'],
    [['stress', '--hold', '50'], '--hold needs a unit: did you mean 50s?'],
    [['stress', '--think', '1.5'], '--think needs a unit: did you mean 1.5s?'],
    [['stress', '--duration', '25h'], '--duration must be at most 24 h (got "25h")'],
    [['locks', '--for', '2d'], '--for must be a duration like 200ms, 5s or 2m (got "2d")'],
    [['stress', '--reader-hold', '61m'], '--reader-hold must be at most 1 h (got "61m")'],
    [['audit', '--checkpoint', '--checkpoint-timeout', '2h'], '--checkpoint-timeout must be at most 1 h (got "2h")'],
    [['audit', '--busy-timeout', '2147483648'], '--busy-timeout must be at most 2147483647 ms (got "2147483648")'],
    [['audit', '--busy-timeout', '1.5'], '--busy-timeout must be whole milliseconds (5000) or a duration with a unit like 5s (got "1.5")'],
    [['stress', '--threshold', 'wal-sise.warnBytes=1MiB'], 'no check "wal-sise" (did you mean wal-size?)'],
    [['stress', '--threshold', 'stress-busy.failPercnt=5'], 'no threshold "failPercnt" (did you mean failPercent?)'],
  ])('%j: exit 2, one line: %s', (args, message) => {
    const [command, ...flags] = args;
    const r = runCli([command!, db(), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--busy-timeout and --checkpoint-timeout take milliseconds as the PRAGMA does, and units', () => {
    const path = db();
    const busy = (value: string) => JSON.parse(runCli(['audit', path, '--json', '--busy-timeout', value, '--tx', 'immediate']).stdout).databases[0].app;
    const fiveSeconds = busy('5s');
    expect(busy('5000')).toEqual(fiveSeconds);
    expect(JSON.stringify(fiveSeconds)).toContain('5000');
    const checkpoint = JSON.parse(runCli(['audit', db(), '--json', '--checkpoint', 'passive', '--checkpoint-timeout', '1s']).stdout).databases[0].facts.checkpoint;
    expect(checkpoint.timeoutMs).toBe(1000);
  });

  it('durations with a unit run as asked: locks --for 300ms asks for a 300 ms window', () => {
    const r = JSON.parse(runCli(['locks', db(), '--json', '--for', '300ms']).stdout);
    expect(r.databases[0].sampling.requestedMs).toBe(300);
  });
});
