/**
 * JavaScript/TypeScript: better-sqlite3 `new Database(path, { timeout })` and db.transaction(), node-sqlite3
 * `new sqlite3.Database()` with configure('busyTimeout'), node:sqlite `new DatabaseSync(path, { timeout })`, knex
 * with pool.afterCreate, Sequelize with transactionType, drizzle-orm's db.transaction(fn, { behavior }).
 */
import type { Stack } from '../../core/model.js';
import { STACK_DEFAULTS } from '../sqlite/stacks.js';
import { type DraftConnection, type DraftTransaction, type Extracted, type FileCtx, applyPragma, databaseOf, evaluate, millis, newConnection, pragmaArg, pragmasIn, settingFrom, sqlKind, stringOf } from './common.js';
import { type Node, ancestor, descendants, kids, lineOf } from './parse.js';

export function jsBindings(root: Node): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const d of descendants(root, 'variable_declarator')) {
    const name = d.childForFieldName('name');
    const value = d.childForFieldName('value');
    if (name?.type === 'identifier' && value) out.set(name.text, [...(out.get(name.text) ?? []), value]);
  }
  return out;
}

/** An object literal's keys → value nodes. */
export function jsObject(n: Node | null | undefined): Map<string, Node> {
  const out = new Map<string, Node>();
  if (n?.type !== 'object') return out;
  for (const p of kids(n)) {
    if (p.type === 'pair') {
      const k = p.childForFieldName('key');
      const v = p.childForFieldName('value');
      const key = k ? (k.type === 'property_identifier' ? k.text : stringOf(k)) : null;
      if (key !== null && v) out.set(key, v);
    } else if (p.type === 'method_definition') {
      const k = p.childForFieldName('name');
      if (k) out.set(k.text, p);
    } else if (p.type === 'shorthand_property_identifier') out.set(p.text, p);
  }
  return out;
}

const jsArgs = (call: Node): Node[] => kids(call.childForFieldName('arguments')).filter((a) => a.type !== 'comment');

/** Which package each imported name comes from (`import X from 'm'`, `const X = require('m')`, named imports). */
export interface JsImports {
  /** local name → { module, imported name ('default', '*' or the export's name) } */
  names: Map<string, { module: string; imported: string }>;
}

export function jsImports(root: Node): JsImports {
  const names = new Map<string, { module: string; imported: string }>();
  for (const imp of descendants(root, 'import_statement')) {
    const src = imp.childForFieldName('source');
    const module = src ? stringOf(src) : null;
    if (!module) continue;
    const clause = kids(imp).find((c) => c.type === 'import_clause');
    for (const c of kids(clause)) {
      if (c.type === 'identifier') names.set(c.text, { module, imported: 'default' });
      else if (c.type === 'namespace_import') {
        const id = kids(c)[0];
        if (id) names.set(id.text, { module, imported: '*' });
      } else if (c.type === 'named_imports') {
        for (const s of kids(c).filter((k) => k.type === 'import_specifier')) {
          const name = s.childForFieldName('name')?.text;
          const alias = s.childForFieldName('alias')?.text ?? name;
          if (name && alias) names.set(alias, { module, imported: name });
        }
      }
    }
  }
  for (const d of descendants(root, 'variable_declarator')) {
    let value = d.childForFieldName('value');
    while (value?.type === 'await_expression' || value?.type === 'call_expression' && value.childForFieldName('function')?.type === 'member_expression' && value.childForFieldName('function')?.childForFieldName('property')?.text === 'verbose') {
      value = value.type === 'await_expression' ? kids(value)[0] ?? null : value.childForFieldName('function')!.childForFieldName('object');
    }
    if (value?.type !== 'call_expression' || value.childForFieldName('function')?.text !== 'require') continue;
    const arg = jsArgs(value)[0];
    const module = arg ? stringOf(arg) : null;
    const name = d.childForFieldName('name');
    if (!module || !name) continue;
    if (name.type === 'identifier') names.set(name.text, { module, imported: 'default' });
    else if (name.type === 'object_pattern') {
      for (const p of kids(name)) {
        if (p.type === 'shorthand_property_identifier_pattern') names.set(p.text, { module, imported: p.text });
        else if (p.type === 'pair_pattern') {
          const k = p.childForFieldName('key')?.text;
          const v = p.childForFieldName('value')?.text;
          if (k && v) names.set(v, { module, imported: k });
        }
      }
    }
  }
  return { names };
}

