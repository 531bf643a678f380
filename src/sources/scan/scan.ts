/**
 * `lockscope scan`: walks an app's tree (walk.ts), parses each file once (parse.ts), and collects the places it
 * opens or configures SQLite and its units of work (python.ts, js.ts, go.ts, config.ts), then joins what spans
 * files: a transaction in one module on a connection made in another, Django's transaction_mode, versions.
 * Reads only; runs nothing of the app's.
 */
import { dirname, posix } from 'node:path';
import type { Stack } from '../../core/model.js';
import { type DraftConnection, type DraftTransaction, type Extracted, type FileCtx } from './common.js';
import { scanDatabaseYml, scanPrismaSchema } from './config.js';
import { type EnvFile, scanLaravelCode, scanLaravelConfig } from './php.js';
import { readEnvFile } from './env.js';
import type { ConnectionSite, ScanFacts, TransactionSite } from './facts.js';
import { goBindings, scanGo } from './go.js';
import { type JsFileResult, jsBindings, jsTransaction, scanJs } from './js.js';
import { type CodeKind, type Parser, type Tree, loadGrammars } from './parse.js';
import { pythonBindings, scanPython } from './python.js';
import { stackVersion } from './versions.js';
import { type WalkCounts, walk } from './walk.js';

/** `scanned` joined with a path inside it, '/'-separated, as findings show it. */
export function displayPath(root: string, rel: string): string {
  const r = root.split('\\').join('/');
  return r === '.' || r === './' ? rel : posix.join(r, rel);
}

