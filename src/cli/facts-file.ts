/**
 * Replayable facts (`--save-facts <file>` / `--from-facts <file>`): the facts a command gathered, with the
 * settings that were in force, as one versioned JSON document. Replaying it runs the checks and renderers
 * again without opening any database file, so a bug report or a golden test carries the whole input of a
 * verdict. The file is written under the same rules as `--output` (src/cli/output-file.ts).
 *
 * The settings are saved per database (the app settings, stack, thresholds and severities in force), and at
 * replay a flag given on the command line replaces the saved value of the same setting: `--from-facts f.json
 * --busy-timeout 5000` answers "what would the verdict be with a 5 s busy timeout". The config file is not
 * read at replay: the saved settings already include what it said.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { escapeControl } from '../core/escape.js';
import type { AppSettings, AppSettingValues } from '../core/facts.js';
import { type DatabaseReport, type ReportError, type SourceFacts, type SourceId, STACKS, type Stack, factsSource } from '../core/model.js';
import { SOURCES } from '../sources/index.js';
import type { SeverityOverrides, ThresholdOverrides } from '../core/runner.js';
import { VERSION } from '../core/version.js';

/** The version of the facts file layout; a reader refuses a newer one rather than misread it. */
export const FACTS_VERSION = 1;

/** Commands whose facts can be saved and replayed. */
export type FactsCommand = 'audit' | 'locks';

/** A facts file larger than this is refused (a long `locks --for` sample of many processes stays far below). */
export const FACTS_MAX_BYTES = 64 * 1024 * 1024;

/** The settings a database's facts were checked with. */
export interface SavedSettings {
  app: AppSettings;
  stack: Stack | null;
  thresholds: ThresholdOverrides;
  severity: SeverityOverrides;
}

/** One database in a facts file: its facts by source and the settings in force, or why it had none. */
export type SavedDatabase =
  | { path: string; source: SourceId; facts: SourceFacts; settings: SavedSettings; error?: undefined }
  | { path: string; error: ReportError };

export interface FactsFile {
  factsVersion: typeof FACTS_VERSION;
  tool: { name: 'lockscope'; version: string };
  command: FactsCommand;
  databases: SavedDatabase[];
}

export class FactsFileError extends Error {}

