/**
 * The text output as a user meets it in a terminal: lockscope runs on a real pseudo-terminal (python3's pty
 * module) of 80 and 120 columns, on a real WAL database that a real process (fixtures/hold.py) holds the write
 * lock of and another one reads. What the terminal receives is read byte for byte: no line may be wider than
 * the terminal, no word may be cut, and under LANG=C / TERM=dumb every byte must be ASCII.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Holder, buildDatabase, holdState, makeTempDir, removeDir } from '../../fixtures/databases.js';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';

// Runs argv on a pty of the given size, copies everything the terminal receives to stdout, and the exit
// code to stderr. The child sets the size before exec, so lockscope sees it from its first line. With
// 'report' the child's stderr goes to /dev/null, so that what is read is the report alone (stdout); with 'all'
// stderr is the terminal too (the spinner draws there).
const DRIVER = String.raw`
import os, pty, sys
cols = int(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    import fcntl, struct, termios
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, cols, 0, 0))
    if sys.argv[2] == 'report':
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    os.execvp(sys.argv[3], sys.argv[3:])
out = b''
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.stderr.write('EXIT %d' % os.waitstatus_to_exitcode(status))
`;

interface PtyRun {
  bytes: Buffer;
  text: string;
  lines: string[];
  code: number;
}

/**
 * lockscope `args` on a `columns`-wide pseudo-terminal, with `env` on top of a user's terminal environment;
 * `read`: the report only (stdout), or everything the terminal shows (stderr's spinner too).
 */
function onTerminal(columns: number, args: string[], env: NodeJS.ProcessEnv = {}, read: 'report' | 'all' = 'report'): PtyRun {
  // A user's terminal: a UTF-8 locale, TERM=xterm, colour allowed (cleanEnv sets NO_COLOR for the pipe tests).
  // PYTHONCOERCECLOCALE=0: under LANG=C the driver (python3) would otherwise set LC_CTYPE=C.UTF-8 for lockscope (PEP 538).
  const base = cleanEnv({ TERM: 'xterm', PYTHONCOERCECLOCALE: '0', ...env });
  if (!('NO_COLOR' in env)) delete base.NO_COLOR;
  const r = spawnSync('python3', ['-c', DRIVER, String(columns), read, process.execPath, BIN, ...args], { env: base, timeout: 60_000 });
  const bytes = r.stdout as Buffer;
  const code = Number(/EXIT (-?\d+)/.exec(String(r.stderr))?.[1] ?? NaN);
  const text = bytes.toString('utf8');
  // The terminal driver turns each \n into \r\n.
  return { bytes, text, lines: text.split(/\r?\n/), code };
}

const widest = (lines: readonly string[]) => Math.max(...lines.map((l) => stringWidth(stripAnsi(l))));

/** The words of a text report: whitespace-separated, table borders and code continuations left out. */
function words(text: string): string[] {
  return stripAnsi(text)
    .replace(/[│┌┐└┘├┤┬┴┼─]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && w !== '\\');
}

/**
 * The words of `narrow` that are not words of `wide` (the same report laid out with room for every line), other
 * than the pieces of a path or of code cut where lockscope cuts them: after '/', or after ',', '(', '[', '{' in code.
 */