/** What a receiver variable is: a connection site, or a drizzle/knex/Sequelize handle over one. */
export type JsHandle = { kind: Stack; connection: DraftConnection };

const ROUTE_CALL = /^(app|router|server|api|fastify|r)\.(get|post|put|patch|delete|all|use|route)$/;

function perCall(n: Node): DraftConnection['perCall'] {
  const loop = ancestor(n, ['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);
  const fn = ancestor(n, ['arrow_function', 'function_expression', 'function_declaration', 'method_definition']);
  if (loop && (!fn || loop.startIndex > fn.startIndex)) return { line: lineOf(loop), function: fn?.childForFieldName('name')?.text ?? '<module>', why: `opened inside a loop (line ${lineOf(loop)}): one connection per item` };
  for (let f = fn; f; f = ancestor(f, ['arrow_function', 'function_expression', 'function_declaration', 'method_definition'])) {
    const call = f.parent?.type === 'arguments' ? f.parent.parent : null;
    const callee = call?.childForFieldName('function')?.text ?? '';
    if (call && ROUTE_CALL.test(callee)) {
      const route = jsArgs(call)[0];
      return { line: lineOf(call), function: `${callee}(${route ? route.text : ''}) handler`, why: `opened in the handler passed to ${callee}(${route?.text ?? ''}) at line ${lineOf(call)}: one connection per request` };
    }
  }
  return undefined;
}

const JS_WRITES = new Set(['run', 'insert', 'update', 'del', 'delete', 'destroy', 'create', 'save', 'increment', 'decrement', 'upsert', 'bulkCreate', 'insertInto', 'deleteFrom', 'updateTable', 'onConflict']);
const JS_READS = new Set(['get', 'all', 'iterate', 'select', 'first', 'findOne', 'findAll', 'findByPk', 'findMany', 'findFirst', 'count', 'pluck', 'each', 'selectFrom']);

export function jsReadsWrites(block: Node): { reads: number[]; writes: number[] } {
  const reads: number[] = [];
  const writes: number[] = [];
  for (const c of descendants(block, 'call_expression')) {
    const fn = c.childForFieldName('function');
    if (fn?.type !== 'member_expression') continue;
    const method = fn.childForFieldName('property')?.text ?? '';
    const receiver = fn.childForFieldName('object')?.text ?? '';
    if (/^(req|res|request|response|map|cache|headers|params|query|Object|JSON|console|Math|Array)\b/.test(receiver) && method !== 'run') continue;
    const line = lineOf(c);
    if (method === 'exec' || method === 'run' || method === 'query' || method === 'raw') {
      // db.prepare('UPDATE …').run(), trx.raw('SELECT …'), db.exec('INSERT …'): the SQL says.
      const prep = fn.childForFieldName('object');
      const sqlNode = jsArgs(c)[0] ?? (prep?.type === 'call_expression' ? jsArgs(prep)[0] : undefined);
      const sql = sqlNode ? stringOf(sqlNode) : null;
      const viaPrepare = prep?.type === 'call_expression' && prep.childForFieldName('function')?.text.endsWith('.prepare') ? stringOf(jsArgs(prep)[0] ?? prep) : null;
      const k = sqlKind(viaPrepare ?? sql ?? '').kind;
      if (k === 'read') reads.push(line);
      else if (k === 'write' || (method === 'run' && viaPrepare === null && sql === null)) writes.push(line);
      continue;
    }
    if (method === 'get' || method === 'all' || method === 'iterate') {
      const prep = fn.childForFieldName('object');
      const viaPrepare = prep?.type === 'call_expression' && prep.childForFieldName('function')?.text.endsWith('.prepare') ? stringOf(jsArgs(prep)[0] ?? prep) : null;
      if (viaPrepare !== null && sqlKind(viaPrepare).kind === 'write') writes.push(line);
      else reads.push(line);
      continue;
    }
    if (JS_WRITES.has(method)) writes.push(line);
    else if (JS_READS.has(method)) reads.push(line);
  }
  return { reads: [...new Set(reads)], writes: [...new Set(writes)] };
}

/** The function a call runs (its first argument, when a function literal). */
function fnArg(call: Node): Node | null {
  return jsArgs(call).find((a) => a.type === 'arrow_function' || a.type === 'function_expression' || a.type === 'function') ?? null;
}

export interface JsFileResult {
  /** Top-level names bound to a handle, for other files that import them. */
  exports: Map<string, JsHandle>;
  /** Receivers of `.transaction(` calls that were not resolved in the file: resolved after every file is read. */
  pending: { call: Node; receiver: string; f: FileCtx }[];
  imports: JsImports;
}

export function scanJs(f: FileCtx, out: Extracted): JsFileResult {
  const imports = jsImports(f.root);
  const from = (name: string) => imports.names.get(name);
  const handles = new Map<string, JsHandle>();
  for (const n of descendants(f.root, ['new_expression', 'call_expression'])) {
    const ctor = n.type === 'new_expression' ? n.childForFieldName('constructor') : n.childForFieldName('function');
    if (!ctor) continue;
    const head = ctor.type === 'member_expression' ? ctor.childForFieldName('object')?.text ?? '' : ctor.text;
    const prop = ctor.type === 'member_expression' ? ctor.childForFieldName('property')?.text : undefined;
    let imp = from(head);
    // require('knex')({ … }) and require('better-sqlite3')(path)
    if (!imp && ctor.type === 'call_expression' && ctor.childForFieldName('function')?.text === 'require') {
      const m = stringOf(jsArgs(ctor)[0] ?? ctor);
      if (m) imp = { module: m, imported: 'default' };
    }
    if (!imp) continue;
    const args = jsArgs(n);
    const decl = n.parent?.type === 'variable_declarator' ? n.parent : n.parent?.type === 'await_expression' && n.parent.parent?.type === 'variable_declarator' ? n.parent.parent : null;
    const name = decl?.childForFieldName('name')?.type === 'identifier' ? decl.childForFieldName('name')!.text : undefined;
    const assign = n.parent?.type === 'assignment_expression' ? n.parent.childForFieldName('left')?.text : undefined;
    const bind = name ?? assign;
    let c: DraftConnection | null = null;
    const mod = imp.module;
    const what = prop ?? imp.imported;
    if (mod === 'better-sqlite3' && n.type === 'new_expression' || mod === 'better-sqlite3' && n.type === 'call_expression' && !prop) {
      c = newConnection(f, n, 'better-sqlite3', 'new Database', databaseOf(args[0] ? evaluate(args[0], f) : null));
      const opts = jsObject(args[1]);
      const d = STACK_DEFAULTS['better-sqlite3'];
      const t = opts.get('timeout');
      c.busyTimeoutMs = t ? settingFrom(evaluate(t, f), millis, 'timeout') : { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      c.transactionMode = { state: 'driver-default', value: 'deferred', source: d.transaction.source };
      c.synchronous = { state: 'driver-default', value: `${d.synchronousWal.value} in WAL, ${d.synchronousRollback.value} otherwise`, source: d.synchronousWal.source };
      const ro = opts.get('readonly');
      if (ro?.type === 'true') c.pragmas.push({ name: 'readonly', value: 'true', line: lineOf(ro) });
    } else if (mod === 'sqlite3' && (what === 'Database' || what === 'cached') && n.type === 'new_expression') {
      c = newConnection(f, n, 'node-sqlite3', 'new sqlite3.Database', databaseOf(args[0] ? evaluate(args[0], f) : null));
      const d = STACK_DEFAULTS['node-sqlite3'];
      c.busyTimeoutMs = { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      c.transactionMode = { state: 'driver-default', value: 'explicit', source: d.transaction.source };
    } else if ((mod === 'node:sqlite' || mod === 'sqlite') && what === 'DatabaseSync') {
      c = newConnection(f, n, 'node-sqlite', 'new DatabaseSync', databaseOf(args[0] ? evaluate(args[0], f) : null));
      const d = STACK_DEFAULTS['node-sqlite'];
      const t = jsObject(args[1]).get('timeout');
      c.busyTimeoutMs = t ? settingFrom(evaluate(t, f), millis, 'timeout') : { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      c.transactionMode = { state: 'driver-default', value: 'explicit', source: d.transaction.source };
    } else if (mod === 'knex' && n.type === 'call_expression') {
      const conf = jsObject(args[0]);
      const client = conf.get('client') ? evaluate(conf.get('client')!, f) : null;
      const clientName = client?.ok ? String(client.value) : '';
      if (!['sqlite3', 'better-sqlite3', 'sqlite'].includes(clientName)) continue;
      const connection = jsObject(conf.get('connection'));
      const file = connection.get('filename');
      c = newConnection(f, n, 'knex', `knex({ client: '${clientName}' })`, databaseOf(file ? evaluate(file, f) : null));
      const driver = STACK_DEFAULTS[clientName === 'better-sqlite3' ? 'better-sqlite3' : 'node-sqlite3'];
      c.busyTimeoutMs = { state: 'driver-default', value: driver.busyTimeoutMs.value!, source: `${STACK_DEFAULTS.knex.busyTimeoutMs.source}; ${driver.busyTimeoutMs.source}` };
      c.transactionMode = { state: 'driver-default', value: 'deferred', source: STACK_DEFAULTS.knex.transaction.source };
      const after = jsObject(conf.get('pool')).get('afterCreate');
      if (after) attachJsHook(c, after, f, 'knex runs pool.afterCreate on every connection its pool creates (lib/client.js:348-361, knex 3.3.0)');
    } else if (mod === 'sequelize' && what === 'Sequelize' || mod === 'sequelize' && imp.imported === 'default' && n.type === 'new_expression') {
      const first = args[0] ? evaluate(args[0], f) : null;
      const conf = jsObject(args.find((a) => a.type === 'object'));
      const dialect = conf.get('dialect') ? evaluate(conf.get('dialect')!, f) : null;
      const isSqlite = (dialect?.ok && dialect.value === 'sqlite') || (first?.ok && typeof first.value === 'string' && first.value.startsWith('sqlite:'));
      if (!isSqlite) continue;
      const storage = conf.get('storage');
      c = newConnection(f, n, 'sequelize', 'new Sequelize', databaseOf(storage ? evaluate(storage, f) : first?.ok ? { ...first, value: String(first.value).replace(/^sqlite:(\/\/)?/, '') } : null));
      const d = STACK_DEFAULTS.sequelize;
      c.busyTimeoutMs = { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      const tt = conf.get('transactionType');
      c.transactionMode = tt
        ? settingFrom(evaluate(tt, f), (v) => (typeof v === 'string' && ['DEFERRED', 'IMMEDIATE', 'EXCLUSIVE'].includes(v.toUpperCase()) ? (v.toLowerCase() as 'deferred') : undefined), 'transactionType')
        : { state: 'driver-default', value: 'deferred', source: d.transaction.source };
      if (tt && !c.transactionMode.state.startsWith('set') && /TYPES\.(IMMEDIATE|EXCLUSIVE|DEFERRED)$/.test(tt.text)) {
        c.transactionMode = { state: 'set-here', value: tt.text.split('.').at(-1)!.toLowerCase() as 'immediate', line: lineOf(tt), text: tt.text };
      }
    } else if (mod.startsWith('drizzle-orm/') && what === 'drizzle') {
      const a = args[0];
      const client = a?.type === 'identifier' ? a.text : jsObject(a).get('client')?.text;
      const conn = client ? handles.get(client)?.connection : undefined;
      if (conn && bind) handles.set(bind, { kind: 'drizzle', connection: conn });
      continue;
    }
    if (!c) continue;
    if (bind) {
      c.names.push(bind);
      handles.set(bind, { kind: c.stack, connection: c });
    }
    const p = perCall(n);
    if (p) c.perCall = p;
    out.connections.push(c);
  }

  // Calls on a connection's variable: PRAGMAs, configure('busyTimeout'), BEGIN.
  for (const call of descendants(f.root, 'call_expression')) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'member_expression') continue;
    const recv = fn.childForFieldName('object')?.text ?? '';
    const m = fn.childForFieldName('property')?.text ?? '';
    const h = handles.get(recv);
    if (!h || h.kind === 'drizzle') continue;
    const c = h.connection;
    const arg0 = jsArgs(call)[0];
    const s = arg0 ? stringOf(arg0) : null;
    if (m === 'pragma' && s) {
      const p = pragmaArg(s);
      if (p) applyPragma(c, p.name, p.value, lineOf(call), s, c.perCall ? 'the PRAGMA runs on each connection this handler opens' : null);
    } else if ((m === 'exec' || m === 'run' || m === 'prepare') && s) {
      for (const p of pragmasIn(s)) applyPragma(c, p.name, p.value, lineOf(call), s, c.perCall ? 'the PRAGMA runs on each connection this handler opens' : null);
      const k = sqlKind(s);
      if (k.kind === 'begin') out.transactions.push(explicitBegin(call, f, c, k.mode, s));
    } else if (m === 'configure' && s === 'busyTimeout') {
      const v = jsArgs(call)[1];
      if (v) c.busyTimeoutMs = settingFrom(evaluate(v, f), millis, 'busyTimeout');
    }
  }

  const pending: JsFileResult['pending'] = [];
  for (const call of descendants(f.root, 'call_expression')) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'member_expression' || fn.childForFieldName('property')?.text !== 'transaction') continue;
    const recv = fn.childForFieldName('object')?.text ?? '';
    const h = handles.get(recv);
    const t = h ? jsTransaction(call, recv, h, f) : null;
    if (t) out.transactions.push(t);
    else if (!h) pending.push({ call, receiver: recv, f });
  }
  return { exports: handles, pending, imports };
}

function explicitBegin(call: Node, f: FileCtx, c: DraftConnection, mode: 'deferred' | 'immediate' | 'exclusive', sql: string) {
  const scope = ancestor(call, ['statement_block']) ?? f.root;
  const reads: number[] = [];
  const writes: number[] = [];
  for (const s of kids(scope).filter((k) => k.startIndex > call.startIndex)) {
    const rw = jsReadsWrites(s);
    reads.push(...rw.reads);
    writes.push(...rw.writes);
  }
  return { file: f.file, rel: f.rel, line: lineOf(call), endLine: lineOf(call), stack: c.stack, api: `${JSON.stringify(sql)}`, mode, modeFrom: { kind: 'set-here' as const, line: lineOf(call) }, reads, writes, connection: c };
}

/** A `.transaction(` call on a handle: its mode from the call, the connection's settings, or the stack's default. */
export function jsTransaction(call: Node, recv: string, h: JsHandle, f: FileCtx): DraftTransaction | null {
  const body = fnArg(call);
  const rw = body ? jsReadsWrites(body) : { reads: [], writes: [] };
  const base = { file: f.file, rel: f.rel, line: lineOf(call), endLine: call.endPosition.row + 1, api: `${recv}.transaction()`, ...rw, connection: h.connection };
  const args = jsArgs(call);
  if (h.kind === 'drizzle') {
    const behavior = jsObject(args[1]).get('behavior');
    const lit = behavior ? evaluate(behavior, f) : null;
    if (lit?.ok && typeof lit.value === 'string') return { ...base, stack: 'drizzle' as const, mode: lit.value as 'immediate', modeFrom: { kind: 'set-here' as const, line: lineOf(behavior!) } };
    return { ...base, stack: 'drizzle' as const, mode: 'deferred' as const, modeFrom: { kind: 'driver-default' as const, source: STACK_DEFAULTS.drizzle.transaction.source } };
  }
  if (h.kind === 'sequelize') {
    const type = jsObject(args.find((a) => a.type === 'object')).get('type');
    if (type) {
      const lit = evaluate(type, f);
      const v = lit.ok && typeof lit.value === 'string' ? lit.value : /TYPES\.(\w+)$/.exec(type.text)?.[1];
      if (v) return { ...base, stack: 'sequelize' as const, mode: v.toLowerCase() as 'immediate', modeFrom: { kind: 'set-here' as const, line: lineOf(type) } };
    }
    const cm = h.connection.transactionMode;
    if (cm.state === 'set-here') return { ...base, stack: 'sequelize' as const, mode: cm.value as 'immediate', modeFrom: { kind: 'settings' as const, file: h.connection.file, line: cm.line } };
    return { ...base, stack: 'sequelize' as const, mode: 'deferred' as const, modeFrom: { kind: 'driver-default' as const, source: STACK_DEFAULTS.sequelize.transaction.source } };
  }
  if (h.kind === 'better-sqlite3') {
    // const tx = db.transaction(fn): called as tx(…)/tx.deferred(…) it begins deferred; tx.immediate(…) begins IMMEDIATE.
    const decl = call.parent?.type === 'variable_declarator' ? call.parent.childForFieldName('name')?.text : undefined;
    const parentMember = call.parent?.type === 'member_expression' ? call.parent.childForFieldName('property')?.text : undefined;
    // db.transaction(fn)(…) runs it at once, deferred.
    const invoked = call.parent?.type === 'call_expression' && call.parent.childForFieldName('function')?.startIndex === call.startIndex;
    let variant = parentMember ?? (invoked ? 'deferred' : undefined);
    if (!variant && decl) {
      const uses = descendants(f.root, 'call_expression').map((c) => c.childForFieldName('function')?.text ?? '');
      const deferredUse = uses.some((u) => u === decl || u === `${decl}.deferred`);
      variant = deferredUse ? 'deferred' : uses.some((u) => u === `${decl}.immediate`) ? 'immediate' : uses.some((u) => u === `${decl}.exclusive`) ? 'exclusive' : undefined;
    }
    // Not called in its file (exported, called elsewhere): how it begins is the caller's choice, not known here.
    if (!variant) return null;
    if (variant === 'immediate' || variant === 'exclusive') return { ...base, stack: 'better-sqlite3' as const, mode: variant as 'immediate', modeFrom: { kind: 'set-here' as const, line: lineOf(call) } };
    return { ...base, stack: 'better-sqlite3' as const, mode: 'deferred' as const, modeFrom: { kind: 'driver-default' as const, source: STACK_DEFAULTS['better-sqlite3'].transaction.source } };
  }
  if (h.kind === 'knex') return { ...base, stack: 'knex' as const, mode: 'deferred' as const, modeFrom: { kind: 'driver-default' as const, source: STACK_DEFAULTS.knex.transaction.source } };
  return { ...base, stack: h.kind, mode: 'deferred' as const, modeFrom: { kind: 'driver-default' as const, source: STACK_DEFAULTS[h.kind].transaction.source } };
}

/** knex pool.afterCreate(conn, done): PRAGMAs and busyTimeout it sets on every pooled connection. */
function attachJsHook(c: DraftConnection, hook: Node, f: FileCtx, every: string): void {
  for (const call of descendants(hook, 'call_expression')) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'member_expression') continue;
    const m = fn.childForFieldName('property')?.text;
    const a0 = jsArgs(call)[0];
    const s = a0 ? stringOf(a0) : null;
    if (m === 'pragma' && s) {
      const p = pragmaArg(s);
      if (p) applyPragma(c, p.name, p.value, lineOf(call), s, every);
    } else if ((m === 'run' || m === 'exec') && s) {
      for (const p of pragmasIn(s)) applyPragma(c, p.name, p.value, lineOf(call), s, every);
    } else if (m === 'configure' && s === 'busyTimeout') {
      const v = jsArgs(call)[1];
      if (v) c.busyTimeoutMs = settingFrom(evaluate(v, f), millis, 'busyTimeout');
    }
  }
}
