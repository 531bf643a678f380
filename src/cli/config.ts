/**
 * lockscope.config.json: found from the current directory upwards (or --config <file>, or a "lockscope" key
 * in package.json), validated when loaded with errors that name the file, the key and what was expected.
 * Comments (// and /* *\/) are allowed, so `lockscope init` can write a commented starting config.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import stripJsonComments from 'strip-json-comments';
import { REGISTRY } from '../../checks/index.js';
import { buildConfigSchema } from './config-schema.js';
import { withOrigin } from './options.js';
import type { AppSettings } from '../core/facts.js';
import type { Stack } from '../core/model.js';
import type { SeverityOverrides, ThresholdOverrides } from '../core/runner.js';
import { parseBytes, parseDurationMs } from '../core/units.js';
import type { Io } from './io.js';

export const CONFIG_FILE = 'lockscope.config.json';

/** The stress workload keys a config may set (the long names of `lockscope stress` flags, camelCased). */
const durationKey = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|min|h)?\\s*$' }] };
const sizeKey = { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([KMGT]i?B?|B)?\\s*$' }] };

export const STRESS_CONFIG_KEYS: Record<string, object> = {
  writers: { type: 'integer', minimum: 1 },
  readers: { type: 'integer', minimum: 0 },
  duration: durationKey,
  transactions: { type: 'integer', minimum: 1 },
  busyTimeout: { type: 'integer', minimum: 0 },
  tx: { enum: ['deferred', 'immediate', 'exclusive'] },
  pattern: { enum: ['insert', 'read-then-write', 'hot-row'] },
  batch: { type: 'integer', minimum: 1 },
  hold: durationKey,
  readerHold: durationKey,
  rowBytes: sizeKey,
  think: durationKey,
  synchronous: { enum: ['off', 'normal', 'full', 'extra'] },
  retry: { type: 'integer', minimum: 0 },
};

export class ConfigError extends Error {}

export interface LoadedConfig {
  /** The file it came from (package.json when from its "lockscope" key). */
  file: string;
  /** Paths in the config are relative to this directory. */
  dir: string;
  databases: string[];
  app: AppSettings;
  thresholds: ThresholdOverrides;
  severity: SeverityOverrides;
  stress: Record<string, unknown>;
  stack?: Stack;
  /** app.discover: the app's folder (absolute) whose code audit reads its settings from (lockscope scan). */
  discover?: string;
}

interface RawConfig {
  databases?: string[];
  app?: Record<string, unknown>;
  thresholds?: Record<string, Record<string, number | string>>;
  checks?: Record<string, 'off' | 'info' | 'warn' | 'fail'>;
  stress?: Record<string, unknown>;
  stack?: Stack;
}

/**
 * Bounds on a config file, so a hostile or mistaken file gives one line naming it instead of a hang or a
 * stack overflow: a config is a few hundred bytes and a few levels deep (package.json a few KiB).
 */
export const CONFIG_MAX_BYTES = 1024 * 1024;
export const CONFIG_MAX_DEPTH = 64;

/**
 * Reads a config (or package.json) without blocking on a FIFO and without reading more than
 * CONFIG_MAX_BYTES; anything that is not a regular file is refused.
 */
export function readConfigText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: cannot read: ${code === 'EISDIR' ? 'it is a directory' : (code ?? (err as Error).message)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ConfigError(`${file}: cannot read: it is a directory`);
    if (!st.isFile()) throw new ConfigError(`${file}: cannot read: not a regular file (${st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device'})`);
    if (st.size > CONFIG_MAX_BYTES) throw new ConfigError(`${file}: too large (${st.size.toLocaleString('en-US')} bytes; a config may be at most ${CONFIG_MAX_BYTES.toLocaleString('en-US')} bytes)`);
    // The size may grow while reading: read at most one byte past the limit to notice.
    const buf = Buffer.alloc(Math.min(st.size, CONFIG_MAX_BYTES) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, length);
    if (length > CONFIG_MAX_BYTES) throw new ConfigError(`${file}: too large (a config may be at most ${CONFIG_MAX_BYTES.toLocaleString('en-US')} bytes)`);
    return buf.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** The deepest nesting of arrays and objects in JSON text (strings skipped); stops counting past `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

/** Where the config is: --config, else the nearest lockscope.config.json or package.json "lockscope" upwards. */
export function findConfig(cwd: string, explicit?: string): { file: string; fromPackageJson: boolean } | null {
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError(`${explicit}: no such config file`);
    return { file, fromPackageJson: false };
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return { file: candidate, fromPackageJson: false };
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const text = readConfigText(pkg);
        if (jsonDepth(text, CONFIG_MAX_DEPTH) > CONFIG_MAX_DEPTH) throw new ConfigError(`${pkg}: nested too deeply`);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        if (parsed && typeof parsed === 'object' && 'lockscope' in parsed) return { file: pkg, fromPackageJson: true };
      } catch {
        // A broken package.json that is not ours to judge: keep looking upwards.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The known key nearest to a typo (Levenshtein distance ≤ 1/3 of its length), if any. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const d = distance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function keyPath(err: ErrorObject): string {
  const parts = err.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.join('.');
}

/** One line per problem: "key: what was expected (got …)". */
export function describeSchemaErrors(errors: readonly ErrorObject[], data: unknown): string[] {
  const lines = new Set<string>();
  const valueAt = (path: string) => path.split('/').filter(Boolean).reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
  for (const err of errors) {
    const at = keyPath(err);
    const got = JSON.stringify(valueAt(err.instancePath));
    switch (err.keyword) {
      case 'additionalProperties': {
        const key = (err.params as { additionalProperty: string }).additionalProperty;
        const where = at ? `${at}.${key}` : key;
        const known = Object.keys((err.parentSchema as { properties?: object })?.properties ?? {}).filter((k) => k !== '$schema');
        const guess = closest(key, known);
        lines.add(`${where}: unknown key${guess ? ` (did you mean "${guess}"?)` : ''}${known.length ? ` — expected one of: ${known.join(', ')}` : ''}`);
        break;
      }
      case 'enum':
        lines.add(`${at}: expected one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')} (got ${got})`);
        break;
      case 'type':
        lines.add(`${at || '(top level)'}: expected ${(err.params as { type: string }).type} (got ${got})`);
        break;
      case 'minimum':
        lines.add(`${at}: expected a number ≥ ${(err.params as { limit: number }).limit} (got ${got})`);
        break;
      case 'anyOf':
        lines.add(`${at}: expected a number or a string with a unit such as "64MiB" or "5s" (got ${got})`);
        break;
      case 'pattern':
      case 'minLength':
        break; // reported by the anyOf/type error of the same key
      default:
        lines.add(`${at || '(top level)'}: ${err.message ?? err.keyword}`);
    }
  }
  return [...lines];
}

