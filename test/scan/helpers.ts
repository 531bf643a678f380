/** Scans a fixture app in-process (the real parsers, no CLI) for the check tests. */
import { join } from 'node:path';
import { runCheck } from '../../src/core/runner.js';
import type { AnyCheck } from '../../src/core/check.js';
import type { Finding } from '../../src/core/model.js';
import type { ScanFacts } from '../../src/sources/scan/facts.js';
import { scanTree } from '../../src/sources/scan/scan.js';
import { ROOT } from '../helpers/cli.js';

export async function scanFixture(name: string): Promise<ScanFacts> {
  return scanTree(join(ROOT, 'fixtures', 'scan', name), `fixtures/scan/${name}`);
}

export function check(c: AnyCheck, facts: ScanFacts, thresholds?: Record<string, number>): Finding {
  return runCheck(c, facts, { app: {}, ...(thresholds ? { thresholds: { [c.id]: thresholds } } : {}) })!;
}

/** `file:line` of each location, for line-by-line assertions. */
export const at = (f: Finding): string[] => (f.locations ?? []).map((l) => `${l.file}:${l.line}`);

export const EMPTY: ScanFacts = {
  source: 'scan',
  root: 'empty',
  files: { scanned: 0, skippedLarge: 0, skippedBinary: 0, skippedSymlinks: 0, parseErrors: 0, skippedDirs: 0, bytes: 0 },
  connections: [],
  transactions: [],
  skippedTestFiles: 0,
};
