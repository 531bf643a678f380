/**
 * Replayable facts: `--save-facts` then `--from-facts` gives the same report — the same findings, deep-equal —
 * for real databases in several states, with the databases deleted before the replay (so the replay cannot
 * have read them, and must not create them). The saved settings stay in force; a flag given at replay
 * replaces the saved value; the facts file obeys the rules of --output; a bad facts file is exit 2, one line.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildAbandonedWal, buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { buildHotJournal, buildRollbackDatabase } from '../../fixtures/journals.js';
import { runCli, sha256 } from '../helpers/cli.js';
import { scratchPerTest } from '../helpers/scratch.js';

const scratch = scratchPerTest();
let dir: string;

beforeEach(() => {
  dir = scratch.tempDir('lockscope-replay-');
});

interface JsonReport {
  command: string;
  exitCode: number;
  databases: { path: string; findings?: unknown[]; error?: { code: string } }[];
  stack?: Record<string, unknown>;
}

/** Removes a database and every side file SQLite keeps beside it. */
function removeDatabase(name: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(join(dir, `${name}${suffix}`), { force: true });
}

/** Saves the facts of `command` on `names`, deletes the databases, replays: both reports, both exit codes. */
async function roundTrip(command: 'audit' | 'locks', names: string[], flags: string[] = [], stopHolders?: () => Promise<void>) {
  const saved = runCli([command, ...names, '--json', '--save-facts', 'facts.json', ...flags], { cwd: dir });
  expect(saved.signal).toBeNull();
  expect(saved.stderr).toContain(`saved the facts of ${names.length} database`);
  expect(existsSync(join(dir, 'facts.json'))).toBe(true);
  await stopHolders?.();
  for (const name of names) removeDatabase(name);
  const replay = runCli([command, '--from-facts', 'facts.json', '--json'], { cwd: dir });
  expect(replay.signal).toBeNull();
  // Nothing of the databases was created by the replay.
  for (const name of names) for (const suffix of ['', '-wal', '-shm', '-journal']) expect(existsSync(join(dir, `${name}${suffix}`))).toBe(false);
  return { saved, replay, original: JSON.parse(saved.stdout) as JsonReport, replayed: JSON.parse(replay.stdout) as JsonReport };
}

describe('audit --save-facts / --from-facts round trip', () => {
  it('WAL with frames, rollback, hot journal, a live reader and a missing path: identical findings and report after the databases are deleted', async () => {
    buildAbandonedWal(join(dir, 'wal.db'), 30);
    buildRollbackDatabase(join(dir, 'rollback.db'), 50);
    buildHotJournal(join(dir, 'hot.db'), 2000);
    buildDatabase(join(dir, 'live.db'), { journalMode: 'wal', rows: 10 });
    const keeper = await holdState(join(dir, 'live.db'), 'wal-idle');
    scratch.holders.push(keeper);
    python(join(dir, 'live.db'), 'c = sqlite3.connect(db, isolation_level=None)\nfor i in range(3): c.execute("INSERT INTO t(v) VALUES (\'y\')")\nc.close()');
    const reader = await holdState(join(dir, 'live.db'), 'wal-read');
    scratch.holders.push(reader);
    const names = ['wal.db', 'rollback.db', 'hot.db', 'live.db', 'missing.db'];
    const { saved, replay, original, replayed } = await roundTrip('audit', names, ['--busy-timeout', '0', '--wal-autocheckpoint', '1', '--stack', 'django', '--threshold', 'wal-size.warnBytes=1KiB'], async () => {
      await reader.stop();
      await keeper.stop();
    });
    // The states are really different: a hot journal, a WAL over the (saved) threshold, an input error.
    const ids = (i: number) => ((original.databases[i]!.findings ?? []) as { id: string; status: string }[]).map((f) => `${f.id}:${f.status}`);
    expect(ids(2)).toContain('hot-journal:fail');
    expect(ids(0).some((s) => s.startsWith('wal-size:') && !s.endsWith(':pass'))).toBe(true);
    expect(original.databases[4]!.error?.code).toBe('ENOENT');
    expect(replayed.databases.map((d) => d.findings)).toEqual(original.databases.map((d) => d.findings));
    // The same report, but for where the stack came from: the flag then, the facts file now.
    expect(replayed.stack).toMatchObject({ name: 'django', from: 'facts', defaultsInVerdicts: true });
    expect({ ...replayed, stack: original.stack }).toEqual(original);
    expect(replay.code).toBe(saved.code);
    // The text report is the same too (the stack saved with the facts filters the fixes).
    const text = runCli(['audit', '--from-facts', 'facts.json'], { cwd: dir });
    expect(text.stdout).toContain('hot.db');
    expect(text.stdout).toContain('→ [django]');
    expect(text.stdout).not.toContain('→ [better-sqlite3]');
  });

  it('the saved settings are in force at replay; a flag given at replay replaces the saved one', async () => {
    buildDatabase(join(dir, 'app.db'), { journalMode: 'wal', rows: 10 });
    const { original, replayed } = await roundTrip('audit', ['app.db'], ['--busy-timeout', '0']);
    const busy = (r: JsonReport) => ((r.databases[0]!.findings ?? []) as { id: string; status: string }[]).find((f) => f.id === 'busy-timeout')!;
    expect(busy(original).status).toBe('fail');
    expect(busy(replayed)).toEqual(busy(original));
    const changed = runCli(['audit', '--from-facts', 'facts.json', '--json', '--busy-timeout', '5000'], { cwd: dir });
    expect(busy(JSON.parse(changed.stdout) as JsonReport).status).toBe('pass');
  });

  it('audit --stress: the stress it measured is replayed (its findings, and its text section), not run again', async () => {
    buildDatabase(join(dir, 'app.db'), { journalMode: 'wal', rows: 10 });
    const saved = runCli(['audit', 'app.db', '--stress', '--save-facts', 'facts.json'], { cwd: dir, timeoutMs: 60_000 });
    expect(saved.stdout).toContain('stress (scratch database, short run)');
    removeDatabase('app.db');
    const replay = runCli(['audit', '--from-facts', 'facts.json'], { cwd: dir });
    expect(replay.stdout).toBe(saved.stdout);
    expect(replay.code).toBe(saved.code);
    // The time series is saved with the facts and comes back unchanged in the replay's JSON.
    const file = JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8')) as { databases: { facts: { stress: { series: { intervals: unknown[] } } } }[] };
    const series = file.databases[0]!.facts.stress.series;
    expect(series.intervals.length).toBeGreaterThan(0);
    const json = runCli(['audit', '--from-facts', 'facts.json', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout).databases[0].facts.stress.series).toEqual(series);
    // No scratch database was created for the replay.
    expect(readdirSync(dir).sort()).toEqual(['facts.json']);
  });
});

