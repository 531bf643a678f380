/**
 * Which stack a report is written for: declared (--stack, the config's `stack`, the stack saved with the
 * facts), else detected from the project around the databases (src/sources/sqlite/project-stack.ts), else
 * none. A declared stack picks the fixes and its defaults stand in for undeclared settings in verdicts; a
 * detected one picks the fixes only: a guess from a manifest must never turn a failure into a pass.
 */
import { sourceFor } from '../sources/index.js';
import { relative, isAbsolute } from 'node:path';
import type { FixFilter, Stack, StackInfo } from '../core/model.js';
import { type DetectedStack, detectProjectStack } from '../sources/sqlite/project-stack.js';

export interface DeclaredStack {
  /** --stack (a stack or 'all'). */
  flag?: Stack | 'all';
  /** The config's `stack`, with the file it came from. */
  config?: { stack: Stack; file: string };
  /** The stack saved with replayed facts. */
  saved?: Stack | null;
}

const MANIFESTS = 'package.json, requirements*.txt, pyproject.toml, Pipfile, setup.py, go.mod, Gemfile or composer.json';

function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function detectedReason(d: DetectedStack, cwd: string): string {
  return `${shown(d.file, cwd)} ${d.because}`;
}

export function chooseStack(declared: DeclaredStack, databases: readonly string[], cwd: string): StackInfo {
  if (declared.flag === 'all') return { name: 'all', from: 'flag', defaultsInVerdicts: false, reason: '--stack all' };
  if (declared.flag) return { name: declared.flag, from: 'flag', defaultsInVerdicts: true, reason: `--stack ${declared.flag}` };
  if (declared.saved) return { name: declared.saved, from: 'facts', defaultsInVerdicts: true, reason: 'saved with the facts' };
  if (declared.config) {
    return { name: declared.config.stack, from: 'config', defaultsInVerdicts: true, reason: `"stack" in ${shown(declared.config.file, cwd)}` };
  }
  // Detection looks around SQLite databases only: a PostgreSQL URL has no project folder, and the stacks are
  // SQLite drivers and frameworks.
  const files = databases.filter((d) => sourceFor(d)?.id === 'sqlite');
  if (databases.length > 0 && files.length === 0) {
    return { name: null, from: 'not-applicable', defaultsInVerdicts: false, reason: 'no target is a SQLite database' };
  }
  const detection = detectProjectStack(files, cwd);
  switch (detection.kind) {
    case 'detected':
      return { name: detection.detected.stack, from: 'detected', defaultsInVerdicts: false, reason: detectedReason(detection.detected, cwd) };
    case 'conflict':
      return {
        name: null,
        from: 'none',
        defaultsInVerdicts: false,
        reason: `the databases' projects use different stacks: ${detection.detections.map((d) => `${d.stack} (${detectedReason(d, cwd)})`).join(', ')}`,
      };
    default:
      return { name: null, from: 'none', defaultsInVerdicts: false, reason: `no ${MANIFESTS} naming a SQLite driver or framework around the database or the current directory` };
  }
}

/** The stack whose defaults the checks and the stress workload may use: a declared one only. */
export function verdictStack(info: StackInfo): Stack | undefined {
  return info.defaultsInVerdicts && info.name !== null && info.name !== 'all' ? info.name : undefined;
}

/** Which fixes the report shows. */
export function fixFilter(info: StackInfo): FixFilter {
  return info.name ?? 'generic';
}

/** The report with its `stack` (placed after `command`, so the JSON reads in order). */
export function withStack<R extends { command: string; stack?: StackInfo }>(report: R, info: StackInfo): R {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(report)) {
    if (key === 'stack') continue;
    out[key] = value;
    if (key === 'command') out.stack = info;
  }
  return out as R;
}