function cutWords(narrow: string, wide: string): string[] {
  const whole = new Set(words(wide));
  return words(narrow).filter((w) => {
    if (whole.has(w)) return false;
    return ![...whole].some((W) => W.includes(w) && (/[/,([{]$/.test(w) || /[/,([{]/.test(W[W.indexOf(w) - 1] ?? '')));
  });
}

let dir: string;
let db: string;
const holders: Holder[] = [];
/** Facts gathered once from the live holders, per command: every layout of them has the same words. */
const facts: Record<string, string> = {};

beforeAll(async () => {
  // A temporary directory of the usual length (the path is a word of the holders' command lines).
  dir = makeTempDir('lockscope-');
  db = join(dir, 'app.db');
  buildDatabase(db, { journalMode: 'wal', rows: 10 });
  holders.push(await holdState(db, 'wal-write'));
  holders.push(await holdState(db, 'wal-read'));
  for (const command of ['audit', 'locks']) {
    facts[command] = join(dir, `${command}-facts.json`);
    const saved = runCli([command, db, '--save-facts', facts[command]!]);
    expect(saved.code, saved.stderr).toBe(0);
  }
}, 30_000);

afterAll(async () => {
  for (const h of holders) await h.stop();
  if (dir) removeDir(dir);
});

describe('text output on a real terminal', () => {
  it.each([80, 120])('audit and locks fit a %i-column terminal, and no word is cut', (columns) => {
    for (const command of ['audit', 'locks']) {
      // Live: the database and its holders as they are now.
      const r = onTerminal(columns, [command, db]);
      expect(r.code, `${command}: ${r.text.slice(-300)}`).toBe(0);
      expect(r.text).toContain('SQLITE_BUSY');
      // Drawn for a terminal: box drawing, symbols and colour (stdout is a TTY).
      expect(r.text).toMatch(/[┌│]/);
      expect(r.text).toContain('\u001b[');
      expect(widest(r.lines), `${command} at ${columns}`).toBeLessThanOrEqual(columns);
      if (command === 'locks') for (const h of holders) expect(r.text).toContain(String(h.pid));
      // At 120 columns the layout uses the room it has.
      if (columns === 120) expect(widest(r.lines)).toBeGreaterThan(80);
      // Words: the same facts laid out here and 1000 columns wide, where nothing needs to wrap.
      const narrow = onTerminal(columns, [command, '--from-facts', facts[command]!]);
      const wide = runCli([command, '--from-facts', facts[command]!], { env: { COLUMNS: '1000' } });
      expect(widest(narrow.lines)).toBeLessThanOrEqual(columns);
      // The narrow layout did wrap (otherwise the comparison proves nothing).
      expect(narrow.lines.length).toBeGreaterThan(wide.stdout.split('\n').length);
      expect(cutWords(narrow.text, wide.stdout), `${command} at ${columns}`).toEqual([]);
    }
  }, 60_000);

  it('stress --compare and locks --for: their tables and histogram fit 80 columns', () => {
    const sampled = onTerminal(80, ['locks', db, '--for', '500ms']);
    // (as a table, or as one block per process when ten columns do not fit: either way the same labels)
    expect(sampled.text).toContain('PINNED');
    expect(sampled.text).toContain('PROGRESS');
    expect(widest(sampled.lines)).toBeLessThanOrEqual(80);
    const scratchDb = join(dir, 'stress.db');
    buildDatabase(scratchDb, { journalMode: 'wal' });
    const r = onTerminal(80, ['stress', scratchDb, '--duration', '300ms', '--compare']);
    expect(r.text).toContain('recommended');
    expect(r.text).toContain('commit latency');
    expect(widest(r.lines)).toBeLessThanOrEqual(80);
  }, 60_000);

  it('LANG=C, LC_ALL=POSIX or TERM=dumb: every byte on the terminal is ASCII, with [warn] marks and +-| borders', () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ LANG: 'C' }, 'audit'],
      [{ LANG: 'C' }, 'locks'],
      [{ TERM: 'dumb' }, 'audit'],
      [{ LANG: 'en_US.UTF-8', LC_ALL: 'POSIX' }, 'locks'],
    ];
    for (const [env, command] of cases) {
      // Everything the terminal shows: the spinner on stderr too.
      const r = onTerminal(80, [command, db], env, 'all');
      expect(r.code).toBe(0);
      const high = [...r.bytes].filter((b) => b >= 0x80);
      expect(high, `${command} ${JSON.stringify(env)}: ${r.text.slice(0, 200)}`).toEqual([]);
      expect(r.text).toContain('[warn]');
      expect(r.text).toMatch(/\+-+\+/);
    }
    const report = onTerminal(80, ['locks', db], { LANG: 'C' });
    expect(widest(report.lines)).toBeLessThanOrEqual(80);
    // The check registry's table too.
    const checks = onTerminal(80, ['checks'], { LANG: 'C' });
    expect([...checks.bytes].filter((b) => b >= 0x80)).toEqual([]);
    expect(widest(checks.lines)).toBeLessThanOrEqual(80);
  }, 60_000);

  it('--no-color prints no escape sequence on a terminal, even with FORCE_COLOR; --color colours a pipe despite NO_COLOR', () => {
    const plain = onTerminal(80, ['audit', db, '--no-color'], { FORCE_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.text).not.toContain('\u001b');
    expect(plain.text).toContain('⚠');
    // Off a terminal: NO_COLOR (set by cleanEnv) keeps it plain, --color asks for colour anyway.
    expect(runCli(['audit', db]).stdout).not.toContain('\u001b');
    expect(runCli(['audit', db, '--color']).stdout).toContain('\u001b[');
  }, 60_000);
});

describe('reading order, --quiet, --max-warnings', () => {
  const heads = (text: string) => text.split('\n').filter((l) => /^[✔⚠✖ℹ–☠] /.test(l));

  it('failures first, then warnings, info, skipped, passed', () => {
    const r = runCli(['audit', db, '--busy-timeout', '0']);
    expect(r.code).toBe(1);
    const marks = heads(r.stdout).map((l) => l[0]);
    expect(marks).toContain('✖');
    expect(marks).toContain('✔');
    const rank = (m: string | undefined) => '☠✖⚠ℹ–✔'.indexOf(m ?? '');
    expect(marks.map(rank)).toEqual([...marks.map(rank)].sort((a, b) => a - b));
    // The machine formats keep the registry's order.
    const json = JSON.parse(runCli(['audit', db, '--busy-timeout', '0', '--json']).stdout) as { databases: { findings: { id: string }[] }[] };
    expect(json.databases[0]!.findings[0]!.id).toBe('file-format');
  });

  it('--quiet shows only warnings, failures and errors, without the facts table; the summary still counts every check', () => {
    const full = runCli(['locks', db]);
    const quiet = runCli(['locks', db, '-q']);
    expect(quiet.code).toBe(full.code);
    expect(heads(full.stdout).some((l) => l.startsWith('✔'))).toBe(true);
    const shown = heads(quiet.stdout);
    expect(shown.length).toBeGreaterThan(0);
    for (const l of shown) expect(l).toMatch(/^[⚠✖☠]/);
    expect(quiet.stdout).toContain('(lock-holders)');
    const summary = (s: string) => s.trim().split('\n').pop();
    expect(summary(quiet.stdout)).toBe(summary(full.stdout));
    const audit = runCli(['audit', db, '--quiet']);
    expect(audit.stdout).not.toContain('page size');
    expect(heads(audit.stdout).every((l) => /^[⚠✖☠]/.test(l))).toBe(true);
    const json = JSON.parse(runCli(['audit', db, '--quiet', '--json']).stdout) as { summary: { pass: number }; databases: { findings: { status: string }[] }[] };
    expect(json.summary.pass).toBeGreaterThan(0);
    expect(json.databases[0]!.findings.every((f) => ['warn', 'fail', 'error'].includes(f.status))).toBe(true);
  });

  it('--max-warnings n: more than n warnings exit 1 even when --fail-on lets them pass; n or fewer do not', () => {
    const base = runCli(['audit', db, '--json']);
    expect(base.code).toBe(0);
    const warnings = (JSON.parse(base.stdout) as { summary: { warn: number } }).summary.warn;
    expect(warnings).toBeGreaterThan(0);
    const over = runCli(['audit', db, '--max-warnings', String(warnings - 1)]);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain(`lockscope: ${warnings} warnings, more than --max-warnings ${warnings - 1}: exit 1`);
    expect(over.stdout.trim().split('\n').pop()).toMatch(/exit 1$/);
    expect(runCli(['audit', db, '--max-warnings', String(warnings)]).code).toBe(0);
    const json = runCli(['audit', db, '--max-warnings', '0', '--json']);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { exitCode: number }).exitCode).toBe(1);
    expect(runCli(['locks', db, '--max-warnings', '0']).code).toBe(1);
    expect(runCli(['audit', db, '--max-warnings', 'many']).code).toBe(2);
  });
});
