/**
 * Text laid out for the terminal it is printed on: wrapped to its width at word boundaries with hanging
 * indents, tables whose columns are fitted to the width, and ASCII in place of box drawing and symbols when
 * the terminal cannot show them. Pure: the width and the character set come in the options (the CLI reads
 * them from the terminal and the environment: src/cli/terminal.ts).
 *
 * Width is measured with string-width (East Asian wide characters count two columns, ANSI colour zero) and
 * prose is wrapped with wrap-ansi, which keeps colours across the breaks; a word longer than the line is the
 * only thing ever cut.
 */
import Table from 'cli-table3';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import { codeEscape } from '../core/escape.js';
import type { Status } from '../core/model.js';

/** The width when stdout is not a terminal and COLUMNS is not set. */
export const DEFAULT_COLUMNS = 80;
/** Narrower than this, a two-level indent leaves too little room: layouts use this width instead. */
export const MIN_COLUMNS = 40;

export interface Layout {
  /** The terminal's width in columns. */
  columns: number;
  /** Only ASCII (a locale that is not UTF-8, or TERM=dumb): no box drawing, no ✔⚠✖. */
  ascii: boolean;
}

export const DEFAULT_LAYOUT: Layout = { columns: DEFAULT_COLUMNS, ascii: false };

export function layoutOf(opts: { columns?: number; ascii?: boolean }): Layout {
  return { columns: Math.max(MIN_COLUMNS, opts.columns ?? DEFAULT_COLUMNS), ascii: opts.ascii ?? false };
}

const MARKS: Record<'unicode' | 'ascii', Record<Status, string>> = {
  unicode: { pass: '✔', warn: '⚠', fail: '✖', info: 'ℹ', skip: '–', error: '☠' },
  ascii: { pass: '[ok]', warn: '[warn]', fail: '[FAIL]', info: '[info]', skip: '[skip]', error: '[ERROR]' },
};

export function statusMark(status: Status, layout: Layout): string {
  return MARKS[layout.ascii ? 'ascii' : 'unicode'][status];
}

/** The typography lockscope prints, in ASCII. */
const ASCII: Record<string, string> = {
  '→': '->',
  '←': '<-',
  '↔': '<->',
  '·': '-',
  '•': '*',
  '—': '--',
  '–': '-',
  '−': '-',
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '≈': '~',
  '×': 'x',
  '±': '+/-',
  '…': '...',
  '“': '"',
  '”': '"',
  '‘': "'",
  '’': "'",
  'µ': 'u',
  '█': '#',
  '▏': '|',
  '✔': 'ok',
  '⚠': '!',
  '✖': 'x',
  'ℹ': 'i',
  '☠': 'X',
  '─': '-',
  '│': '|',
  '┌': '+',
  '┐': '+',
  '└': '+',
  '┘': '+',
  '├': '+',
  '┤': '+',
  '┬': '+',
  '┴': '+',
  '┼': '+',
  '\u00a0': ' ',
};

/**
 * `text` in ASCII: lockscope's own typography spelled out (→ ->, ≥ >=, · -), any other character (a path's é)
 * as a code escape (\xe9), so nothing is lost and every byte printed is below 0x80.
 */
export function toAscii(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\u0000-\u007f]/gu, (c) => ASCII[c] ?? codeEscape(c));
}

/** The text as the layout can show it. */
export function shown(text: string, layout: Layout): string {
  return layout.ascii ? toAscii(text) : text;
}

export function widthOf(text: string): number {
  return stringWidth(text);
}

/**
 * `text` (one paragraph or several lines; may be coloured) wrapped so that each line, after its prefix, fits
 * `columns`: `first` before the first line, `rest` (the hanging indent) before the others. Words move whole to
 * the next line; only a word longer than the room is cut (a path is cut after a '/').
 */
export function wrapHanging(text: string, layout: Layout, first: string, rest: string = ' '.repeat(widthOf(first))): string[] {
  const room = Math.max(1, layout.columns - Math.max(widthOf(first), widthOf(rest)));
  const lines = wrapAnsi(breakablePaths(shown(text, layout), room), room, { hard: true, trim: true }).split('\n');
  return lines.map((line, i) => `${i === 0 ? first : rest}${line}`);
}

/**
 * A word longer than `room` that holds '/' (a path, a URL) split after its slashes into pieces that fit,
 * so that the wrap cuts it where a reader expects, not in the middle of a name. Shorter words are untouched.
 */
function breakablePaths(text: string, room: number): string {
  return text.replace(/\S+/g, (word) => {
    if (widthOf(word) <= room || !word.includes('/')) return word;
    const pieces: string[] = [];
    let piece = '';
    for (const part of word.split(/(?<=\/)/)) {
      if (piece && widthOf(piece + part) > room) {
        pieces.push(piece);
        piece = '';
      }
      piece += part;
    }
    if (piece) pieces.push(piece);
    // A line break, not a space: pieces that end up on one line must still read as one path.
    return pieces.join('\n');
  });
}

