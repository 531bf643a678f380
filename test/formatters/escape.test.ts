/**
 * One escaping module for every text format: control characters, Unicode format (Cf) characters such as
 * the bidi overrides and isolates, and line/paragraph separators are made visible; long outside text is cut
 * with a marker. JSON keeps the string whole and as it is.
 */
import { describe, expect, it } from 'vitest';
import { cutText, escapeControl, escapeControlHex, visibleControls } from '../../src/core/escape.js';
import { shellArg } from '../../src/sources/sqlite/fixes.js';
import { renderReport } from '../../src/output/index.js';
import { shortCommand } from '../../src/sources/proc/holder-words.js';
import { finding, report } from './reports.js';

/** Every invisible character the escaping must catch: bidi, marks, zero-width, separators. */
const INVISIBLE = [
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', // embeddings and overrides
  '\u2066', '\u2067', '\u2068', '\u2069', // isolates
  '\u200e', '\u200f', '\u061c', // directional marks
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', // zero-width
  '\u00ad', '\u2028', '\u2029', '\u{e0041}', // soft hyphen, separators, a tag character
];
// A raw one of these in output is the bug; the regex is the property the module promises.
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;

describe('escapeControl and friends', () => {
  it.each(INVISIBLE.map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c]))('%s is written visibly', (_name, c) => {
    for (const out of [escapeControl(`a${c}b`), visibleControls(`a${c}b`), escapeControlHex(`a${c}b`)]) {
      expect(out).not.toMatch(RAW_UNSAFE);
      expect(out).toMatch(/^a\\u(\{[0-9a-f]+\}|[0-9a-f]{4})b$|^a\\x[0-9a-f]{2}b$/);
    }
  });

  it('the "Trojan Source" line reads as what it is', () => {
    expect(escapeControl('python3 worker.py \u202e# txt.exe')).toBe('python3 worker.py \\u202e# txt.exe');
  });

  it('C0 controls as before; visibleControls keeps line breaks and tabs; printable Unicode untouched', () => {
    expect(escapeControl('a\nb\tc\rd\u001b[2J')).toBe('a\\nb\\tc\\rd\\x1b[2J');
    expect(visibleControls('a\r\nb\tc\u001b')).toBe('a\nb\tc\\x1b');
    expect(escapeControl('数据 ünï 😀 →')).toBe('数据 ünï 😀 →');
  });

  it('shellArg (fixes) uses the same module: a bidi override in a path is visible in the command to paste', () => {
    expect(shellArg('/srv/\u202eapp.db')).toBe("'/srv/\\u202eapp.db'");
    expect(shellArg('a\nb')).toBe("'a\\x0ab'");
  });

  it('cutText: the first N characters and "… (+M chars)"; short text unchanged', () => {
    expect(cutText('abc', 5)).toBe('abc');
    expect(cutText('x'.repeat(100_000), 200)).toBe(`${'x'.repeat(200)}… (+99,800 chars)`);
    // Counted in characters, never splitting a surrogate pair.
    expect(cutText('😀'.repeat(10), 3)).toBe('😀😀😀… (+7 chars)');
  });

  it('shortCommand: escaped, then cut at 100 characters with the marker', () => {
    const cmd = `java -cp ${'/opt/lib/x.jar:'.repeat(7000)} \u202eMain`;
    const short = shortCommand(cmd)!;
    expect(short).toMatch(/^java -cp \/opt\/lib\/x\.jar:.*… \(\+[\d,]+ chars\)$/);
    expect(short.length).toBeLessThan(130);
  });
});

describe('every text format escapes; JSON keeps the string', () => {
  const command = `python3 worker.py \u202e${'--flag '.repeat(20_000)}\u2066end`;
  const hostile = report([
    {
      path: `data/\u202eapp.db`,
      findings: [
        finding('lock-holders', 'warn', {
          title: 'A writer holds the write lock',
          // As the checks build it: the command line through shortCommand; the evidence keeps it whole.
          message: `PID 42 (${shortCommand(command)}) holds the WAL write lock`,
          evidence: { pid: 42, command },
          fixes: [{ summary: `stop \u202e${command.slice(0, 50)}`, shell: `kill -CONT 42 # \u2067` }],
        }),
      ],
    },
  ]);

  it.each(['text', 'markdown', 'github', 'junit'] as const)('%s: no raw control, format or bidi character; the long command is cut', (format) => {
    const out = renderReport(hostile, format, {});
    expect(out).not.toMatch(RAW_UNSAFE);
    expect(out).toContain('\\u202e');
    // The evidence value is cut in text formats (the message is the check's: checks cut with shortCommand).
    // (markdown doubles the backslash of the escape: it renders as one)
    expect(out).toMatch(/command=python3 worker\.py \\+u202e[\s\S]*…\s+\(\+[\d,]+ chars\)/);
    expect(out.length).toBeLessThan(command.length + 5000);
  });

  it('json: the strings as they are, whole', () => {
    const out = renderReport(hostile, 'json', {});
    const parsed = JSON.parse(out);
    expect(parsed.databases[0].findings[0].evidence.command).toBe(command);
    expect(parsed.databases[0].path).toBe('data/\u202eapp.db');
  });
});
