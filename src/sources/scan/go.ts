/**
 * Go: database/sql `sql.Open("sqlite3", dsn)` (mattn/go-sqlite3; its DSN parameters as sqlite3.go reads them at
 * commit f9fc7aaf: _txlock :1267, _busy_timeout/_timeout :1309-1313, _journal_mode/_journal :1409-1413,
 * _synchronous/_sync :1509-1513; modernc.org/sqlite's "sqlite" driver is not read) and
 * db.Begin()/db.BeginTx() units of work.
 */
import { STACK_DEFAULTS } from '../sqlite/stacks.js';
import { type DraftConnection, type Extracted, type FileCtx, applyPragma, evaluate, newConnection, sqlKind, stringOf } from './common.js';
import { type Node, ancestor, descendants, kids, lineOf } from './parse.js';

export function goBindings(root: Node): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const d of descendants(root, ['const_spec', 'var_spec', 'short_var_declaration'])) {
    const names = d.type === 'short_var_declaration' ? kids(d.childForFieldName('left')) : kids(d).filter((k) => k.type === 'identifier');
    const values = kids(d.childForFieldName(d.type === 'short_var_declaration' ? 'right' : 'value'));
    if (names.length === values.length) names.forEach((n, i) => out.set(n.text, [...(out.get(n.text) ?? []), values[i]!]));
  }
  return out;
}

const GO_SOURCE = 'mattn/go-sqlite3 sqlite3.go:1822-1826 (commit f9fc7aaf): (*SQLiteDriver).Open runs PRAGMA journal_mode for _journal_mode on each connection database/sql opens';

export function scanGo(f: FileCtx, out: Extracted): void {
  for (const call of descendants(f.root, 'call_expression')) {
    if (call.childForFieldName('function')?.text !== 'sql.Open') continue;
    const [driverNode, dsnNode] = kids(call.childForFieldName('arguments'));
    const driver = driverNode ? stringOf(driverNode) : null;
    if (driver !== 'sqlite3' || !dsnNode) continue;
    const dsn = evaluate(dsnNode, f);
    const text = dsn.ok && typeof dsn.value === 'string' ? dsn.value : null;
    const [path, query] = text === null ? [null, ''] : [text.split('?')[0]!.replace(/^file:/, ''), text.split('?')[1] ?? ''];
    const c = newConnection(f, call, 'go', 'sql.Open("sqlite3", …)', path !== null ? { literal: path } : { unknown: dsn.ok ? 'not a string' : dsn.why, expression: dsnNode.text });
    const d = STACK_DEFAULTS.go;
    c.busyTimeoutMs = text === null ? { state: 'unknown', why: `the DSN is ${dsn.ok ? 'not a string' : dsn.why}`, line: lineOf(dsnNode) } : { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
    c.transactionMode = text === null ? { state: 'unknown', why: 'the DSN is not a literal', line: lineOf(dsnNode) } : { state: 'driver-default', value: 'deferred', source: d.transaction.source };
    c.synchronous = text === null ? { state: 'unknown', why: 'the DSN is not a literal' } : { state: 'driver-default', value: 'normal', source: d.synchronousWal.source };
    for (const kv of query.split('&').filter(Boolean)) {
      const [k, v = ''] = kv.split('=').map(decodeURIComponent) as [string, string?];
      const line = lineOf(dsn.node);
      if (k === '_busy_timeout' || k === '_timeout') applyPragma(c, 'busy_timeout', v, line, kv, null);
      else if (k === '_txlock') c.transactionMode = { state: 'set-here', value: v.toLowerCase() === 'immediate' ? 'immediate' : v.toLowerCase() === 'exclusive' ? 'exclusive' : 'deferred', line, text: kv };
      else if (k === '_journal_mode' || k === '_journal') applyPragma(c, 'journal_mode', v, line, kv, GO_SOURCE);
      else if (k === '_synchronous' || k === '_sync') applyPragma(c, 'synchronous', v, line, kv, null);
    }
    const assigned = call.parent?.parent?.type === 'short_var_declaration' || call.parent?.parent?.type === 'assignment_statement' ? kids(call.parent.parent.childForFieldName('left'))[0]?.text : undefined;
    if (assigned) c.names.push(assigned);
    const fn = ancestor(call, ['function_declaration', 'func_literal', 'method_declaration']);
    const handler = fn && /http\.ResponseWriter|\*gin\.Context|echo\.Context|fiber\.Ctx/.test(fn.childForFieldName('parameters')?.text ?? '');
    if (handler) c.perCall = { line: lineOf(fn), function: fn.childForFieldName('name')?.text ?? 'func', why: `opened in an HTTP handler (its parameters take ${/http\.ResponseWriter/.test(fn.text) ? 'http.ResponseWriter' : 'a request context'}): one connection pool per request` };
    out.connections.push(c);
  }
  // db.Begin() / db.BeginTx(ctx, opts): the unit of work is the rest of the function.
  for (const call of descendants(f.root, 'call_expression')) {
    const fn = call.childForFieldName('function');
    const method = fn?.type === 'selector_expression' ? fn.childForFieldName('field')?.text : undefined;
    if (method !== 'Begin' && method !== 'BeginTx') continue;
    const recv = fn!.childForFieldName('operand')?.text ?? '';
    const conn = out.connections.find((c) => c.rel === f.rel && c.names.includes(recv)) ?? (out.connections.filter((c) => c.stack === 'go').length === 1 ? out.connections.find((c) => c.stack === 'go') : undefined);
    const body = ancestor(call, ['block']);
    const reads: number[] = [];
    const writes: number[] = [];
    for (const c2 of descendants(body ?? f.root, 'call_expression').filter((c2) => c2.startIndex > call.startIndex)) {
      const m = c2.childForFieldName('function')?.type === 'selector_expression' ? c2.childForFieldName('function')!.childForFieldName('field')?.text : undefined;
      const sqlNode = kids(c2.childForFieldName('arguments')).find((a) => stringOf(a) !== null);
      const k = sqlNode ? sqlKind(stringOf(sqlNode)!).kind : 'other';
      if (m && /^(Query|QueryRow|QueryContext|QueryRowContext)$/.test(m)) reads.push(lineOf(c2));
      else if (m && /^(Exec|ExecContext)$/.test(m) && k === 'write') writes.push(lineOf(c2));
    }
    const tm = conn?.transactionMode;
    const mode = tm?.state === 'set-here' ? (tm.value as 'immediate') : 'deferred';
    out.transactions.push({
      file: f.file,
      rel: f.rel,
      line: lineOf(call),
      endLine: lineOf(call),
      stack: 'go',
      api: `${recv}.${method}()`,
      mode,
      modeFrom: tm?.state === 'set-here' && conn ? { kind: 'settings', file: conn.file, line: tm.line } : { kind: 'driver-default', source: STACK_DEFAULTS.go.transaction.source },
      reads,
      writes,
      ...(conn ? { connection: conn as DraftConnection } : {}),
    });
  }
}
