/**
 * The layout pieces of src/output/terminal.ts: how table columns share a width, how prose and paths wrap, and
 * that code cut to fit still runs when pasted (checked by the real parsers: python3's compile(), bash -n, node).
 */
import { spawnSync } from 'node:child_process';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { fitTable, shareColumns, toAscii, wrapCode, wrapHanging } from '../../src/output/terminal.js';

const at = (columns: number, ascii = false) => ({ columns, ascii });
const widest = (lines: readonly string[]) => Math.max(...lines.map((l) => stringWidth(l)));

describe('shareColumns', () => {
  it('natural widths when they fit; otherwise every column keeps its longest word and shares the rest', () => {
    expect(shareColumns([5, 10, 20], [5, 4, 8], 40)).toEqual([5, 10, 20]);
    const w = shareColumns([5, 40, 60], [5, 10, 12], 50);
    expect(w.reduce((a, b) => a + b, 0)).toBe(50);
    expect(w[0]).toBe(5);
    expect(w[1]).toBeGreaterThanOrEqual(10);
    expect(w[2]).toBeGreaterThan(w[1]!);
  });

  it('too narrow for the longest words: the longest are cut first, short words and kept columns stay whole', () => {
    const w = shareColumns([5, 4, 30], [5, 4, 26], 30, [0]);
    expect(w).toEqual([5, 4, 21]);
  });
});

describe('wrapHanging', () => {
  it('wraps at words with a hanging indent, never wider than the terminal', () => {
    const text = 'busy_timeout is per connection and the app has not declared it (--busy-timeout or the config).';
    const lines = wrapHanging(text, at(40), '    ');
    expect(widest(lines)).toBeLessThanOrEqual(40);
    expect(lines.every((l) => l.startsWith('    '))).toBe(true);
    expect(lines.map((l) => l.trim()).join(' ')).toBe(text);
  });

  it('cuts a path longer than the line after a "/" and joins no space into it', () => {
    const path = '/var/lib/application-data/production/databases/orders.db';
    const lines = wrapHanging(`open ${path} now`, at(30), '');
    expect(widest(lines)).toBeLessThanOrEqual(30);
    expect(lines.join('')).toContain(path.replace(/ /g, ''));
    expect(lines.join('\n')).not.toMatch(/\/ /);
  });

  it('ASCII: symbols and typography spelled out, any other character escaped', () => {
    expect(toAscii('→ a · b ≥ 3 — ✔ café')).toBe('-> a - b >= 3 -- ok caf\\xe9');
    const lines = wrapHanging('a → b', at(40, true), '');
    expect(lines).toEqual(['a -> b']);
  });
});

describe('wrapCode: cut only where the code still runs', () => {
  const python = (code: string) => spawnSync('/usr/bin/python3', ['-c', 'import sys; compile(sys.stdin.read(), "fix", "exec")'], { input: code, encoding: 'utf8' });

  it('Python inside brackets, after a comma, and a trailing comment moved above', () => {
    const line = 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3", "OPTIONS": {"timeout": 5}}}';
    const lines = wrapCode(line, at(60), '    ');
    expect(lines.length).toBeGreaterThan(1);
    expect(widest(lines)).toBeLessThanOrEqual(60);
    expect(python(lines.map((l) => l.slice(4)).join('\n')).status).toBe(0);
    const commented = wrapCode('rows = [compute(x) for x in items]        # slow work first, no transaction open', at(50), '');
    expect(commented[0]).toBe('# slow work first, no transaction open');
    expect(python(commented.join('\n')).status).toBe(0);
    // A comment longer than the line wraps as comment lines.
    const long = wrapCode(`x = f(1)  # ${'words of a long comment '.repeat(4)}`, at(40), '');
    expect(long.length).toBeGreaterThan(2);
    expect(widest(long)).toBeLessThanOrEqual(40);
    expect(python(long.join('\n')).status).toBe(0);
  });

  it('a string literal is never cut, even where it holds a space and a comma', () => {
    const line = "pool: { afterCreate: (conn, done) => { conn.pragma('busy_timeout = 5000, really'); done(null, conn); } },";
    const lines = wrapCode(line, at(50), '');
    expect(lines.join('\n')).toContain("'busy_timeout = 5000, really'");
    const js = spawnSync(process.execPath, ['--check', '-'], { input: `const o = {\n${lines.join('\n')}\n};`, encoding: 'utf8' });
    expect(js.status, js.stderr).toBe(0);
  });

  it('shell: at a space, the line ending in " \\\\"', () => {
    const line = "journalctl -k --since '-1 day' | grep -i -E 'killed process|out of memory'";
    const lines = wrapCode(line, at(50), '  ', 'shell');
    expect(lines.length).toBeGreaterThan(1);
    expect(widest(lines)).toBeLessThanOrEqual(50);
    expect(lines[0]).toMatch(/ \\$/);
    expect(lines.join('\n')).toContain("'killed process|out of memory'");
    expect(spawnSync('bash', ['-n'], { input: lines.join('\n'), encoding: 'utf8' }).status).toBe(0);
  });

  it('a line with no safe place stays whole', () => {
    const line = 'x'.repeat(90);
    expect(wrapCode(line, at(60), '')).toEqual([line]);
  });
});

describe('fitTable', () => {
  it('fits the width, keeps every word whole when the longest words fit, ASCII borders on request', () => {
    const rows = [
      ['1234', 'root', 'python3 /srv/app/worker.py --queue orders --concurrency 4', 'SHARED WRITE READ0 DMS'],
      ['5678', 'www-data', 'gunicorn app:wsgi --workers 4', 'SHARED READ1@12'],
    ];
    const table = fitTable({ head: ['PID', 'USER', 'COMMAND', 'LOCKS'], rows, layout: at(60) });
    const lines = table.split('\n');
    expect(widest(lines)).toBeLessThanOrEqual(60);
    for (const word of ['www-data', 'READ1@12', '--concurrency', '/srv/app/worker.py']) expect(table).toContain(word);
    const ascii = fitTable({ head: ['PID'], rows: [['1']], layout: at(60, true) });
    expect([...Buffer.from(ascii)].every((b) => b < 0x80)).toBe(true);
    expect(ascii).toContain('+-');
  });

  it('too narrow to keep the words whole: one block per row, each value under its header', () => {
    const head = ['PID', 'COMMAND', 'WRITE', 'HOLDS', 'LONGEST', 'PROGRESS'];
    const text = fitTable({ head, rows: [['42', 'python3 worker.py', '100%', '3', '≥2.0 s', 'NONE']], layout: at(40) });
    expect(text.split('\n')).toEqual(['PID 42', '  COMMAND   python3 worker.py', '  WRITE     100%', '  HOLDS     3', '  LONGEST   ≥2.0 s', '  PROGRESS  NONE']);
  });
});