/**
 * A line of code fitted to the room after `indent`, never broken inside a string literal and only where the
 * language keeps the meaning. Code (`code`): after a comma or an opening bracket inside brackets (Python,
 * JavaScript, Go, Ruby, PHP and SQL all join those lines), the continuation indented two more columns; a
 * trailing comment that does not fit goes on a line of its own above the code. A shell command (`shell`): at
 * a space, the broken line ending in ` \`. A line with no such place stays whole: a snippet that runs when
 * pasted matters more than the right margin.
 */
export function wrapCode(line: string, layout: Layout, indent: string, lang: 'code' | 'shell' = 'code'): string[] {
  const text = shown(line, layout);
  const room = layout.columns - widthOf(indent);
  if (widthOf(text) <= room) return [`${indent}${text}`];
  const { code, comment } = splitComment(text, lang);
  if (comment !== null) {
    // Every line of a wrapped comment starts with its marker again, so that it stays a comment.
    const lead = /^\s*/.exec(code)![0];
    const marker = /^(#|\/\/|--) /.exec(comment)![0];
    const commentLines = wrapHanging(comment.slice(marker.length), layout, `${indent}${lead}${marker}`, `${indent}${lead}${marker}`);
    return [...commentLines, ...wrapCode(code.trimEnd(), layout, indent, lang)];
  }
  const lead = /^\s*/.exec(text)![0];
  const continuation = lang === 'shell' ? ' \\' : '';
  const breaks = safeBreaks(text, lang);
  const lines: string[] = [];
  let start = 0;
  let prefix = indent;
  while (widthOf(text.slice(start)) > layout.columns - widthOf(prefix)) {
    const room = layout.columns - widthOf(prefix) - continuation.length;
    const fits = breaks.filter((b) => b > start && widthOf(text.slice(start, b).trimEnd()) <= room);
    const at = fits[fits.length - 1];
    if (at === undefined) break;
    lines.push(`${prefix}${text.slice(start, at).trimEnd()}${continuation}`);
    start = at;
    while (text[start] === ' ') start += 1;
    prefix = `${indent}${lead}  `;
  }
  lines.push(`${prefix}${text.slice(start)}`);
  return lines;
}

/**
 * Where `text` may be cut, as offsets: after a comma or an opening bracket inside brackets (code), after a space
 * (shell); never inside a string literal.
 */
function safeBreaks(text: string, lang: 'code' | 'shell'): number[] {
  const out: number[] = [];
  let depth = 0;
  outsideStrings(text, (c, i) => {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    const may = lang === 'shell' ? c === ' ' && i > 0 && text[i - 1] !== ' ' : depth > 0 && (c === ',' || '([{'.includes(c));
    if (may && i + 1 < text.length) out.push(i + 1);
  });
  return out;
}

/** A comment at the end of a line of code (`# …`, `// …`, `-- …`; in shell only `# …`), after a space, outside strings. */
function splitComment(text: string, lang: 'code' | 'shell'): { code: string; comment: string | null } {
  const marker = lang === 'shell' ? /^# / : /^(#|\/\/|--) /;
  let at: number | null = null;
  outsideStrings(text, (_, i) => {
    if (i > 0 && text[i - 1] === ' ' && marker.test(text.slice(i)) && text.slice(0, i).trim() !== '') at = i;
    return at !== null;
  });
  return at === null ? { code: text, comment: null } : { code: text.slice(0, at), comment: text.slice(at) };
}

/**
 * Calls `visit` with each character of `text` outside string literals ('…', "…", `…`, backslash escapes
 * inside them), in order, until it returns true.
 */
function outsideStrings(text: string, visit: (c: string, i: number) => boolean | void): void {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (visit(c, i)) return;
  }
}

const ASCII_BORDERS = {
  top: '-',
  'top-mid': '+',
  'top-left': '+',
  'top-right': '+',
  bottom: '-',
  'bottom-mid': '+',
  'bottom-left': '+',
  'bottom-right': '+',
  left: '|',
  'left-mid': '+',
  mid: '-',
  'mid-mid': '+',
  right: '|',
  'right-mid': '+',
  middle: '|',
};

export interface FitTableOptions {
  head?: readonly string[];
  rows: readonly (readonly string[])[];
  layout: Layout;
  /** Columns whose words never wrap (ids that scripts grep for): they get their widest cell. */
  keep?: readonly number[];
  /** At most this wide in all (a layout narrower than the terminal). */
  maxColumns?: number;
}

