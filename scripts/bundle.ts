/**
 * `npm run build`, second step: the shipped CLI as one bundle (esbuild), after tsc has type-checked and
 * compiled the tree. dist/lockscope.mjs is the entry; each command's code is a chunk (dist/chunks/) loaded
 * only when that command runs (src/cli/main.ts imports the command modules on demand), so `--version` and
 * `audit` never parse stress or demo code. The scripts that run in a thread or process of their own
 * (core/entry-scripts.ts) are entries of their own. The pure-JavaScript dependencies are bundled (they are
 * devDependencies: an install fetches none of them); their licences go to dist/THIRD-PARTY-NOTICES.txt.
 * Left outside: better-sqlite3 (a native module, optional: only stress, --checkpoint and demo load it) and
 * ajv (loaded with require only when a config file is read).
 * LOCKSCOPE_BUNDLE_MINIFY=0 leaves the code unminified (readable names in `node --cpu-prof` profiles).
 */
import { type Plugin, build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ENTRY_SCRIPTS } from '../src/core/entry-scripts.js';
import { PACKAGE_ROOT } from '../src/core/version.js';

const DIST = join(PACKAGE_ROOT, 'dist');
// Loaded at run time from node_modules: native (better-sqlite3), optional (pg), read as files (uplot's script and styles, tree-sitter's wasm grammars), or required by path (ajv).
const EXTERNAL = ['better-sqlite3', 'ajv', 'pg', 'uplot', '@vscode/tree-sitter-wasm'];

/** The bundle's own files (the compiled tree dist/src/ etc. is tsc's and stays). */
function clean(): void {
  rmSync(join(DIST, 'chunks'), { recursive: true, force: true });
  rmSync(join(DIST, 'demo'), { recursive: true, force: true });
  for (const name of existsSync(DIST) ? readdirSync(DIST) : []) {
    if (name.endsWith('.mjs') || name === 'THIRD-PARTY-NOTICES.txt') rmSync(join(DIST, name));
  }
}

/** The package directory (under node_modules) that holds `file`, or null for lockscope's own sources. */
function packageDirOf(file: string): string | null {
  const at = file.lastIndexOf('node_modules/');
  if (at < 0) return null;
  const rest = file.slice(at + 'node_modules/'.length).split('/');
  const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  return join(file.slice(0, at), 'node_modules', name);
}

function notices(inputs: string[]): string {
  const dirs = [...new Set(inputs.map((f) => packageDirOf(join(PACKAGE_ROOT, f))).filter((d): d is string => d !== null))].sort();
  const parts = dirs.map((dir) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    const file = readdirSync(dir).find((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n));
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `(no licence file in the package; package.json says: ${pkg.license ?? 'nothing'})`;
    return `${pkg.name} ${pkg.version} (${pkg.license ?? 'licence not stated'})\n\n${text}\n`;
  });
  return `lockscope's bundle (dist/*.mjs) includes the following packages.\n\n${parts.join(`\n${'-'.repeat(78)}\n\n`)}`;
}

/**
 * fdir (tinyglobby's directory walker) requires picomatch at load time if one can be resolved from where it
 * runs, for a glob feature tinyglobby does not use (tinyglobby passes its own bundled picomatch). From the
 * bundle that require would load whatever picomatch lies in node_modules beside lockscope (in a checkout, 7 more
 * files at every start). The bundle keeps to its own code: the optional require is removed, and the build
 * fails if fdir's code no longer has it in this form (look again when updating fdir).
 */
const hermeticFdir: Plugin = {
  name: 'fdir-without-optional-picomatch',
  setup(b) {
    b.onLoad({ filter: /[\\/]fdir[\\/]dist[\\/]index\.mjs$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      const optional = /try \{\s*__require\.resolve\("picomatch"\);\s*pm = __require\("picomatch"\);\s*\} catch \{\}/;
      if (!optional.test(code)) throw new Error(`${args.path}: fdir's optional require of picomatch changed: update scripts/bundle.ts`);
      return { contents: code.replace(optional, '/* lockscope: no optional picomatch (scripts/bundle.ts) */'), loader: 'js' };
    });
  },
};

clean();
const entryPoints: Record<string, string> = { lockscope: join(PACKAGE_ROOT, 'src/cli/bin.ts') };
for (const script of Object.values(ENTRY_SCRIPTS)) entryPoints[script.bundle.replace(/\.mjs$/, '')] = join(PACKAGE_ROOT, script.source);
const result = await build({
  entryPoints,
  outdir: DIST,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  define: { LOCKSCOPE_BUNDLE: 'true' },
  // The bundled CommonJS packages (commander, cli-table3…) call require() for Node's own modules.
  banner: { js: "import { createRequire as __lockscopeCreateRequire } from 'node:module'; const require = __lockscopeCreateRequire(import.meta.url);" },
  minify: process.env.LOCKSCOPE_BUNDLE_MINIFY !== "0",
  keepNames: true,
  legalComments: 'none',
  metafile: true,
  plugins: [hermeticFdir],
  logLevel: 'warning',
});
// LOCKSCOPE_BUNDLE_META=<file> writes esbuild's metafile (which module went into which chunk, and its bytes).
if (process.env.LOCKSCOPE_BUNDLE_META) writeFileSync(process.env.LOCKSCOPE_BUNDLE_META, JSON.stringify(result.metafile));
writeFileSync(join(DIST, 'THIRD-PARTY-NOTICES.txt'), notices(Object.keys(result.metafile.inputs)));
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => !f.endsWith('.map'));
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
console.log(`bundle: ${relative(PACKAGE_ROOT, join(DIST, 'lockscope.mjs'))} and ${outputs.length - 1} more files, ${(total / 1024).toFixed(0)} KiB`);
