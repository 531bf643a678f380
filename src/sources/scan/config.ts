/**
 * Config files: Rails config/database.yml (parsed with the `yaml` package, aliases and `<<` merges resolved,
 * each value with its line). `adapter: sqlite3` entries are connection sites; `timeout:` is the busy timeout in
 * ms, `pragmas:` their PRAGMAs.
 */
import { type Document, LineCounter, type Node as YamlNode, isAlias, isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { STACK_DEFAULTS } from '../sqlite/stacks.js';
import { type DraftConnection, type Extracted, applyPragma } from './common.js';

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