/** The facts file for a finished run: every database's facts (or error) and the settings they were checked with. */
export function factsFileText(command: FactsCommand, databases: readonly DatabaseReport[], settings: SavedSettings): string {
  const file: FactsFile = {
    factsVersion: FACTS_VERSION,
    tool: { name: 'lockscope', version: VERSION },
    command,
    databases: databases.map((db): SavedDatabase => (db.error ? { path: db.path, error: db.error } : { path: db.path, source: factsSource(db.facts), facts: db.facts, settings })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const APP_KEYS: Record<keyof AppSettingValues, 'number' | 'string'> = {
  busyTimeoutMs: 'number',
  transactionMode: 'string',
  synchronous: 'string',
  journalMode: 'string',
  walAutocheckpointPages: 'number',
  journalSizeLimitBytes: 'number',
  writers: 'number',
};

function checkSettings(v: unknown, where: string): SavedSettings {
  const fail = (what: string) => new FactsFileError(`${where}.settings: ${what}`);
  if (!isObject(v)) throw fail('missing or not an object');
  if (!isObject(v.app)) throw fail('"app" is not an object');
  for (const [k, value] of Object.entries(v.app)) {
    if (k === 'origins') {
      if (!isObject(value)) throw fail('app "origins" is not an object');
      continue;
    }
    const type = APP_KEYS[k as keyof AppSettingValues];
    if (type === undefined) throw fail(`unknown app setting "${escapeControl(k)}"`);
    if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) throw fail(`app setting "${k}" is not a ${type}`);
  }
  if (v.stack !== null && !STACKS.includes(v.stack as Stack)) throw fail('"stack" is not a known stack or null');
  if (!isObject(v.thresholds) || !Object.values(v.thresholds).every((t) => isObject(t) && Object.values(t).every((n) => typeof n === 'number' && Number.isFinite(n)))) {
    throw fail('"thresholds" is not an object of check id → { name: number }');
  }
  if (!isObject(v.severity) || !Object.values(v.severity).every((s) => s === 'off' || s === 'info' || s === 'warn' || s === 'fail')) {
    throw fail('"severity" is not an object of check id → off|info|warn|fail');
  }
  return v as unknown as SavedSettings;
}

/** The stack saved with the facts (the first database's that has one): fixes are shown for it at replay. */
export function savedStack(file: FactsFile): Stack | undefined {
  for (const d of file.databases) if (!d.error && d.settings.stack !== null) return d.settings.stack;
  return undefined;
}

/** Parses and checks a facts file's text; `label` names it in errors. Throws FactsFileError (one line). */
export function parseFactsFile(text: string, label: string, command: FactsCommand): FactsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new FactsFileError(`${label} is not a lockscope facts file (not JSON)`);
  }
  if (!isObject(data) || !('factsVersion' in data)) throw new FactsFileError(`${label} is not a lockscope facts file (no "factsVersion"; write one with --save-facts)`);
  if (data.factsVersion !== FACTS_VERSION) {
    const newer = typeof data.factsVersion === 'number' && data.factsVersion > FACTS_VERSION;
    throw new FactsFileError(
      `${label} has factsVersion ${escapeControl(JSON.stringify(data.factsVersion))}; this lockscope (${VERSION}) reads version ${FACTS_VERSION}${newer ? ': replay it with the lockscope that wrote it, or a newer one' : ''}`,
    );
  }
  if (data.command !== command) {
    throw new FactsFileError(`${label} holds the facts of \`lockscope ${escapeControl(String(data.command))}\`: replay it with that command, not \`lockscope ${command}\``);
  }
  if (!Array.isArray(data.databases) || data.databases.length === 0) throw new FactsFileError(`${label}: "databases" is missing or empty`);
  const databases = data.databases.map((d: unknown, i: number): SavedDatabase => {
    const where = `${label}: databases[${i}]`;
    if (!isObject(d) || typeof d.path !== 'string') throw new FactsFileError(`${where}: "path" is missing`);
    if (d.error !== undefined) {
      if (!isObject(d.error) || typeof d.error.code !== 'string' || typeof d.error.message !== 'string') throw new FactsFileError(`${where}.error: needs a code and a message`);
      return { path: d.path, error: { code: d.error.code, message: d.error.message } };
    }
    const source = SOURCES.find((s) => s.id === d.source);
    if (!source) throw new FactsFileError(`${where}: unknown source ${escapeControl(JSON.stringify(d.source) ?? 'undefined')} (this lockscope knows ${SOURCES.map((s) => `"${s.id}"`).join(', ')})`);
    let facts: SourceFacts;
    try {
      facts = source.readFacts(d.facts);
    } catch (err) {
      throw new FactsFileError(`${where}.facts: ${(err as Error).message}`);
    }
    return { path: d.path, source: source.id, facts, settings: checkSettings(d.settings, where) };
  });
  return { factsVersion: FACTS_VERSION, tool: { name: 'lockscope', version: isObject(data.tool) ? String(data.tool.version) : 'unknown' }, command, databases };
}

/** Reads a facts file (a regular file only: a FIFO would block the read forever). Throws FactsFileError. */
export function readFactsFile(file: string, cwd: string, command: FactsCommand): FactsFile {
  const label = escapeControl(file);
  const path = resolve(cwd, file);
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new FactsFileError(`--from-facts ${label}: not a regular file`);
    if (st.size > FACTS_MAX_BYTES) throw new FactsFileError(`--from-facts ${label}: ${st.size} bytes, more than a facts file can hold (${FACTS_MAX_BYTES})`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof FactsFileError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new FactsFileError(`--from-facts ${label}: cannot read it: ${e.code ?? e.message}`);
  }
  return parseFactsFile(text, label, command);
}
