/**
 * Config files: Rails config/database.yml (parsed with the `yaml` package, aliases and `<<` merges resolved,
 * each value with its line). `adapter: sqlite3` entries are connection sites; `timeout:` is the busy timeout in
 * ms, `pragmas:` their PRAGMAs.
 */
import { type Document, LineCounter, type Node as YamlNode, isAlias, isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { STACK_DEFAULTS } from '../sqlite/stacks.js';
import { type DraftConnection, type Extracted, applyPragma } from './common.js';
import type { EnvFile } from './php.js';

function get(map: YAMLMap, key: string, doc: Document): YamlNode | null {
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : null;
    if (k === key) return pair.value as YamlNode;
  }
  for (const pair of map.items) {
    if (isScalar(pair.key) && (pair.key.value === '<<' || pair.key.source === '<<')) {
      const src = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
      if (isMap(src)) {
        const v = get(src, key, doc);
        if (v) return v;
      }
    }
  }
  return null;
}

export function scanDatabaseYml(file: string, rel: string, text: string, out: Extracted): void {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return;
  const line = (n: YamlNode | null) => (n?.range ? lc.linePos(n.range[0]).line : 1);
  const d = STACK_DEFAULTS.rails;
  for (const pair of doc.contents.items) {
    const env = isScalar(pair.key) ? String(pair.key.value) : null;
    const conf = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    // An anchored block (`default: &default`) is a template the environments merge, not a database of its own.
    if (!env || !isMap(conf) || (conf.anchor && env === 'default')) continue;
    const adapter = get(conf, 'adapter', doc);
    if (!isScalar(adapter) || !String(adapter.value).startsWith('sqlite')) continue;
    const dbNode = get(conf, 'database', doc);
    const dbValue = isScalar(dbNode) ? String(dbNode.value) : null;
    const erb = (v: string) => v.includes('<%');
    const c: DraftConnection = {
      file,
      rel,
      line: line(pair.key as YamlNode),
      endLine: conf.range ? lc.linePos(conf.range[1]).line : line(pair.key as YamlNode),
      stack: 'rails',
      api: `database.yml ${env}`,
      version: null,
      database: dbValue !== null && !erb(dbValue) ? { literal: dbValue } : { unknown: dbValue ? 'an ERB expression' : 'no database key', expression: dbValue ?? '' },
      busyTimeoutMs: { state: 'unknown', why: `no timeout: key; the adapter's default is not verified (${d.busyTimeoutMs.source})` },
      transactionMode: { state: 'unknown', why: `depends on the Rails version (${d.transaction.note ?? ''})` },
      journalMode: { state: 'unknown', why: "not set here: the database file's own mode applies (lockscope audit reads it)" },
      synchronous: { state: 'unknown', why: 'not set here' },
      pragmas: [],
      names: [env],
    };
    const timeout = get(conf, 'timeout', doc);
    if (isScalar(timeout)) {
      const v = timeout.value;
      c.busyTimeoutMs =
        typeof v === 'number' ? { state: 'set-here', value: v, line: line(timeout), text: `timeout: ${v}` } : { state: 'unknown', why: typeof v === 'string' && erb(v) ? `an ERB expression: ${v}` : `timeout: ${String(v)}`, line: line(timeout) };
    }
    const pragmas = get(conf, 'pragmas', doc);
    if (isMap(pragmas)) {
      for (const p of pragmas.items) {
        if (isScalar(p.key) && isScalar(p.value)) applyPragma(c, String(p.key.value).toLowerCase(), String(p.value.value), line(p.value as YamlNode), `${String(p.key.value)}: ${String(p.value.value)}`, null);
      }
    }
    out.connections.push(c);
  }
}

/**
 * Prisma's schema.prisma: the `datasource` block with `provider = "sqlite"`; its `url` as a literal or
 * `env("X")` resolved from the app's .env. Prisma's own busy timeout and transaction begin are not verified
 * (src/sources/sqlite/stacks.ts): both stay unknown; the URL's parameters are listed as they are.
 */
export function scanPrismaSchema(file: string, rel: string, text: string, env: EnvFile | null, out: Extracted): void {
  // A small tokenizer for the schema's block syntax: words, "strings", punctuation; // comments skipped.
  type Tok = { t: string; line: number; str?: boolean };
  const toks: Tok[] = [];
  let line = 1;
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (ch === '\n') {
      line += 1;
      i += 1;
    } else if (/\s/.test(ch)) i += 1;
    else if (ch === '/' && text[i + 1] === '/') while (i < text.length && text[i] !== '\n') i += 1;
    else if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') {
        if (text[j] === '\\' && j + 1 < text.length) j += 1;
        s += text[j];
        j += 1;
      }
      toks.push({ t: s, line, str: true });
      i = j + 1;
    } else if (/[A-Za-z0-9_]/.test(ch)) {
      let j = i;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j += 1;
      toks.push({ t: text.slice(i, j), line });
      i = j;
    } else {
      toks.push({ t: ch, line });
      i += 1;
    }
  }
  for (let i = 0; i < toks.length; i += 1) {
    if (toks[i]!.t !== 'datasource' || toks[i + 2]?.t !== '{') continue;
    const start = toks[i]!;
    const fields = new Map<string, { value: string | null; env?: string; line: number }>();
    let j = i + 3;
    for (; j < toks.length && toks[j]!.t !== '}'; j += 1) {
      if (toks[j + 1]?.t !== '=') continue;
      const key = toks[j]!.t;
      const v = toks[j + 2];
      if (v?.str) fields.set(key, { value: v.t, line: v.line });
      else if (v?.t === 'env' && toks[j + 3]?.t === '(' && toks[j + 4]?.str) fields.set(key, { value: null, env: toks[j + 4]!.t, line: v.line });
    }
    if (fields.get('provider')?.value !== 'sqlite') continue;
    const url = fields.get('url');
    const fromEnv = url?.env ? env?.values.get(url.env) : undefined;
    const urlValue = url?.value ?? fromEnv?.value ?? null;
    const [path = null, query = ''] = urlValue ? urlValue.replace(/^file:/, '').split('?') : [];
    const d = STACK_DEFAULTS.prisma;
    const c: DraftConnection = {
      file,
      rel,
      line: start.line,
      endLine: toks[j]?.line ?? start.line,
      stack: 'prisma',
      api: `datasource ${toks[i + 1]!.t}`,
      version: null,
      database: path ? { literal: path } : { unknown: url?.env ? `environment variable ${url.env}${env ? ' (not in .env)' : ' (no .env)'}` : 'no url', expression: url?.env ? `env("${url.env}")` : '' },
      busyTimeoutMs: { state: 'unknown', why: `Prisma's SQLite busy timeout is ${d.busyTimeoutMs.source} in lockscope's stack table (src/sources/sqlite/stacks.ts)` },
      transactionMode: { state: 'unknown', why: `Prisma's $transaction() begin is ${d.transaction.source} (src/sources/sqlite/stacks.ts)` },
      journalMode: { state: 'unknown', why: "not set here: the database file's own mode applies (lockscope audit reads it)" },
      synchronous: { state: 'unknown', why: 'not set here' },
      pragmas: query
        .split('&')
        .filter(Boolean)
        .map((kv) => ({ name: `url:${kv.split('=')[0]!}`, value: kv.split('=')[1] ?? '', line: fromEnv?.line ?? url?.line ?? start.line })),
      names: [],
    };
    out.connections.push(c);
  }
}
