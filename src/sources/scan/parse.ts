/**
 * The parsers of `lockscope scan`: tree-sitter grammars compiled to WebAssembly (@vscode/tree-sitter-wasm, the
 * prebuilt grammars and runtime VS Code ships: Python, JavaScript, TypeScript/TSX, Go, Ruby, PHP), so no native
 * build runs at install and a parse is the same on every platform. Loading is async and done once per process
 * (loadGrammars); parsing is synchronous after that.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Language, Node, Parser, Tree } from '@vscode/tree-sitter-wasm';
import type { FileKind } from './walk.js';

export type { Node, Parser, Tree };
export type CodeKind = Extract<FileKind, 'python' | 'javascript' | 'typescript' | 'tsx' | 'go' | 'ruby' | 'php'>;
export const CODE_KINDS: readonly CodeKind[] = ['python', 'javascript', 'typescript', 'tsx', 'go', 'ruby', 'php'];

type TreeSitter = typeof import('@vscode/tree-sitter-wasm');
let loaded: Promise<Map<CodeKind, Parser>> | null = null;
let ready: Map<CodeKind, Parser> | null = null;

/** The grammars once loadGrammars() has resolved; null before. */
export function loadedGrammars(): Map<CodeKind, Parser> | null {
  return ready;
}

/** Loads the runtime and every grammar scan uses (once; later calls share it). */
export function loadGrammars(): Promise<Map<CodeKind, Parser>> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const ts = require('@vscode/tree-sitter-wasm') as TreeSitter;
    const dir = dirname(require.resolve('@vscode/tree-sitter-wasm'));
    await ts.Parser.init({ locateFile: (file: string) => join(dir, file) });
    const parsers = new Map<CodeKind, Parser>();
    for (const kind of CODE_KINDS) {
      const language: Language = await ts.Language.load(join(dir, `tree-sitter-${kind}.wasm`));
      const parser = new ts.Parser();
      parser.setLanguage(language);
      parsers.set(kind, parser);
    }
    ready = parsers;
    return parsers;
  })();
  return loaded;
}

/** 1-based line of a node. */
export const lineOf = (n: Node): number => n.startPosition.row + 1;
export const endLineOf = (n: Node): number => n.endPosition.row + 1;

/** Named children without the nulls the binding's type allows. */
export function kids(n: Node | null | undefined): Node[] {
  return n ? (n.namedChildren.filter(Boolean) as Node[]) : [];
}

export function descendants(n: Node, types: string | string[]): Node[] {
  return n.descendantsOfType(types).filter(Boolean) as Node[];
}

/** The nearest ancestor of one of the given types. */
export function ancestor(n: Node, types: readonly string[]): Node | null {
  for (let p = n.parent; p; p = p.parent) if (types.includes(p.type)) return p;
  return null;
}
