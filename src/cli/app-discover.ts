/**
 * `audit --app <dir>` / config `app.discover`: the app's busy timeout, transaction mode and synchronous as
 * `lockscope scan` finds them in its code, each with its origin `{ kind: 'code', file, line }`, for the settings
 * the user did not declare. Sites that disagree are not averaged: the setting stays undeclared and the report's
 * `app` row lists every site with its value.
 */
import { relative, resolve } from 'node:path';
import { escapeControl } from '../core/escape.js';
import type { AppSettings } from '../core/facts.js';
import type { Io } from './io.js';
import type { Report, SettingOrigin } from '../core/model.js';
import type { ScanFacts } from '../sources/scan/facts.js';
import { loadGrammars } from '../sources/scan/parse.js';
import { gatherScan } from '../sources/scan/source.js';

type Key = 'busyTimeoutMs' | 'transactionMode' | 'synchronous';
/** The app row each key is shown in (src/sources/sqlite/app-settings.ts). */
const ROW: Record<Key, string> = { busyTimeoutMs: 'busy_timeout', transactionMode: 'transaction mode', synchronous: 'synchronous' };

interface Candidate {
  value: string | number;
  origin: SettingOrigin & { kind: 'code' };
}

export interface Discovered {
  /** The settings the code gives one value for, with where. */
  app: AppSettings;
  /** Settings the code gives several values for: the app row's text, listing each site. */
  conflicts: Partial<Record<Key, string>>;
  facts: ScanFacts;
}

const SYNC = new Set(['off', 'normal', 'full', 'extra']);

/** The three settings from a scan's facts: one value each, a conflict, or nothing. */
export function settingsFromScan(facts: ScanFacts): Omit<Discovered, 'facts'> {
  const found: Record<Key, Candidate[]> = { busyTimeoutMs: [], transactionMode: [], synchronous: [] };
  for (const c of facts.connections) {
    const t = c.busyTimeoutMs;
    if (t.state === 'set-here') found.busyTimeoutMs.push({ value: t.value, origin: { kind: 'code', file: t.file ?? c.file, line: t.line, detail: `${c.api}` } });
    else if (t.state === 'driver-default') found.busyTimeoutMs.push({ value: t.value, origin: { kind: 'code', file: c.file, line: c.line, detail: `${c.api} sets none: ${c.stack}'s default` } });
    const s = c.synchronous;
    if (s.state === 'set-here' && SYNC.has(s.value)) found.synchronous.push({ value: s.value, origin: { kind: 'code', file: c.file, line: s.line, detail: c.api } });
  }
  for (const t of facts.transactions) {
    if (t.writes.length === 0 || t.mode === 'begins-at-first-write') continue;
    const origin: Candidate['origin'] =
      t.modeFrom.kind === 'settings'
        ? { kind: 'code', file: t.modeFrom.file, line: t.modeFrom.line, detail: `for ${t.api} at ${t.file}:${t.line}` }
        : { kind: 'code', file: t.file, line: t.modeFrom.kind === 'set-here' ? t.modeFrom.line : t.line, detail: t.modeFrom.kind === 'set-here' ? t.api : `${t.api}: ${t.stack}'s default` };
    found.transactionMode.push({ value: t.mode, origin });
  }
  const app: AppSettings = {};
  const origins: NonNullable<AppSettings['origins']> = {};
  const conflicts: Discovered['conflicts'] = {};
  for (const key of Object.keys(found) as Key[]) {
    const list = found[key];
    const values = new Set(list.map((c) => c.value));
    if (values.size === 1) {
      (app as Record<string, unknown>)[key] = list[0]!.value;
      origins[key] = list[0]!.origin;
    } else if (values.size > 1) {
      conflicts[key] = `conflicting in the code, not used: ${list.map((c) => `${c.value}${key === 'busyTimeoutMs' ? ' ms' : ''} at ${c.origin.file}:${c.origin.line}`).join(' · ')}`;
    }
  }
  if (Object.keys(origins).length > 0) app.origins = origins;
  return { app, conflicts };
}

/** Scans `dir` (shown as `display`) and reads the settings from it; throws a one-line Error when it cannot. */
export async function discoverApp(dir: string, display: string): Promise<Discovered> {
  await loadGrammars();
  const facts = gatherScan(dir, display);
  return { ...settingsFromScan(facts), facts };
}

/** The declared settings, with the discovered ones filling what was not declared (declared wins). */
export function withDiscovered(declared: AppSettings, found: Discovered): AppSettings {
  const merged: AppSettings = { ...declared };
  const origins = { ...(declared.origins ?? {}) };
  for (const key of ['busyTimeoutMs', 'transactionMode', 'synchronous'] as Key[]) {
    if (declared[key] !== undefined || found.app[key] === undefined) continue;
    (merged as Record<string, unknown>)[key] = found.app[key];
    const o = found.app.origins?.[key];
    if (o) origins[key] = o;
  }
  if (Object.keys(origins).length > 0) merged.origins = origins;
  return merged;
}

/** The report's `app` rows of a setting the code gives several values for: each site listed, none picked. */
export function showConflicts(report: Report, declared: AppSettings, found: Discovered): void {
  for (const db of report.databases) {
    if (db.error) continue;
    for (const row of db.app ?? []) {
      const key = (Object.keys(ROW) as Key[]).find((k) => ROW[k] === row.setting);
      const text = key && declared[key] === undefined ? found.conflicts[key] : undefined;
      if (!text) continue;
      row.value = null;
      row.from = 'not-known';
      row.origin = text;
    }
  }
}

/**
 * The app folder a command reads (--app, else the config's app.discover), scanned: null when neither is given,
 * 'error' after printing the one-line error (exit 2).
 */
export async function discoverForCommand(io: Io, flag: string | undefined, configDiscover: string | undefined): Promise<Discovered | null | 'error'> {
  const target = flag !== undefined ? { dir: resolve(io.cwd, flag), shown: flag } : configDiscover ? { dir: configDiscover, shown: relative(io.cwd, configDiscover) || '.' } : null;
  if (!target) return null;
  try {
    return await discoverApp(target.dir, target.shown);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such directory' : e.code === 'ENOTDIR' ? 'not a directory' : escapeControl(e.message);
    io.stderr(`lockscope: ${flag !== undefined ? '--app' : 'app.discover'} ${escapeControl(target.shown)}: ${why}\n`);
    return 'error';
  }
}

/** The conflicts in words, one line each (commands whose output has no app rows print them on stderr). */
export function conflictLines(declared: AppSettings, found: Discovered): string[] {
  return (Object.keys(ROW) as Key[]).filter((k) => declared[k] === undefined && found.conflicts[k]).map((k) => `${ROW[k]}: ${found.conflicts[k]}`);
}