/**
 * A cli-table3 table whose columns share the terminal's width: each column gets its widest cell when all fit;
 * otherwise at least its longest word (so no word is cut) and the rest of the room in proportion to how much
 * more it holds. Cells are wrapped here, with the same rules as prose (wrapHanging).
 */
export function fitTable(opts: FitTableOptions): string {
  const { layout } = opts;
  const rows = opts.rows.map((r) => r.map((cell) => shown(cell, layout)));
  const head = opts.head?.map((h) => shown(h, layout));
  const all = head ? [head, ...rows] : rows;
  const n = Math.max(...all.map((r) => r.length));
  // Each column costs its content, one space of padding either side and one border.
  const room = Math.min(layout.columns, opts.maxColumns ?? Infinity) - (3 * n + 1);
  const natural = Array.from({ length: n }, (_, i) => Math.max(1, ...all.map((r) => maxLineWidth(r[i] ?? ''))));
  const longestWord = Array.from({ length: n }, (_, i) =>
    opts.keep?.includes(i) ? natural[i]! : Math.max(1, ...all.map((r) => maxWordWidth(r[i] ?? ''))),
  );
  // Too narrow to keep every word of every column whole: one block per row instead of a table.
  if (head && longestWord.reduce((a, b) => a + b, 0) > room) return records(head, rows, layout);
  const widths = shareColumns(natural, longestWord, Math.max(n, room), opts.keep);
  const wrapCell = (cell: string, i: number) =>
    cell
      .split('\n')
      .flatMap((line) => wrapHanging(line, { ...layout, columns: widths[i]! }, '', ''))
      .join('\n');
  const table = new Table({
    ...(head ? { head: head.map(wrapCell) } : {}),
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
    colWidths: widths.map((w) => w + 2),
    wordWrap: false,
    truncate: layout.ascii ? '~' : '…',
    ...(layout.ascii ? { chars: ASCII_BORDERS } : {}),
  });
  for (const r of rows) table.push(Array.from({ length: n }, (_, i) => wrapCell(r[i] ?? '', i)));
  return table.toString();
}

/**
 * The rows as blocks, for a terminal too narrow for the table: the first column's header and value on a line,
 * then each other column as "HEADER  value" indented under it, values wrapped with a hanging indent.
 */
function records(head: readonly string[], rows: readonly (readonly string[])[], layout: Layout): string {
  const labelWidth = Math.max(...head.slice(1).map(widthOf));
  const blocks = rows.map((row) => {
    const lines = wrapHanging(`${head[0]} ${(row[0] ?? '').replace(/\n/g, ' ')}`, layout, '', '  ');
    head.slice(1).forEach((label, i) => {
      const value = (row[i + 1] ?? '').replace(/\n/g, ' ');
      lines.push(...wrapHanging(value, layout, `  ${label}${' '.repeat(labelWidth - widthOf(label))}  `));
    });
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}

function maxLineWidth(cell: string): number {
  return Math.max(0, ...cell.split('\n').map(widthOf));
}

/** The widest word; a path counts by its widest '/'-separated piece, where it may be cut. */
function maxWordWidth(cell: string): number {
  return Math.max(0, ...cell.split(/\s+/).flatMap((w) => w.split(/(?<=\/)/)).map(widthOf));
}

/**
 * Column widths that add up to at most `room`: the natural widths when they fit; else every column's longest
 * word plus a share of what is left in proportion to what it would still take; else (a terminal too narrow
 * for the longest words) the longest words are cut, the longest first, down to a common cap, so that short
 * words (a header, a PID) stay whole. Columns in `keep` keep their natural width whatever happens.
 */
export function shareColumns(natural: readonly number[], longestWord: readonly number[], room: number, keep: readonly number[] = []): number[] {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  if (sum(natural) <= room) return [...natural];
  const kept = (i: number) => keep.includes(i);
  const base = natural.map((w, i) => (kept(i) ? w : Math.min(w, longestWord[i]!)));
  if (sum(base) > room) {
    // The largest cap c with sum(min(base, c)) within the room (at least 1 column each).
    let cap = Math.max(...base);
    const capped = (c: number) => base.map((w, i) => (kept(i) ? w : Math.min(w, c)));
    while (cap > 1 && sum(capped(cap)) > room) cap -= 1;
    return capped(cap);
  }
  const want = natural.map((w, i) => w - base[i]!);
  const spare = room - sum(base);
  const total = sum(want);
  const shares = want.map((w) => (w * spare) / total);
  const widths = base.map((b, i) => b + Math.floor(shares[i]!));
  // The columns rounded down most get the columns left over.
  let left = room - sum(widths);
  const order = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    if (widths[i]! < natural[i]!) {
      widths[i]! += 1;
      left -= 1;
    }
  }
  return widths;
}
