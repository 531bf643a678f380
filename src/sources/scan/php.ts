/**
 * Laravel: the sqlite connections of config/database.php (`busy_timeout`, `journal_mode`, `synchronous`,
 * `transaction_mode`), with `env('X', default)` resolved from the app's .env (read with dotenv's parser), and
 * `DB::transaction(fn)` units of work in PHP code. Option names and defaults: src/sources/sqlite/stacks.ts
 * (laravel) and checks/scan-no-busy-timeout.md.
 */
import { STACK_DEFAULTS } from '../sqlite/stacks.js';
import { type DraftConnection, type Extracted, type FileCtx, type Lit, applyPragma, evaluate, newConnection, stringOf } from './common.js';
import type { SiteSetting } from './facts.js';
import { type Node, descendants, kids, lineOf } from './parse.js';

/** The app's .env: name → value and line, as dotenv parses it. */
export type EnvFile = { file: string; values: Map<string, { value: string; line: number }> };

function arrayEntries(n: Node | null | undefined): Map<string, Node> {
  const out = new Map<string, Node>();
  if (n?.type !== 'array_creation_expression') return out;
  for (const el of kids(n).filter((k) => k.type === 'array_element_initializer')) {
    const [k, v] = kids(el);
    const key = k && v ? stringOf(k) : null;
    if (key !== null && v) out.set(key, v);
  }
  return out;
}

/** A config value: a literal, or env('X', default) resolved from .env; where it was set (file, line). */
function phpValue(n: Node, f: FileCtx, env: EnvFile | null): { lit: Lit; file: string; line: number; text: string } {
  if (n.type === 'function_call_expression' && n.childForFieldName('function')?.text === 'env') {
    const args = kids(n.childForFieldName('arguments')).map((a) => kids(a)[0] ?? a);
    const name = args[0] ? stringOf(args[0]) : null;
    const fromEnv = name ? env?.values.get(name) : undefined;
    if (name && fromEnv && env) {
      const raw = fromEnv.value;
      const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'null' || raw === '' ? null : raw;
      return { lit: { ok: true, value, node: n }, file: env.file, line: fromEnv.line, text: `${name}=${raw} in .env` };
    }
    return { lit: { ok: false, why: `environment variable ${name ?? n.text}${env ? ' (not in .env)' : ' (no .env)'}${args[1] ? `, default in code ${args[1].text}` : ''}`, node: n }, file: f.file, line: lineOf(n), text: n.text };
  }
  return { lit: evaluate(n, f), file: f.file, line: lineOf(n), text: n.text };
}

export function scanLaravelConfig(f: FileCtx, env: EnvFile | null, out: Extracted): void {
  const ret = descendants(f.root, 'return_statement')[0];
  const top = arrayEntries(kids(ret)[0]);
  const d = STACK_DEFAULTS.laravel;
  for (const [name, conf] of arrayEntries(top.get('connections'))) {
    const e = arrayEntries(conf);
    const driver = e.get('driver');
    if (!driver || stringOf(driver) !== 'sqlite') continue;
    const pair = conf.parent!;
    const dbNode = e.get('database');
    const db = dbNode ? phpValue(dbNode, f, env) : null;
    const c: DraftConnection = newConnection(f, pair, 'laravel', `connections.${name}`, db?.lit.ok && typeof db.lit.value === 'string' ? { literal: db.lit.value } : { unknown: db ? (db.lit.ok ? 'not a path' : db.lit.why) : 'no database key', expression: dbNode?.text ?? '' });
    c.names.push(name);
    const setting = <T>(key: string, map: (v: string | number | boolean | null) => T | undefined, fallback: SiteSetting<T>): SiteSetting<T> => {
      const node = e.get(key);
      if (!node) return fallback;
      const v = phpValue(node, f, env);
      if (!v.lit.ok) return { state: 'unknown', why: v.lit.why, line: v.line };
      if (v.lit.value === null) return fallback;
      const m = map(v.lit.value);
      if (m === undefined) return { state: 'unknown', why: `${key} ${JSON.stringify(v.lit.value)} not understood`, line: v.line };
      return { state: 'set-here', value: m, line: v.line, text: v.text, ...(v.file !== f.file ? { file: v.file } : {}) };
    };
    c.busyTimeoutMs = setting('busy_timeout', (v) => (typeof v === 'number' && v >= 0 ? v : undefined), { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source });
    c.transactionMode = setting('transaction_mode', (v) => (typeof v === 'string' && ['DEFERRED', 'IMMEDIATE', 'EXCLUSIVE'].includes(v.toUpperCase()) ? (v.toLowerCase() as 'deferred') : undefined), { state: 'driver-default', value: 'deferred', source: d.transaction.source });
    for (const key of ['journal_mode', 'synchronous']) {
      const s = setting(key, (v) => (typeof v === 'string' ? v.toLowerCase() : undefined), { state: 'unknown', why: 'not set' });
      if (s.state === 'set-here') applyPragma(c, key, s.value, s.line, s.text, null);
    }
    out.connections.push(c);
  }
}

const PHP_READS = new Set(['first', 'get', 'find', 'findOrFail', 'value', 'pluck', 'count', 'exists', 'sole', 'firstOrFail', 'all', 'select']);
const PHP_WRITES = new Set(['update', 'insert', 'delete', 'increment', 'decrement', 'save', 'create', 'upsert', 'forceDelete', 'updateOrCreate', 'firstOrCreate', 'statement']);

export function scanLaravelCode(f: FileCtx, out: Extracted): void {
  for (const call of descendants(f.root, 'scoped_call_expression')) {
    if (call.childForFieldName('scope')?.text !== 'DB' || call.childForFieldName('name')?.text !== 'transaction') continue;
    const fn = descendants(call.childForFieldName('arguments') ?? call, ['anonymous_function', 'arrow_function'])[0];
    const reads: number[] = [];
    const writes: number[] = [];
    for (const c of descendants(fn ?? call, ['member_call_expression', 'scoped_call_expression'])) {
      const m = c.childForFieldName('name')?.text ?? '';
      if (PHP_WRITES.has(m)) writes.push(lineOf(c));
      else if (PHP_READS.has(m)) reads.push(lineOf(c));
    }
    out.transactions.push({
      file: f.file,
      rel: f.rel,
      line: lineOf(call),
      endLine: call.endPosition.row + 1,
      stack: 'laravel',
      api: 'DB::transaction()',
      mode: 'deferred',
      modeFrom: { kind: 'driver-default', source: STACK_DEFAULTS.laravel.transaction.source },
      reads: [...new Set(reads)],
      writes: [...new Set(writes)],
      modeFromStackSettings: true,
    });
  }
}
