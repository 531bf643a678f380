/**
 * Python: sqlite3.connect, Django DATABASES and transaction.atomic, SQLAlchemy create_engine with connect_args
 * and its "connect"/"begin" listeners, peewee SqliteDatabase and db.atomic().
 */
import { STACK_DEFAULTS } from '../sqlite/stacks.js';
import {
  type DraftConnection,
  type Extracted,
  type FileCtx,
  applyPragma,
  databaseOf,
  evaluate,
  newConnection,
  pragmasIn,
  seconds,
  settingFrom,
  sqlKind,
  stringOf,
} from './common.js';
import { type Node, ancestor, descendants, kids, lineOf } from './parse.js';

export function pythonBindings(root: Node): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const a of descendants(root, 'assignment')) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type === 'identifier' && right) out.set(left.text, [...(out.get(left.text) ?? []), right]);
  }
  return out;
}

interface Args {
  positional: Node[];
  keywords: Map<string, Node>;
}

export function pyArgs(call: Node): Args {
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  for (const a of kids(call.childForFieldName('arguments'))) {
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name')?.text;
      const value = a.childForFieldName('value');
      if (name && value) keywords.set(name, value);
    } else if (a.type !== 'comment') positional.push(a);
  }
  return { positional, keywords };
}

/** A dict literal's string keys → value nodes (and the pair node, for its line). */
export function pyDict(n: Node | null | undefined): Map<string, Node> {
  const out = new Map<string, Node>();
  if (n?.type !== 'dictionary') return out;
  for (const p of kids(n)) {
    if (p.type !== 'pair') continue;
    const k = p.childForFieldName('key');
    const v = p.childForFieldName('value');
    const key = k ? stringOf(k) : null;
    if (key !== null && v) out.set(key, v);
  }
  return out;
}

