/**
 * The JSON Schema of lockscope.config.json, generated from the check registry so that every check id
 * and threshold name is known (an unknown one is an error: a typo must not silently disable a gate).
 * The README's table of config keys is tested against `CONFIG_KEYS` below.
 */
import type { AnyCheck } from '../core/check.js';
import { STACKS } from '../core/model.js';
import { JOURNAL_MODES, SYNC_MODES, TX_MODES } from './options.js';

/** A number, or a string with a unit ("64MiB", "5s"): thresholds and sizes accept both. */
const numberOrUnit = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*[A-Za-z]*\\s*$' }] };

/** Documented top-level and nested keys: [key path, type, meaning]. Kept in step with the schema by a test. */
export const CONFIG_KEYS: readonly [string, string, string][] = [
  ['databases', 'string[]', 'database paths or globs, relative to the config file; audited when no path is given on the command line'],
  ['app.busyTimeoutMs', 'integer ≥ 0', "the app's busy_timeout in ms (as --busy-timeout)"],
  ['app.transactionMode', 'deferred | immediate | exclusive', "how the app's transactions begin (as --tx)"],
  ['app.synchronous', 'off | normal | full | extra', "the app's PRAGMA synchronous"],
  ['app.journalMode', 'delete | truncate | persist | memory | wal | off', "the app's PRAGMA journal_mode"],
  ['app.walAutocheckpointPages', 'integer ≥ 0', "the app's PRAGMA wal_autocheckpoint (0 = never)"],
  ['app.journalSizeLimitBytes', 'integer ≥ -1 or size', "the app's PRAGMA journal_size_limit (-1 = no limit)"],
  ['app.writers', 'integer ≥ 1', 'how many connections write concurrently (as audit --writers; the default for stress --writers); 1 rules out the deferred upgrade trap'],
  ['app.discover', 'string', "the app's folder, relative to the config file: audit takes the settings above from its code (lockscope scan) where they are not declared (as audit --app)"],
  ['thresholds', 'object', 'check id → threshold name → number or "64MiB"/"5s" (see `lockscope checks`)'],
  ['checks', 'object', 'check id → off | info | warn | fail: the severity a non-passing finding is given'],
  ['stress', 'object', 'the default stress workload: the long names of the stress flags (writers, readers, duration, …)'],
  ['stack', STACKS.join(' | '), "the app's stack (as --stack): fixes for it only, and its defaults stand in for undeclared settings"],
];

export function buildConfigSchema(registry: readonly AnyCheck[], stressKeys: Record<string, object>): object {
  const thresholdProps: Record<string, object> = {};
  const checkProps: Record<string, object> = {};
  for (const check of registry) {
    const names = Object.keys(check.thresholds);
    thresholdProps[check.id] = {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(names.map((n) => [n, numberOrUnit])),
    };
    checkProps[check.id] = { enum: ['off', 'info', 'warn', 'fail'] };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      databases: { type: 'array', items: { type: 'string', minLength: 1 } },
      app: {
        type: 'object',
        additionalProperties: false,
        properties: {
          busyTimeoutMs: { type: 'integer', minimum: 0 },
          transactionMode: { enum: [...TX_MODES] },
          synchronous: { enum: [...SYNC_MODES] },
          journalMode: { enum: [...JOURNAL_MODES] },
          walAutocheckpointPages: { type: 'integer', minimum: 0 },
          journalSizeLimitBytes: { anyOf: [{ type: 'integer', minimum: -1 }, numberOrUnit.anyOf[1]] },
          writers: { type: 'integer', minimum: 1 },
          discover: { type: 'string', minLength: 1 },
        },
      },
      thresholds: { type: 'object', additionalProperties: false, properties: thresholdProps },
      checks: { type: 'object', additionalProperties: false, properties: checkProps },
      stress: { type: 'object', additionalProperties: false, properties: stressKeys },
      stack: { enum: [...STACKS] },
    },
  };
}