describe('locks --save-facts / --from-facts round trip', () => {
  it('a live reader, snapshot and sampled: identical holders, sampling and findings after the database is deleted', async () => {
    buildDatabase(join(dir, 'app.db'), { journalMode: 'wal', rows: 10 });
    python(join(dir, 'app.db'), 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
    const reader = await holdState(join(dir, 'app.db'), 'wal-read');
    scratch.holders.push(reader);
    const saved = runCli(['locks', 'app.db', '--json', '--for', '300ms', '--save-facts', 'facts.json'], { cwd: dir });
    const snap = runCli(['locks', 'app.db', '--json', '--save-facts', 'snap.json'], { cwd: dir });
    await reader.stop();
    removeDatabase('app.db');
    for (const [run, file] of [[saved, 'facts.json'], [snap, 'snap.json']] as const) {
      const original = JSON.parse(run.stdout) as JsonReport & { databases: { holders?: unknown[] }[] };
      expect(original.databases[0]!.holders!.length).toBeGreaterThan(0);
      const replay = runCli(['locks', '--from-facts', file, '--json'], { cwd: dir });
      expect(replay.code).toBe(run.code);
      expect(JSON.parse(replay.stdout)).toEqual(original);
    }
    const sampling = (JSON.parse(saved.stdout) as { databases: { sampling?: { samples: number; timeline: { holds: { pid: number; lock: string; open: boolean }[] } } }[] }).databases[0]!.sampling!;
    expect(sampling.samples).toBeGreaterThan(0);
    // The timeline (replayed identically above) holds the reader's read mark, open as the window ended.
    expect(sampling.timeline.holds.some((h) => h.pid === reader.pid && /^READ[0-4]$/.test(h.lock) && h.open)).toBe(true);
    expect(existsSync(join(dir, 'app.db'))).toBe(false);
  });
});

describe('golden facts file', () => {
  const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
  it('test/audit/golden/hot-journal.facts.json replays to the committed report', () => {
    const r = runCli(['audit', '--from-facts', join(GOLDEN, 'hot-journal.facts.json'), '--json']);
    const expected = JSON.parse(readFileSync(join(GOLDEN, 'hot-journal.expected.json'), 'utf8')) as JsonReport & { tool: { version: string } };
    const { stack, ...actual } = JSON.parse(r.stdout) as JsonReport & { tool: { version: string }; stack: unknown };
    // The stack saved with the facts is declared: it wins over any detected around the replay.
    expect(stack).toEqual({ name: 'python', from: 'facts', defaultsInVerdicts: true, reason: 'saved with the facts' });
    // The tool version is the one replaying, not the one that saved.
    expected.tool.version = actual.tool.version;
    expect(actual).toEqual(expected);
    expect(r.code).toBe(expected.exitCode);
  });
});

describe('--save-facts obeys the rules of --output; --from-facts refuses what it cannot honour', () => {
  beforeEach(() => {
    buildAbandonedWal(join(dir, 'app.db'), 5);
    copyFileSync(join(dir, 'app.db'), join(dir, 'copy.json'));
  });

  it.each([
    ['app.db-wal', 'the WAL'],
    ['app.db', 'a database'],
    ['copy.json', 'a file with SQLite content'],
  ])('refuses --save-facts %s: exit 2, one line, the file unchanged', (target) => {
    const before = sha256(join(dir, target));
    const r = runCli(['audit', 'app.db', '--save-facts', target], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^lockscope: refusing --save-facts ${target}: .*; nothing was written`));
    expect(r.stdout).toBe('');
    expect(sha256(join(dir, target))).toBe(before);
  });

  it('refuses --save-facts onto the --output file', () => {
    const r = runCli(['audit', 'app.db', '--json', '--output', 'out.json', '--save-facts', './out.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing --save-facts ./out.json: it is also the --output file');
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  });

  it('bad facts files and conflicting flags: exit 2, one line, nothing written', () => {
    runCli(['audit', 'app.db', '--save-facts', 'facts.json'], { cwd: dir });
    const facts = JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'newer.json'), JSON.stringify({ ...facts, factsVersion: 2 }));
    writeFileSync(join(dir, 'locks.json'), JSON.stringify({ ...facts, command: 'locks' }));
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ ...facts, databases: [{ path: 'x.db', source: 'sqlite', facts: { path: 'x.db' } }] }));
    const saved = (facts.databases as { facts: Record<string, unknown> }[])[0]!;
    writeFileSync(join(dir, 'edited.json'), JSON.stringify({ ...facts, databases: [{ ...saved, facts: { ...saved.facts, header: { walEnabled: true } } }] }));
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);
    const cases: [string[], RegExp][] = [
      [['audit', '--from-facts', 'app.db'], /^lockscope: app\.db is not a lockscope facts file \(not JSON\)$/],
      [['audit', '--from-facts', 'nowhere.json'], /^lockscope: --from-facts nowhere\.json: cannot read it: ENOENT$/],
      [['audit', '--from-facts', 'newer.json'], /has factsVersion 2; this lockscope \(.*\) reads version 1: replay it with the lockscope that wrote it/],
      [['audit', '--from-facts', 'locks.json'], /holds the facts of `lockscope locks`: replay it with that command/],
      [['locks', '--from-facts', 'facts.json'], /holds the facts of `lockscope audit`/],
      [['audit', '--from-facts', 'broken.json'], /databases\[0\]\.facts: "path" and "realPath" must be strings/],
      [['audit', '--from-facts', 'edited.json'], /^lockscope: --from-facts edited\.json: the facts are not in the shape this lockscope reads \(/],
      [['audit', '--from-facts', 'fifo.json'], /^lockscope: --from-facts fifo\.json: not a regular file$/],
      [['audit', 'app.db', '--from-facts', 'facts.json'], /^lockscope: --from-facts names the databases itself: give no database/],
      [['audit', '--from-facts', 'facts.json', '--stress'], /--stress cannot be combined with it/],
      [['audit', '--from-facts', 'facts.json', '--checkpoint'], /--checkpoint cannot be combined with it/],
      [['audit', '--from-facts', 'facts.json', '--checkpoint-timeout', '1s'], /--checkpoint-timeout cannot be combined with it/],
      [['audit', '--from-facts', 'facts.json', '--save-facts', 'again.json'], /cannot be combined with --save-facts/],
      [['locks', '--from-facts', 'facts.json', '--for', '1s'], /--for cannot be combined with it/],
    ];
    const walBefore = sha256(join(dir, 'app.db-wal'));
    for (const [args, message] of cases) {
      const r = runCli(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trimEnd(), args.join(' ')).toMatch(message);
    }
    expect(existsSync(join(dir, 'again.json'))).toBe(false);
    expect(sha256(join(dir, 'app.db-wal'))).toBe(walBefore);
  });
});
