/**
 * What every language's extractor shares: a file's context, the evaluation of literal values (a literal, a
 * name bound once in the file to a literal, simple arithmetic; an environment variable or anything computed
 * is `unknown` with why), SQL text read for PRAGMAs and for reads vs writes, and the output of the extractors.
 */
import type { Stack } from '../../core/model.js';
import type { ConnectionSite, SiteSetting, TransactionSite, TxMode } from './facts.js';
import { type Node, descendants, lineOf } from './parse.js';

export interface FileCtx {
  /** Path shown in findings (the scanned folder as given + the file's path in it). */
  file: string;
  /** Path relative to the scanned folder. */
  rel: string;
  root: Node;
  /** Name → the value nodes assigned to it anywhere in the file (a name assigned once resolves). */
  bindings: Map<string, Node[]>;
}

/** A connection site while scanning: the facts' site plus what the later passes need. */
export interface DraftConnection extends ConnectionSite {
  /** The variable names it is bound to in its file, to attach PRAGMAs and transactions. */
  names: string[];
  /** Its file (relative), for matching names. */
  rel: string;
}

export interface DraftTransaction extends TransactionSite {
  rel: string;
  /** The connection it runs on when known; its mode comes from the connection unless set here. */
  connection?: DraftConnection;
  /** For stacks whose mode is a framework setting (Django transaction_mode): the stack to look it up by. */
  modeFromStackSettings?: boolean;
  /** The name the unit of work is called on (peewee's `db` in db.atomic()): kept only when a peewee database is bound to it. */
  receiver?: string;
}

export interface Extracted {
  connections: DraftConnection[];
  transactions: DraftTransaction[];
}

export type Lit = { ok: true; value: string | number | boolean | null; node: Node } | { ok: false; why: string; node: Node };

const cut = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s).replace(/\s+/g, ' ');

