/**
 * Option parsing shared by commands: the app's declared connection settings, thresholds, output.
 * Bad values throw UsageError (exit 2, one line, no stack trace).
 */
import { InvalidArgumentError } from 'commander';
import type { FailOn } from '../core/exit-code.js';
import type { AppSettings } from '../core/facts.js';
import { type SettingOrigin, STACKS, type Stack } from '../core/model.js';
import type { ThresholdOverrides } from '../core/runner.js';
import { hasDurationUnit, parseBytes, parseDurationMs } from '../core/units.js';
import { REGISTRY } from '../../checks/index.js';
import { suggestIds } from './suggest.js';

export class UsageError extends Error {}

export function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    const v = value.toLowerCase() as T;
    if (!allowed.includes(v)) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return v;
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0 (got "${value}")`);
    return Number(value);
  };
}

export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) === 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1 (got "${value}")`);
    return Number(value);
  };
}

/**
 * A time flag that takes a unit (--duration, --for, --hold…): "5" alone is refused with the likely meaning
 * suggested, because taken as milliseconds `--duration 5` ran 5 ms and `--for 10` took one sample.
 */
export function durationMs(name: string, maxMs: number) {
  return (value: string): number => {
    const ms = parseDurationMs(value);
    if (ms === undefined) throw new InvalidArgumentError(`${name} must be a duration like 200ms, 5s or 2m (got "${value}")`);
    // 0 is 0 in every unit.
    if (!hasDurationUnit(value) && ms !== 0) throw new InvalidArgumentError(`${name} needs a unit: did you mean ${value.trim()}s? (ms, s, m and h are accepted)`);
    return atMost(name, value, ms, maxMs);
  };
}

/** A window or run length: a duration as durationMs reads it, and longer than 0 (a window of nothing measures nothing). */
export function positiveDuration(name: string, maxMs: number) {
  const parse = durationMs(name, maxMs);
  return (value: string): number => {
    const ms = parse(value);
    if (ms <= 0) throw new InvalidArgumentError(`${name} must be longer than 0, e.g. 10s (got "${value}")`);
    return ms;
  };
}

/**
 * A wait in milliseconds, as the PRAGMA takes it (--busy-timeout, --checkpoint-timeout): a bare number is
 * milliseconds, and a unit is accepted too (5s = 5000).
 */
export function millisecondsOrDuration(name: string, maxMs: number) {
  return (value: string): number => {
    const ms = parseDurationMs(value);
    // A bare number is whole milliseconds: "1.5" is more likely seconds meant than 2 ms.
    if (ms === undefined || (!hasDurationUnit(value) && !/^\s*\d+\s*$/.test(value))) {
      throw new InvalidArgumentError(`${name} must be whole milliseconds (5000) or a duration with a unit like 5s (got "${value}")`);
    }
    return atMost(name, value, ms, maxMs);
  };
}

function atMost(name: string, value: string, ms: number, maxMs: number): number {
  const max = maxMs % 3_600_000 === 0 ? `${maxMs / 3_600_000} h` : `${maxMs} ms`;
  if (ms > maxMs) throw new InvalidArgumentError(`${name} must be at most ${max} (got "${value}")`);
  return ms;
}

export function bytes(name: string) {
  return (value: string): number => {
    const n = parseBytes(value);
    if (n === undefined) throw new InvalidArgumentError(`${name} must be a size like 4096, 64MiB or 1GiB (got "${value}")`);
    return n;
  };
}

/** --threshold check.key=value (repeatable); sizes and durations accept units. */
export function collectThreshold(value: string, previous: ThresholdOverrides = {}): ThresholdOverrides {
  const m = /^([a-z0-9-]+)\.([A-Za-z0-9]+)=(.+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`--threshold takes check-id.name=value, e.g. wal-size.warnBytes=128MiB (got "${value}")`);
  const [, id, key, raw] = m as unknown as [string, string, string, string];
  // A misspelt threshold would switch nothing on: reject it, as the config file does.
  const check = REGISTRY.find((c) => c.id === id);
  if (!check) {
    const guess = suggestIds(id, REGISTRY.map((c) => c.id));
    throw new InvalidArgumentError(`--threshold ${id}.${key}: no check "${id}"${guess.length ? ` (did you mean ${guess.join(', ')}?)` : ''}; lockscope checks lists them all`);
  }
  const names = Object.keys(check.thresholds ?? {});
  if (!names.includes(key)) {
    const guess = suggestIds(key, names);
    const known = names.length ? `${id} has ${names.join(', ')}` : `${id} has no thresholds`;
    throw new InvalidArgumentError(`--threshold ${id}.${key}: no threshold "${key}"${guess.length ? ` (did you mean ${guess.join(', ')}?)` : ''}; ${known}`);
  }
  const n = parseBytes(raw) ?? parseDurationMs(raw);
  if (n === undefined) throw new InvalidArgumentError(`--threshold ${id}.${key}: "${raw}" is not a number, size or duration`);
  return { ...previous, [id]: { ...(previous[id] ?? {}), [key]: n } };
}

export const TX_MODES = ['deferred', 'immediate', 'exclusive'] as const;
export const SYNC_MODES = ['off', 'normal', 'full', 'extra'] as const;
export const JOURNAL_MODES = ['delete', 'truncate', 'persist', 'memory', 'wal', 'off'] as const;
export const FAIL_ON = ['fail', 'warn', 'never'] as const;

/** Raw option values as commander gives them for the app-settings flags. */
export interface AppFlagValues {
  busyTimeout?: number;
  tx?: AppSettings['transactionMode'];
  synchronous?: AppSettings['synchronous'];
  journalMode?: AppSettings['journalMode'];
  walAutocheckpoint?: number;
  journalSizeLimit?: number;
  writers?: number;
}

/** Marks every value of `app` that has no origin yet as coming from `origin`. */
export function withOrigin(app: AppSettings, origin: SettingOrigin): AppSettings {
  const origins = { ...(app.origins ?? {}) };
  for (const key of Object.keys(app) as (keyof AppSettings)[]) {
    if (key !== 'origins' && app[key] !== undefined && !origins[key]) origins[key] = origin;
  }
  return Object.keys(origins).length > 0 ? { ...app, origins } : app;
}

export function appSettingsFrom(flags: AppFlagValues): AppSettings {
  const app: AppSettings = {};
  if (flags.busyTimeout !== undefined) app.busyTimeoutMs = flags.busyTimeout;
  if (flags.tx !== undefined) app.transactionMode = flags.tx;
  if (flags.synchronous !== undefined) app.synchronous = flags.synchronous;
  if (flags.journalMode !== undefined) app.journalMode = flags.journalMode;
  if (flags.walAutocheckpoint !== undefined) app.walAutocheckpointPages = flags.walAutocheckpoint;
  if (flags.journalSizeLimit !== undefined) app.journalSizeLimitBytes = flags.journalSizeLimit;
  return withOrigin(app, { kind: 'declared', via: 'flag' });
}

export interface OutputFlagValues {
  json?: boolean;
  format?: string;
  failOn?: FailOn;
  verbose?: boolean;
  stack?: Stack;
}

export const STACK_CHOICES = STACKS;
