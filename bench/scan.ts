/**
 * `lockscope scan` speed and memory: a generated tree of 10,000 source files (a fifth of them open SQLite, the
 * rest ordinary code the keyword filter skips without parsing) and lockscope's own node_modules scanned as the
 * root (its nested node_modules are skipped, everything else is read). Each scan runs in a child process that
 * prints files read, wall time and its peak RSS (process.resourceUsage().maxRSS), grammar loading included.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir, removeDir } from '../fixtures/databases.js';
import { PACKAGE_ROOT } from '../src/core/version.js';

const SCAN_JS = pathToFileURL(join(PACKAGE_ROOT, 'dist', 'src', 'sources', 'scan', 'scan.js')).href;

const PY_SITE = (i: number) => `import sqlite3\n\n\ndef handler_${i}(request):\n    conn = sqlite3.connect("app.db", timeout=${i % 3})\n    with conn:\n        conn.execute("UPDATE t SET n = n + 1")\n    return conn\n`;
const JS_SITE = (i: number) => `import Database from 'better-sqlite3';\nexport const db${i} = new Database('app.db', { timeout: ${i * 10} });\nexport const tx${i} = db${i}.transaction((id) => {\n  const r = db${i}.prepare('SELECT n FROM t WHERE id = ?').get(id);\n  db${i}.prepare('UPDATE t SET n = ? WHERE id = ?').run(r.n + 1, id);\n});\nexport const bump${i} = (id) => tx${i}(id);\n`;
const PLAIN_PY = (i: number) => `def f_${i}(xs):\n    total = 0\n    for x in xs:\n        total += x * ${i}\n    return total\n`.repeat(20);
const PLAIN_TS = (i: number) => `export function g${i}(xs: number[]): number {\n  return xs.reduce((a, b) => a + b * ${i}, 0);\n}\n`.repeat(20);

function generate(root: string, files: number): void {
  for (let i = 0; i < files; i += 1) {
    const dir = join(root, `pkg${i % 100}`, `mod${i % 7}`);
    mkdirSync(dir, { recursive: true });
    const site = i % 5 === 0;
    const py = i % 2 === 0;
    writeFileSync(join(dir, `f${i}.${py ? 'py' : 'ts'}`), site ? (py ? PY_SITE(i) : JS_SITE(i)) : py ? PLAIN_PY(i) : PLAIN_TS(i));
  }
}

function measure(dir: string): { files: number; ms: number; maxRssMiB: number; connections: number; transactions: number } {
  const code = `const { scanTree } = await import(${JSON.stringify(SCAN_JS)});
const t = performance.now();
const f = await scanTree(${JSON.stringify(dir)}, 'bench');
const ms = performance.now() - t;
console.log(JSON.stringify({ files: f.files.scanned, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, connections: f.connections.length, transactions: f.transactions.length }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`scan bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

function print(label: string, m: ReturnType<typeof measure>): void {
  console.log(
    `${label.padEnd(34)} ${String(m.files).padStart(6)} files in ${(m.ms / 1000).toFixed(2)} s = ${Math.round((m.files / m.ms) * 1000)} files/s · peak RSS ${m.maxRssMiB.toFixed(0)} MiB · ${m.connections} connection sites, ${m.transactions} transactions`,
  );
}

export async function run(): Promise<void> {
  const dir = makeTempDir('lockscope-bench-scan-');
  try {
    generate(dir, 10_000);
    print('generated tree (10,000 files)', measure(dir));
    print("lockscope's node_modules as root", measure(join(PACKAGE_ROOT, 'node_modules')));
  } finally {
    removeDir(dir);
  }
}
