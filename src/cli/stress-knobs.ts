/** The stress workload's knobs from the config's `stress` section, and how flags override them (stress, audit --stress). */
import type { StressKnobFlags } from '../sources/stress/knobs.js';
import { PATTERNS } from '../sources/stress/knobs.js';
import { parseBytes, parseDurationMs } from '../core/units.js';
import { type AppFlagValues, SYNC_MODES, TX_MODES } from './options.js';
import type { StressPattern } from '../core/stress-facts.js';

/** The stress command's knob flags as commander parses them. */
export interface StressKnobFlagValues extends AppFlagValues {
  writers?: number;
  readers?: number;
  duration?: number;
  transactions?: number;
  pattern?: StressPattern;
  batch?: number;
  hold?: number;
  readerHold?: number;
  think?: number;
  rowBytes?: number;
  retry?: number;
}

/** Knobs from the config's `stress` section (same names as the long flags, camelCased); flags win over them. */
export function knobsFromConfig(stress: Record<string, unknown> | undefined): StressKnobFlags {
  const out: StressKnobFlags = {};
  if (!stress) return out;
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  // The config schema allows only these values; anything else is left unset rather than cast.
  const choice = <T extends string>(v: unknown, allowed: readonly T[]): T | undefined => allowed.find((a) => a === v);
  const ms = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' ? parseDurationMs(v) : undefined);
  const set = <K extends keyof StressKnobFlags>(key: K, value: StressKnobFlags[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('writers', num(stress.writers));
  set('readers', num(stress.readers));
  set('durationMs', ms(stress.duration));
  set('transactions', num(stress.transactions));
  set('busyTimeoutMs', num(stress.busyTimeout));
  set('tx', choice(stress.tx, TX_MODES));
  set('pattern', choice(stress.pattern, PATTERNS));
  set('batch', num(stress.batch));
  set('holdMs', ms(stress.hold));
  set('readerHoldMs', ms(stress.readerHold));
  set('thinkMs', ms(stress.think));
  set('rowBytes', typeof stress.rowBytes === 'string' ? parseBytes(stress.rowBytes) : num(stress.rowBytes));
  set('synchronous', choice(stress.synchronous, SYNC_MODES));
  set('retry', num(stress.retry));
  return out;
}

/** Flags over config; a --duration or --transactions flag replaces the config's bound of either kind. */
export function mergeKnobs(fromConfig: StressKnobFlags, fromFlags: StressKnobFlags): StressKnobFlags {
  const base = { ...fromConfig };
  if (fromFlags.durationMs !== undefined || fromFlags.transactions !== undefined) {
    delete base.durationMs;
    delete base.transactions;
  }
  const out: StressKnobFlags = { ...base };
  const take = <K extends keyof StressKnobFlags>(key: K) => {
    const value = fromFlags[key];
    if (value !== undefined) out[key] = value;
  };
  for (const key of Object.keys(fromFlags) as (keyof StressKnobFlags)[]) take(key);
  return out;
}

/** The knobs the stress flags set (undefined where a flag was not given). */
export function knobFlags(opts: StressKnobFlagValues): StressKnobFlags {
  return {
    writers: opts.writers,
    readers: opts.readers,
    durationMs: opts.duration,
    transactions: opts.transactions,
    busyTimeoutMs: opts.busyTimeout,
    tx: opts.tx,
    pattern: opts.pattern,
    batch: opts.batch,
    holdMs: opts.hold,
    readerHoldMs: opts.readerHold,
    thinkMs: opts.think,
    rowBytes: opts.rowBytes,
    synchronous: opts.synchronous,
    retry: opts.retry,
  };
}