let validator: ValidateFunction | undefined;
/** ajv is loaded (and the schema compiled) only when a config file is actually read: it costs start-up time. */
function validate(data: unknown): readonly ErrorObject[] {
  if (!validator) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
    validator = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(buildConfigSchema(REGISTRY, STRESS_CONFIG_KEYS));
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

function toNumber(value: number | string): number {
  if (typeof value === 'number') return value;
  return parseBytes(value) ?? parseDurationMs(value) ?? Number.NaN;
}

/** Parses and validates config text; `label` names the file in errors. */
export function parseConfig(text: string, label: string, fromPackageJson = false): RawConfig {
  let data: unknown;
  const json = stripJsonComments(text, { trailingCommas: true });
  // JSON.parse and the schema validator recurse: 100,000 levels end in "Maximum call stack size exceeded".
  if (jsonDepth(json, CONFIG_MAX_DEPTH) > CONFIG_MAX_DEPTH) throw new ConfigError(`${label}: nested more than ${CONFIG_MAX_DEPTH} levels deep (a config needs 3)`);
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`${label}: not valid JSON: ${(err as Error).message}`);
  }
  if (fromPackageJson) data = (data as Record<string, unknown>).lockscope;
  const prefix = fromPackageJson ? 'lockscope.' : '';
  const errors = validate(data);
  if (errors.length > 0) {
    throw new ConfigError(describeSchemaErrors(errors, data).map((l) => `${label}: ${prefix}${l}`).join('\n'));
  }
  return data as RawConfig;
}

export function loadConfig(cwd: string, explicit?: string): LoadedConfig | null {
  const found = findConfig(cwd, explicit);
  if (!found) return null;
  const text = readConfigText(found.file);
  const raw = parseConfig(text, found.file, found.fromPackageJson);
  const thresholds: ThresholdOverrides = {};
  for (const [id, values] of Object.entries(raw.thresholds ?? {})) {
    thresholds[id] = {};
    for (const [name, value] of Object.entries(values)) {
      const n = toNumber(value);
      if (!Number.isFinite(n)) throw new ConfigError(`${found.file}: thresholds.${id}.${name}: "${value}" is not a number, size or duration`);
      thresholds[id][name] = n;
    }
  }
  const { discover, ...appValues } = (raw.app ?? {}) as AppSettings & { discover?: string };
  const app: AppSettings = { ...appValues };
  if (typeof raw.app?.journalSizeLimitBytes === 'string') {
    const n = parseBytes(raw.app.journalSizeLimitBytes);
    if (n === undefined) throw new ConfigError(`${found.file}: app.journalSizeLimitBytes: "${raw.app.journalSizeLimitBytes}" is not a size`);
    app.journalSizeLimitBytes = n;
  }
  const config: LoadedConfig = {
    file: found.file,
    dir: dirname(found.file),
    databases: raw.databases ?? [],
    app: withOrigin(app, { kind: 'declared', via: 'config' }),
    thresholds,
    severity: raw.checks ?? {},
    stress: raw.stress ?? {},
  };
  if (raw.stack) config.stack = raw.stack;
  if (discover !== undefined) config.discover = resolve(dirname(found.file), discover);
  return config;
}

/** Command-line values win over the file; undefined flags leave the file's values. */
export function mergeApp(fromConfig: AppSettings | undefined, fromFlags: AppSettings): AppSettings {
  const merged: AppSettings = { ...(fromConfig ?? {}), ...fromFlags };
  const origins = { ...(fromConfig?.origins ?? {}), ...(fromFlags.origins ?? {}) };
  if (Object.keys(origins).length > 0) merged.origins = origins;
  return merged;
}

export function mergeThresholds(fromConfig: ThresholdOverrides | undefined, fromFlags: ThresholdOverrides | undefined): ThresholdOverrides {
  const out: ThresholdOverrides = {};
  for (const source of [fromConfig ?? {}, fromFlags ?? {}]) {
    for (const [id, values] of Object.entries(source)) out[id] = { ...(out[id] ?? {}), ...values };
  }
  return out;
}

/** Loads the config for a command; a broken config is a usage error (exit 2) naming the file and key. */
export function loadCommandConfig(io: Io, explicit?: string): LoadedConfig | null | 'error' {
  try {
    return loadConfig(io.cwd, explicit);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message.split('\n').map((l) => `lockscope: ${l}`).join('\n')}\n`);
      return 'error';
    }
    throw err;
  }
}