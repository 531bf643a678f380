/**
 * The scan source: an app's source tree and config files, read by `lockscope scan` (and `audit --app`). Its
 * targets are folders named to those commands only: it claims no audit or locks entry (a path there is a
 * database). Parsing needs the grammars loaded first (loadGrammars, async, once); gather is synchronous after.
 */
import { statSync } from 'node:fs';
import { type ReportError, STACKS, type SourceFacts } from '../../core/model.js';
import type { Source, SummaryRow } from '../../core/source.js';
import type { ScanFacts } from './facts.js';
import { loadedGrammars } from './parse.js';
import { scanWith } from './scan.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function gatherScan(target: string, display: string = target, signal?: AbortSignal): ScanFacts {
  const st = statSync(target);
  if (!st.isDirectory()) throw Object.assign(new Error(`${display}: not a directory`), { code: 'ENOTDIR' });
  const grammars = loadedGrammars();
  if (!grammars) throw new Error('lockscope bug: scan gathered before its grammars were loaded');
  return scanWith(grammars, target, display, signal);
}

export const scanSource: Source<ScanFacts> = {
  id: 'scan',
  describe: "an app's source tree and config files (lockscope scan, audit --app)",
  claims: () => false,
  resolveTargets: (q) => ({ targets: [...q.entries], unmatched: [], inOrder: [...q.entries] }),
  gather: (target, context) => gatherScan(target, target, context.signal),
  steps: [],
  inputError(target: string, err: unknown): ReportError {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { code: 'ENOENT', message: `${target}: no such directory` };
    if (e.code === 'ENOTDIR') return { code: 'ENOTDIR', message: `${target}: not a directory (lockscope scan reads an app's folder)` };
    if (e.code === 'EACCES') return { code: 'EACCES', message: `${target}: permission denied` };
    return { code: e.code ?? 'SCAN_FAILED', message: `${target}: ${e.message}` };
  },
  lockSections: () => ({}),
  categories: ['scan'],
  readFacts(value: unknown): ScanFacts {
    if (!isObject(value) || value.source !== 'scan' || !Array.isArray(value.connections) || !Array.isArray(value.transactions)) throw new Error('not scan facts');
    return value as unknown as ScanFacts;
  },
  owns: (facts: SourceFacts): facts is ScanFacts => facts.source === 'scan',
  summarise(facts: ScanFacts): readonly SummaryRow[] {
    const f = facts.files;
    const skipped = [
      f.skippedLarge ? `${f.skippedLarge} over 1 MiB` : '',
      f.skippedBinary ? `${f.skippedBinary} binary` : '',
      f.skippedSymlinks ? `${f.skippedSymlinks} symlinks` : '',
      facts.skippedTestFiles ? `${facts.skippedTestFiles} tests/migrations` : '',
    ].filter(Boolean);
    const tx = facts.transactions.length;
    const rows: SummaryRow[] = [['files', `${f.scanned} read${skipped.length ? ` · skipped ${skipped.join(', ')}` : ''}${f.parseErrors ? ` · ${f.parseErrors} with syntax errors` : ''}`]];
    for (const c of facts.connections) {
      const set = (s: ScanFacts['connections'][number]['busyTimeoutMs'], unit = '') =>
        s.state === 'set-here' ? `${s.value}${unit} (set at ${s.file ? `${s.file}:` : 'line '}${s.line})` : s.state === 'driver-default' ? `${s.value}${unit} (driver default)` : `unknown (${s.why})`;
      const db = 'literal' in c.database ? c.database.literal : c.database.expression || c.database.unknown;
      rows.push([
        'connection',
        `${c.file}:${c.line} ${c.api} [${c.stack}${c.version ? ` ${c.version.value}` : ''}] ${db} · busy_timeout ${set(c.busyTimeoutMs, ' ms')} · transactions ${set(c.transactionMode as never)} · journal_mode ${set(c.journalMode as never)}`,
      ]);
    }
    if (tx > 0) rows.push(['transactions', `${tx} block(s): ${facts.transactions.map((t) => `${t.file}:${t.line} ${t.api} ${t.mode}`).join(' · ')}`]);
    if (facts.connections.length === 0) rows.push(['connection', 'none found']);
    return rows;
  },
  stacks: STACKS,
};