/** Words without which a file holds no site: the file is not parsed (most of a large tree). */
const SITE_HINT = /sqlite|DATABASES|drizzle-orm|knex|[sS]equelize|\.transaction\(|::transaction\(|\batomic\(|transaction\.atomic|django\.db|\.Begin(Tx)?\(/;

const JS_EXTS = ['', '.js', '.ts', '.mjs', '.cjs', '.tsx', '.jsx', '/index.js', '/index.ts'];

/** Loads the grammars (once), then scans. */
export async function scanTree(root: string, display: string, signal?: AbortSignal): Promise<ScanFacts> {
  return scanWith(await loadGrammars(), root, display, signal);
}

/** Scans `root` (shown as `display`) with grammars already loaded: synchronous. */
export function scanWith(parsers: Map<CodeKind, Parser>, root: string, display: string, signal?: AbortSignal): ScanFacts {
  const counts: WalkCounts = { skippedLarge: 0, skippedBinary: 0, skippedSymlinks: 0, skippedDirs: 0, skippedTestFiles: 0, bytes: 0 };
  const out: Extracted = { connections: [], transactions: [] };
  const jsFiles = new Map<string, JsFileResult>();
  let scanned = 0;
  let parseErrors = 0;
  const liveTrees: Tree[] = [];
  const env: EnvFile | null = readEnvFile(root, display);
  for (const file of walk(root, counts, signal)) {
    scanned += 1;
    const shown = displayPath(display, file.rel);
    if (file.kind === 'yaml') {
      if (/(^|\/)database\.ya?ml$/.test(file.rel)) scanDatabaseYml(shown, file.rel, file.text, out);
      continue;
    }
    if (file.kind === 'prisma') {
      scanPrismaSchema(shown, file.rel, file.text, env, out);
      continue;
    }
    if (!['python', 'javascript', 'typescript', 'tsx', 'go', 'php'].includes(file.kind)) continue;
    // A file that names no SQLite API cannot hold a site: skip the parse (most of a large tree).
    // Case-sensitive: the modules, URLs and engines name SQLite in lower case ('better-sqlite3', 'node:sqlite',
    // "sqlite:///", 'django.db.backends.sqlite3', sql.Open("sqlite3")).
    if (!SITE_HINT.test(file.text)) continue;
    const parser = parsers.get(file.kind as CodeKind)!;
    const tree = parser.parse(file.text);
    if (!tree) continue;
    try {
      if (tree.rootNode.hasError) parseErrors += 1;
      const root = tree.rootNode;
      const bindings = file.kind === 'python' ? pythonBindings(root) : file.kind === 'go' ? goBindings(root) : jsBindings(root);
      const f: FileCtx = { file: shown, rel: file.rel, root, bindings };
      if (file.kind === 'python') scanPython(f, out);
      else if (file.kind === 'go') scanGo(f, out);
      else if (file.kind === 'php') {
        if (/(^|\/)config\/database\.php$/.test(file.rel)) scanLaravelConfig(f, env, out);
        else scanLaravelCode(f, out);
      }
      else {
        const r = scanJs(f, out);
        // Kept only while another module may resolve its imports: its exports, or calls waiting on them.
        if (r.pending.length > 0 || r.exports.size > 0) jsFiles.set(file.rel, r);
      }
      // Transactions whose receiver is imported from another module are resolved below, while trees live.
    } finally {
      if (jsFiles.get(file.rel)?.pending.length) liveTrees.push(tree);
      else tree.delete();
    }
  }
  // Cross-module: `import { db } from './db'` then db.transaction(…).
  for (const [rel, r] of jsFiles) {
    for (const p of r.pending) {
      const imp = r.imports.names.get(p.receiver);
      if (!imp || !imp.module.startsWith('.')) continue;
      const base = posix.normalize(posix.join(dirname(rel), imp.module)).replace(/\.(js|mjs|cjs)$/, '');
      const target = JS_EXTS.map((e) => base + e).find((c) => jsFiles.has(c));
      const handle = target ? jsFiles.get(target)!.exports.get(imp.imported === 'default' ? defaultExport(jsFiles.get(target)!) ?? '' : imp.imported) : undefined;
      const t = handle ? jsTransaction(p.call, p.receiver, handle, p.f) : null;
      if (t) out.transactions.push(t);
    }
  }
  for (const t of liveTrees) t.delete();
  finish(out, root);
  return {
    source: 'scan',
    root: display,
    files: { scanned, skippedLarge: counts.skippedLarge, skippedBinary: counts.skippedBinary, skippedSymlinks: counts.skippedSymlinks, parseErrors, skippedDirs: counts.skippedDirs, bytes: counts.bytes },
    skippedTestFiles: counts.skippedTestFiles,
    connections: out.connections.map(publicConnection),
    transactions: out.transactions.map(publicTransaction),
  };
}

/** The name a module's `export default` gives (export default db / module.exports = db). */
function defaultExport(r: JsFileResult): string | undefined {
  return r.exports.size === 1 ? [...r.exports.keys()][0] : undefined;
}

/** What spans files: Django's transaction_mode, peewee's atomic() only where peewee opens a database, versions. */
function finish(out: Extracted, root: string): void {
  // The framework's connection whose settings decide its transactions: Django's "default", Laravel's "sqlite".
  const framework = (stack: Stack, name: string) => out.connections.find((c) => c.stack === stack && c.names.includes(name)) ?? out.connections.find((c) => c.stack === stack);
  for (const t of out.transactions) {
    const conn = t.modeFromStackSettings ? framework(t.stack, t.stack === 'django' ? 'default' : 'sqlite') : undefined;
    if (conn) {
      t.connection = conn;
      const tm = conn.transactionMode;
      if (tm.state === 'set-here' && (tm.value === 'immediate' || tm.value === 'exclusive' || tm.value === 'deferred')) {
        t.mode = tm.value;
        t.modeFrom = { kind: 'settings', file: tm.file ?? conn.file, line: tm.line };
      }
    }
    if (t.stack === 'sqlalchemy' && t.connection?.transactionMode.state === 'set-here') {
      const tm = t.connection.transactionMode;
      if (tm.value === 'immediate' || tm.value === 'exclusive' || tm.value === 'deferred') {
        t.mode = tm.value;
        t.modeFrom = { kind: 'settings', file: t.connection.file, line: tm.line };
      }
    }
  }
  // db.atomic() is peewee's only when some peewee database in the project is bound to that name.
  const peeweeNames = new Set(out.connections.filter((c) => c.stack === 'peewee').flatMap((c) => c.names));
  out.transactions = out.transactions.filter((t) => t.stack !== 'peewee' || (t.receiver !== undefined && peeweeNames.has(t.receiver)));
  const versions = new Map<Stack, ConnectionSite['version']>();
  for (const c of out.connections) {
    if (!versions.has(c.stack)) versions.set(c.stack, stackVersion(root, c.stack));
    c.version = versions.get(c.stack) ?? null;
  }
}

function publicConnection(c: DraftConnection): ConnectionSite {
  const { names: _n, rel: _r, ...rest } = c;
  return rest;
}

function publicTransaction(t: DraftTransaction): TransactionSite {
  const { rel: _r, connection: _c, modeFromStackSettings: _m, receiver: _v, ...rest } = t;
  return rest;
}