/** The value of a string literal node of any grammar, or null when it interpolates. */
export function stringOf(n: Node): string | null {
  switch (n.type) {
    case 'string': {
      // Python: string_start/string_content/interpolation/string_end; JS: string_fragment/escape_sequence;
      // PHP: string_content; Ruby: string_content/interpolation.
      const parts = n.namedChildren.filter((c): c is Node => c !== null);
      if (parts.some((c) => c.type === 'interpolation')) return null;
      const inner = parts.filter((c) => c.type !== 'string_start' && c.type !== 'string_end');
      if (inner.length === 0) {
        const t = n.text;
        // A PHP/JS string whose grammar keeps no child for empty content.
        return /^[rbuRBU]*(['"])\1$/.test(t) ? '' : t.length >= 2 && `'"`.includes(t[0]!) ? t.slice(1, -1) : '';
      }
      return inner.map((c) => unescape(c.text, c.type)).join('');
    }
    case 'concatenated_string': {
      const parts = n.namedChildren.filter((c): c is Node => c !== null).map(stringOf);
      return parts.some((p) => p === null) ? null : parts.join('');
    }
    case 'template_string':
      return n.namedChildren.some((c) => c?.type === 'template_substitution') ? null : n.text.slice(1, -1);
    case 'interpreted_string_literal':
    case 'encapsed_string':
      return n.namedChildren.some((c) => c?.type === 'interpolation' || c?.type === 'variable_name' || c?.type === 'expression') ? null : unescape(n.text.slice(1, -1), 'escape_sequence_body');
    case 'raw_string_literal':
      return n.text.slice(1, -1);
    default:
      return null;
  }
}

function unescape(text: string, type: string): string {
  if (type !== 'escape_sequence' && type !== 'escape_sequence_body') return text;
  return text.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

/** Names of environment lookups: os.environ.get / os.getenv / env() / config() / ENV[] / process.env.X / os.Getenv. */
function envName(n: Node): string | null {
  const t = n.text;
  const m = /^(?:os\.environ\.get|os\.getenv|os\.environ\[|env|config|getenv|os\.Getenv|ENV\.fetch|ENV\[)\(?\s*['"]([A-Za-z_][A-Za-z0-9_.]*)['"]/.exec(t);
  if (m) return m[1]!;
  const js = /^process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])/.exec(t);
  if (js) return js[1] ?? js[2]!;
  return null;
}

/** Evaluates a value node to a literal when the code makes it one; never runs anything. */
export function evaluate(n: Node, f: FileCtx, depth = 0): Lit {
  const no = (why: string): Lit => ({ ok: false, why, node: n });
  const s = stringOf(n);
  if (s !== null) return { ok: true, value: s, node: n };
  switch (n.type) {
    case 'integer':
    case 'float':
    case 'number':
    case 'int_literal':
    case 'float_literal': {
      const v = Number(n.text.replace(/_/g, ''));
      return Number.isFinite(v) ? { ok: true, value: v, node: n } : no(`not a number: ${cut(n.text)}`);
    }
    case 'true':
    case 'false':
      return { ok: true, value: n.type === 'true', node: n };
    case 'boolean':
      return { ok: true, value: n.text.toLowerCase() === 'true', node: n };
    case 'none':
    case 'null':
    case 'nil':
      return { ok: true, value: null, node: n };
    case 'parenthesized_expression': {
      const inner = n.namedChildren.find((c) => c !== null);
      return inner ? evaluate(inner, f, depth) : no('empty');
    }
    case 'unary_operator':
    case 'unary_expression': {
      const arg = n.childForFieldName('argument') ?? n.childForFieldName('operand') ?? n.namedChildren.at(-1) ?? null;
      const op = n.text.trim()[0];
      if (arg && op === '-') {
        const v = evaluate(arg, f, depth);
        if (v.ok && typeof v.value === 'number') return { ok: true, value: -v.value, node: n };
      }
      return no(`computed value: ${cut(n.text)}`);
    }
    case 'binary_operator':
    case 'binary_expression': {
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      const op = n.childForFieldName('operator')?.text ?? n.children.find((c) => c && !c.isNamed)?.text;
      if (l && r && op) {
        const env = envName(l);
        if (env && (op === '??' || op === '||' || op === 'or')) return no(`environment variable ${env}`);
        const a = evaluate(l, f, depth);
        const b = evaluate(r, f, depth);
        if (a.ok && b.ok && typeof a.value === 'number' && typeof b.value === 'number') {
          const v = op === '+' ? a.value + b.value : op === '-' ? a.value - b.value : op === '*' ? a.value * b.value : op === '/' ? a.value / b.value : NaN;
          if (Number.isFinite(v)) return { ok: true, value: v, node: n };
        }
        if (!a.ok && a.why.startsWith('environment')) return a;
        if (!b.ok && b.why.startsWith('environment')) return b;
      }
      return no(`computed value: ${cut(n.text)}`);
    }
    case 'identifier':
    case 'name': {
      const values = f.bindings.get(n.text) ?? [];
      if (values.length === 1 && depth < 4) {
        const v = evaluate(values[0]!, f, depth + 1);
        return v.ok ? { ...v, node: v.node } : v;
      }
      return no(values.length > 1 ? `${n.text} is assigned in more than one place` : `computed value: ${n.text} (not a literal in this file)`);
    }
    default: {
      const env = envName(n);
      if (env) return no(`environment variable ${env}`);
      // int(os.environ.get(...)), Number(process.env.X), parseInt(...): look one call deep for an env lookup.
      for (const c of descendants(n, ['call', 'call_expression', 'member_expression', 'subscript'])) {
        const inner = envName(c);
        if (inner) return no(`environment variable ${inner}`);
      }
      return no(`computed value: ${cut(n.text)}`);
    }
  }
}

/** A setting from an evaluated node: set here, or unknown with why. `map` converts (seconds → ms…). */
export function settingFrom<T>(lit: Lit, map: (v: string | number | boolean | null) => T | undefined, what: string): SiteSetting<T> {
  if (!lit.ok) return { state: 'unknown', why: lit.why, line: lineOf(lit.node) };
  const v = map(lit.value);
  if (v === undefined) return { state: 'unknown', why: `${what} ${JSON.stringify(lit.value)} not understood`, line: lineOf(lit.node) };
  return { state: 'set-here', value: v, line: lineOf(lit.node), text: cut(lit.node.text, 80) };
}

export const seconds = (v: string | number | boolean | null): number | undefined => (typeof v === 'number' && v >= 0 ? Math.round(v * 1000) : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Math.round(Number(v) * 1000) : undefined);
export const millis = (v: string | number | boolean | null): number | undefined => (typeof v === 'number' && v >= 0 ? Math.round(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/** `PRAGMA name = value` statements in a piece of SQL (a string the app passes to execute/exec/pragma). */
export function pragmasIn(sql: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const stmt of sql.split(';')) {
    const t = stmt.trim();
    if (!/^pragma\s/i.test(t)) continue;
    const words = t.replace(/^pragma\s+/i, '');
    const eq = words.indexOf('=');
    const paren = words.indexOf('(');
    if (eq > 0) out.push({ name: words.slice(0, eq).trim().toLowerCase(), value: words.slice(eq + 1).trim().replace(/^['"]|['"]$/g, '') });
    else if (paren > 0 && words.endsWith(')')) out.push({ name: words.slice(0, paren).trim().toLowerCase(), value: words.slice(paren + 1, -1).trim().replace(/^['"]|['"]$/g, '') });
  }
  return out;
}

/** better-sqlite3's db.pragma('journal_mode = WAL') takes the PRAGMA without its keyword. */
export function pragmaArg(text: string): { name: string; value: string } | null {
  const [p] = pragmasIn(`PRAGMA ${text}`);
  return p ?? null;
}

/** What a SQL string does first: a transaction start (with its mode), a read, a write, or something else. */
export function sqlKind(sql: string): { kind: 'begin'; mode: TxMode } | { kind: 'read' } | { kind: 'write' } | { kind: 'other' } {
  const words = sql.trim().toUpperCase().split(/\s+/);
  const first = words[0] ?? '';
  if (first === 'BEGIN') {
    const second = words[1]?.replace(/;$/, '');
    return { kind: 'begin', mode: second === 'IMMEDIATE' ? 'immediate' : second === 'EXCLUSIVE' ? 'exclusive' : 'deferred' };
  }
  if (first === 'SELECT' || first === 'WITH') return { kind: 'read' };
  if (['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'UPSERT'].includes(first)) return { kind: 'write' };
  return { kind: 'other' };
}

/** Applies PRAGMAs found in code to a connection: busy_timeout, journal_mode and synchronous become set-here. */
export function applyPragma(c: ConnectionSite, name: string, value: string, line: number, text: string, everyConnection: string | null): void {
  const v = value.toLowerCase();
  if (name === 'busy_timeout') {
    const ms = /^\d+$/.test(v) ? Number(v) : undefined;
    c.busyTimeoutMs = ms === undefined ? { state: 'unknown', why: `PRAGMA busy_timeout = ${value}`, line } : { state: 'set-here', value: ms, line, text };
  } else if (name === 'journal_mode') {
    c.journalMode = { state: 'set-here', value: v, line, text };
    if (v === 'wal' && everyConnection) c.journalModeOnEveryConnection = { line, how: everyConnection };
  } else if (name === 'synchronous') {
    const level = ({ '0': 'off', '1': 'normal', '2': 'full', '3': 'extra' } as Record<string, string>)[v] ?? v;
    c.synchronous = { state: 'set-here', value: level, line, text };
  } else {
    c.pragmas.push({ name, value, line });
  }
}

/** A new site with every setting unknown until the stack's default or the code says otherwise. */
export function newConnection(f: FileCtx, node: Node, stack: Stack, api: string, database: ConnectionSite['database']): DraftConnection {
  const unknown = { state: 'unknown' as const, why: 'not set here' };
  return {
    file: f.file,
    rel: f.rel,
    line: lineOf(node),
    endLine: node.endPosition.row + 1,
    stack,
    api,
    version: null,
    database,
    busyTimeoutMs: unknown,
    transactionMode: unknown,
    journalMode: { state: 'unknown', why: "not set here: the database file's own mode applies (lockscope audit reads it)" },
    synchronous: unknown,
    pragmas: [],
    names: [],
  };
}

export function databaseOf(lit: Lit | null): ConnectionSite['database'] {
  if (!lit) return { unknown: 'no path given', expression: '' };
  if (lit.ok && typeof lit.value === 'string') return { literal: lit.value };
  return { unknown: lit.ok ? `not a path: ${JSON.stringify(lit.value)}` : lit.why, expression: cut(lit.node.text, 80) };
}

export { cut };