const ROUTE_DECORATOR = /\.(route|get|post|put|patch|delete|websocket|api_route)\(|api_view|^@(app|router|bp|blueprint)\./;

/** Whether code at this node runs per request or per item, and why (the heuristic of scan-connection-per-call). */
function perCall(n: Node, f: FileCtx): DraftConnection['perCall'] {
  const loop = ancestor(n, ['for_statement', 'while_statement', 'list_comprehension', 'generator_expression']);
  const fn = ancestor(n, ['function_definition']);
  if (loop && (!fn || loop.startIndex > fn.startIndex)) {
    return { line: lineOf(loop), function: fn?.childForFieldName('name')?.text ?? '<module>', why: `opened inside a loop (line ${lineOf(loop)}): one connection per item` };
  }
  if (!fn) return undefined;
  const name = fn.childForFieldName('name')?.text ?? '?';
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : null;
  for (const d of kids(decorated).filter((c) => c.type === 'decorator')) {
    if (ROUTE_DECORATOR.test(d.text)) return { line: lineOf(d), function: name, why: `opened in ${name}(), a request handler (${d.text.split('\n')[0]!.trim()} at line ${lineOf(d)}): one connection per request` };
  }
  const first = kids(fn.childForFieldName('parameters'))[0]?.text;
  if (first === 'request' && /(^|\/)views(\.py$|\/)/.test(f.rel)) {
    return { line: lineOf(fn), function: name, why: `opened in ${name}(request), a Django view (first parameter request, in ${f.rel}): one connection per request` };
  }
  return undefined;
}

const PY_WRITES = new Set(['save', 'create', 'update', 'delete', 'bulk_create', 'bulk_update', 'get_or_create', 'update_or_create', 'add', 'add_all', 'merge', 'insert', 'insert_many', 'replace', 'executemany', 'increment']);
const PY_READS = new Set(['get', 'filter', 'all', 'first', 'last', 'exists', 'count', 'aggregate', 'scalars', 'scalar', 'fetchone', 'fetchall', 'query', 'get_by_id', 'values', 'values_list', 'select_for_update']);

/** Lines in a block that read and that write the database (method names and SQL text; see the check's doc). */
export function pyReadsWrites(block: Node): { reads: number[]; writes: number[] } {
  const reads: number[] = [];
  const writes: number[] = [];
  for (const c of descendants(block, 'call')) {
    const fn = c.childForFieldName('function');
    if (fn?.type !== 'attribute') continue;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    const receiver = fn.childForFieldName('object')?.text ?? '';
    if (/request|kwargs|environ|session\.get\b|dict|json|headers|\bcache\b/.test(receiver)) continue;
    const line = lineOf(c);
    if (method === 'execute' || method === 'exec_driver_sql') {
      const first = pyArgs(c).positional[0];
      const sql = first ? (stringOf(first) ?? (first.type === 'call' ? stringOf(pyArgs(first).positional[0] ?? first) : null)) : null;
      const core = first?.type === 'call' ? first.childForFieldName('function')?.text : undefined;
      const kind = sql !== null ? sqlKind(sql).kind : core === 'select' ? 'read' : core && ['insert', 'update', 'delete'].includes(core) ? 'write' : 'other';
      if (kind === 'read') reads.push(line);
      else if (kind === 'write') writes.push(line);
    } else if (PY_WRITES.has(method)) writes.push(line);
    else if (PY_READS.has(method)) reads.push(line);
  }
  return { reads: [...new Set(reads)], writes: [...new Set(writes)] };
}

export function scanPython(f: FileCtx, out: Extracted): void {
  const root = f.root;
  // Names the sqlite3 module and its connect are imported as.
  const sqliteModules = new Set<string>();
  const connectNames = new Set<string>();
  let djangoTransaction = false;
  const djangoAtomic = new Set<string>();
  for (const imp of descendants(root, ['import_statement', 'import_from_statement'])) {
    if (imp.type === 'import_statement') {
      for (const n of kids(imp)) {
        const name = n.type === 'aliased_import' ? n.childForFieldName('name')?.text : n.text;
        const alias = n.type === 'aliased_import' ? n.childForFieldName('alias')?.text : n.text;
        if (name === 'sqlite3' && alias) sqliteModules.add(alias);
      }
    } else {
      const mod = imp.childForFieldName('module_name')?.text;
      for (const n of kids(imp).slice(1)) {
        const name = n.type === 'aliased_import' ? n.childForFieldName('name')?.text : n.text;
        const alias = n.type === 'aliased_import' ? n.childForFieldName('alias')?.text : n.text;
        if (mod === 'sqlite3' && name === 'connect' && alias) connectNames.add(alias);
        if (mod === 'django.db' && name === 'transaction') djangoTransaction = true;
        if (mod === 'django.db.transaction' && name === 'atomic' && alias) djangoAtomic.add(alias);
      }
    }
  }

  const engines = new Map<string, DraftConnection>();
  for (const call of descendants(root, 'call')) {
    const fnNode = call.childForFieldName('function');
    if (!fnNode) continue;
    const fn = fnNode.text;
    const args = pyArgs(call);
    const assignedTo = call.parent?.type === 'assignment' ? call.parent.childForFieldName('left')?.text : undefined;
    const isSqliteConnect = connectNames.has(fn) || [...sqliteModules].some((m) => fn === `${m}.connect`);
    if (isSqliteConnect) {
      const dbArg = args.positional[0] ?? args.keywords.get('database');
      const c = newConnection(f, call, 'python', 'sqlite3.connect', databaseOf(dbArg ? evaluate(dbArg, f) : null));
      const d = STACK_DEFAULTS.python;
      const t = args.keywords.get('timeout') ?? args.positional[1];
      c.busyTimeoutMs = t ? settingFrom(evaluate(t, f), seconds, 'timeout') : { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      const iso = args.keywords.get('isolation_level');
      const auto = args.keywords.get('autocommit');
      if (auto && evaluate(auto, f).ok && (evaluate(auto, f) as { value: unknown }).value === false) {
        c.transactionMode = { state: 'set-here', value: 'deferred', line: lineOf(auto), text: 'autocommit=False (a BEGIN DEFERRED transaction is always open)' };
      } else if (iso) {
        const v = evaluate(iso, f);
        c.transactionMode = !v.ok
          ? { state: 'unknown', why: v.why, line: lineOf(iso) }
          : v.value === null
            ? { state: 'set-here', value: 'explicit', line: lineOf(iso), text: 'isolation_level=None: the app begins transactions itself' }
            : { state: 'set-here', value: String(v.value).toUpperCase() === 'IMMEDIATE' ? 'immediate' : String(v.value).toUpperCase() === 'EXCLUSIVE' ? 'exclusive' : 'begins-at-first-write', line: lineOf(iso), text: iso.text };
      } else {
        c.transactionMode = { state: 'driver-default', value: 'begins-at-first-write', source: d.transaction.source };
      }
      c.synchronous = { state: 'unknown', why: 'not set here: the SQLite library default applies (full on the builds measured; see checks/synchronous.md)' };
      if (assignedTo) c.names.push(assignedTo);
      const p = perCall(call, f);
      if (p) c.perCall = p;
      attachPyPragmas(c, call, f, null);
      out.connections.push(c);
      continue;
    }
    const last = fn.split('.').at(-1);
    if (last === 'create_engine' || last === 'create_async_engine') {
      const urlNode = args.positional[0] ?? args.keywords.get('url');
      const url = urlNode ? evaluate(urlNode, f) : null;
      if (!url?.ok || typeof url.value !== 'string' || !url.value.startsWith('sqlite')) continue;
      const path = url.value.replace(/^sqlite(\+\w+)?:\/\/\/?/, '').split('?')[0]!;
      const c = newConnection(f, call, 'sqlalchemy', `${last}(${JSON.stringify(url.value)})`, path === '' || path === ':memory:' ? { literal: ':memory:' } : { literal: path });
      const d = STACK_DEFAULTS.sqlalchemy;
      const ca = pyDict(args.keywords.get('connect_args'));
      const t = ca.get('timeout');
      c.busyTimeoutMs = t ? settingFrom(evaluate(t, f), seconds, 'timeout') : { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      c.transactionMode = { state: 'driver-default', value: 'begins-at-first-write', source: d.transaction.source };
      if (assignedTo) {
        c.names.push(assignedTo);
        engines.set(assignedTo, c);
      }
      const p = perCall(call, f);
      if (p) c.perCall = p;
      out.connections.push(c);
      continue;
    }
    if (last === 'SqliteDatabase' || last === 'SqliteExtDatabase' || last === 'CSqliteExtDatabase') {
      const dbArg = args.positional[0] ?? args.keywords.get('database');
      const c = newConnection(f, call, 'peewee', last, databaseOf(dbArg ? evaluate(dbArg, f) : null));
      const d = STACK_DEFAULTS.peewee;
      const t = args.keywords.get('timeout');
      c.busyTimeoutMs = t ? settingFrom(evaluate(t, f), seconds, 'timeout') : { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      c.transactionMode = { state: 'driver-default', value: 'deferred', source: d.transaction.source };
      const pragmas = args.keywords.get('pragmas');
      const entries = pragmas?.type === 'dictionary' ? [...pyDict(pragmas)] : kids(pragmas).flatMap((t2) => (t2.type === 'tuple' && kids(t2).length === 2 ? [[stringOf(kids(t2)[0]!) ?? '', kids(t2)[1]!] as [string, Node]] : []));
      for (const [name, v] of entries) {
        const lit = evaluate(v, f);
        if (lit.ok) applyPragma(c, name.toLowerCase(), String(lit.value), lineOf(v), `${name}: ${v.text}`, 'peewee runs pragmas= on every connection it opens (peewee.py:3450-3466, 3.14.10: _connect → _add_conn_hooks → _set_pragmas)');
        else if (name.toLowerCase() === 'busy_timeout') c.busyTimeoutMs = { state: 'unknown', why: lit.why, line: lineOf(v) };
      }
      if (assignedTo) c.names.push(assignedTo);
      const p = perCall(call, f);
      if (p) c.perCall = p;
      out.connections.push(c);
      continue;
    }
  }

  // Django DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", ...}}
  for (const a of descendants(root, 'assignment')) {
    if (a.childForFieldName('left')?.text !== 'DATABASES') continue;
    for (const [alias, conf] of pyDict(a.childForFieldName('right'))) {
      const entries = pyDict(conf);
      const engine = entries.get('ENGINE');
      if (!engine || !(stringOf(engine) ?? '').includes('sqlite3')) continue;
      const pair = conf.parent!;
      const nameNode = entries.get('NAME');
      const c = newConnection(f, pair, 'django', `DATABASES[${JSON.stringify(alias)}]`, databaseOf(nameNode ? evaluate(nameNode, f) : null));
      const d = STACK_DEFAULTS.django;
      const opts = pyDict(entries.get('OPTIONS'));
      const t = opts.get('timeout');
      c.busyTimeoutMs = t ? settingFrom(evaluate(t, f), seconds, 'timeout') : { state: 'driver-default', value: d.busyTimeoutMs.value!, source: d.busyTimeoutMs.source };
      const tm = opts.get('transaction_mode');
      c.transactionMode = tm
        ? settingFrom(evaluate(tm, f), (v) => (typeof v === 'string' && ['DEFERRED', 'IMMEDIATE', 'EXCLUSIVE'].includes(v.toUpperCase()) ? (v.toLowerCase() as 'deferred') : undefined), 'transaction_mode')
        : { state: 'driver-default', value: 'deferred', source: d.transaction.source };
      const init = opts.get('init_command');
      const initSql = init ? evaluate(init, f) : null;
      if (initSql?.ok && typeof initSql.value === 'string') {
        for (const p of pragmasIn(initSql.value)) applyPragma(c, p.name, p.value, lineOf(init!), init!.text, 'Django 5.1+ runs OPTIONS.init_command right after each connection is established (https://github.com/django/django/pull/14824)');
      }
      c.names.push(alias);
      out.connections.push(c);
    }
  }

  // SQLAlchemy event listeners: @event.listens_for(engine, "connect" | "begin").
  for (const dec of descendants(root, 'decorator')) {
    const call = kids(dec)[0];
    if (call?.type !== 'call' || !/listens_for$/.test(call.childForFieldName('function')?.text ?? '')) continue;
    const [target, eventNode] = pyArgs(call).positional;
    const engine = target ? engines.get(target.text) : undefined;
    const event = eventNode ? stringOf(eventNode) : null;
    const body = dec.parent?.childForFieldName('definition')?.childForFieldName('body');
    if (!engine || !body) continue;
    for (const exec of descendants(body, 'call')) {
      const m = exec.childForFieldName('function')?.text.split('.').at(-1);
      if (m !== 'execute' && m !== 'exec_driver_sql') continue;
      const sqlNode = pyArgs(exec).positional[0];
      const sql = sqlNode ? stringOf(sqlNode) : null;
      if (sql === null) continue;
      if (event === 'connect') {
        for (const p of pragmasIn(sql)) applyPragma(engine, p.name, p.value, lineOf(exec), sql, 'a SQLAlchemy "connect" listener runs on each DBAPI connection the pool creates (sqlalchemy/pool/events.py:71-73, 1.4.46)');
      } else if (event === 'begin') {
        const k = sqlKind(sql);
        if (k.kind === 'begin') engine.transactionMode = { state: 'set-here', value: k.mode, line: lineOf(exec), text: sql };
      }
    }
  }

  // A PRAGMA run on a connection checked out of the engine (not in its "connect" listener) reaches that one
  // connection only. journal_mode is left out: WAL is stored in the file and persists.
  for (const w of descendants(root, 'with_statement')) {
    for (const item of descendants(w.child(1) ?? w, 'with_item')) {
      let call = item.childForFieldName('value');
      if (call?.type === 'as_pattern') call = kids(call)[0] ?? null;
      const fnText = call?.type === 'call' ? (call.childForFieldName('function')?.text ?? '') : '';
      const [recv, method] = [fnText.split('.').slice(0, -1).join('.'), fnText.split('.').at(-1)];
      const engine = engines.get(recv);
      const body = w.childForFieldName('body');
      if (!engine || !body || (method !== 'connect' && method !== 'begin')) continue;
      for (const exec of descendants(body, 'call')) {
        const m = exec.childForFieldName('function')?.text.split('.').at(-1);
        if (m !== 'execute' && m !== 'exec_driver_sql') continue;
        const first = pyArgs(exec).positional[0];
        const sql = first ? (stringOf(first) ?? (first.type === 'call' ? stringOf(pyArgs(first).positional[0] ?? first) : null)) : null;
        for (const p of sql ? pragmasIn(sql) : []) {
          if (p.name === 'journal_mode') continue;
          (engine.onePooledConnection ??= []).push({ name: p.name, value: p.value, line: lineOf(exec) });
        }
      }
    }
  }

  // Units of work: Django transaction.atomic, peewee db.atomic()/db.transaction(), SQLAlchemy engine.begin().
  const blocks: { node: Node; body: Node; api: string; receiver: string; call: Node }[] = [];
  for (const w of descendants(root, 'with_statement')) {
    for (const item of descendants(w.child(1) ?? w, 'with_item')) {
      let call = item.childForFieldName('value');
      if (call?.type === 'as_pattern') call = kids(call)[0] ?? null;
      if (call?.type !== 'call') continue;
      const fnText = call.childForFieldName('function')?.text ?? '';
      const body = w.childForFieldName('body');
      if (body) blocks.push({ node: w, body, api: fnText, receiver: fnText.split('.').slice(0, -1).join('.'), call });
    }
  }
  for (const dec of descendants(root, 'decorator')) {
    const expr = kids(dec)[0];
    const fnText = expr?.type === 'call' ? (expr.childForFieldName('function')?.text ?? '') : (expr?.text ?? '');
    const def = dec.parent?.childForFieldName('definition');
    const body = def?.childForFieldName('body');
    if (expr && body) blocks.push({ node: dec.parent!, body, api: `@${fnText}`, receiver: fnText.split('.').slice(0, -1).join('.'), call: expr });
  }
  for (const b of blocks) {
    const method = b.api.replace(/^@/, '').split('.').at(-1);
    const rw = pyReadsWrites(b.body);
    const base = { file: f.file, rel: f.rel, line: lineOf(b.node), endLine: b.node.endPosition.row + 1, api: b.api, ...rw };
    const bare = b.api.replace(/^@/, '');
    if ((method === 'atomic' && b.receiver === 'transaction' && djangoTransaction) || djangoAtomic.has(bare)) {
      out.transactions.push({ ...base, stack: 'django', mode: 'deferred', modeFrom: { kind: 'driver-default', source: STACK_DEFAULTS.django.transaction.source }, modeFromStackSettings: true });
    } else if ((method === 'atomic' || method === 'transaction') && b.receiver !== '' && b.receiver !== 'transaction') {
      const arg = b.call.type === 'call' ? pyArgs(b.call).positional[0] ?? pyArgs(b.call).keywords.get('lock_type') : undefined;
      const lit = arg ? evaluate(arg, f) : null;
      const mode = lit?.ok && typeof lit.value === 'string' ? (lit.value.toLowerCase() as 'immediate') : undefined;
      out.transactions.push({
        ...base,
        stack: 'peewee',
        receiver: b.receiver,
        mode: mode ?? 'deferred',
        modeFrom: mode ? { kind: 'set-here', line: lineOf(arg!) } : { kind: 'driver-default', source: STACK_DEFAULTS.peewee.transaction.source },
      });
    } else if (method === 'begin' && engines.has(b.receiver)) {
      const engine = engines.get(b.receiver)!;
      out.transactions.push({ ...base, stack: 'sqlalchemy', mode: 'begins-at-first-write', modeFrom: { kind: 'driver-default', source: STACK_DEFAULTS.sqlalchemy.transaction.source }, connection: engine });
    }
  }
  // Explicit BEGIN through sqlite3: conn.execute("BEGIN [IMMEDIATE]") followed by writes in the same function.
  for (const call of descendants(root, 'call')) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'execute') continue;
    const sqlNode = pyArgs(call).positional[0];
    const sql = sqlNode ? stringOf(sqlNode) : null;
    const k = sql ? sqlKind(sql) : null;
    if (k?.kind !== 'begin') continue;
    const scope = ancestor(call, ['function_definition']) ?? root;
    const after = descendants(scope, 'expression_statement').filter((s) => s.startIndex > call.startIndex);
    const reads: number[] = [];
    const writes: number[] = [];
    for (const s of after) {
      const r = pyReadsWrites(s);
      reads.push(...r.reads);
      writes.push(...r.writes);
    }
    const receiver = fn.childForFieldName('object')?.text ?? '';
    const conn = out.connections.find((c) => c.rel === f.rel && c.names.includes(receiver));
    out.transactions.push({ file: f.file, rel: f.rel, line: lineOf(call), endLine: lineOf(call), stack: 'python', api: `${receiver}.execute(${JSON.stringify(sql)})`, mode: k.mode, modeFrom: { kind: 'set-here', line: lineOf(call) }, reads, writes, ...(conn ? { connection: conn } : {}) });
  }
}

/** PRAGMAs run on the connection right after it opens: `conn.execute("PRAGMA …")` on its variable in the same scope. */
function attachPyPragmas(c: DraftConnection, call: Node, f: FileCtx, every: string | null): void {
  if (c.names.length === 0) return;
  const scope = ancestor(call, ['function_definition']) ?? f.root;
  for (const exec of descendants(scope, 'call')) {
    const fn = exec.childForFieldName('function');
    if (fn?.type !== 'attribute') continue;
    const recv = fn.childForFieldName('object')?.text;
    const m = fn.childForFieldName('attribute')?.text;
    if (!recv || !c.names.includes(recv) || (m !== 'execute' && m !== 'executescript')) continue;
    const sqlNode = pyArgs(exec).positional[0];
    const sql = sqlNode ? stringOf(sqlNode) : null;
    if (sql === null) continue;
    // Opened in a function: that function runs the PRAGMA on every connection it opens.
    const everyConn = every ?? (scope !== f.root ? `the PRAGMA runs each time ${scope.childForFieldName('name')?.text ?? 'this function'}() opens a connection` : null);
    for (const p of pragmasIn(sql)) applyPragma(c, p.name, p.value, lineOf(exec), sql, everyConn);
  }
}

