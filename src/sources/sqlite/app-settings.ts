/**
 * The app's SQLite connection settings as a report shows them: each value with where it came from — observed
 * (lockscope trace), found in the app's code (lockscope scan), declared (a flag, the config), the stack's
 * cited default standing in, or not known. None of them is ever read from a connection of lockscope's own.
 */
import type { AppSettings, AppSettingValues } from '../../core/facts.js';
import { type AppSettingRow, type Stack, describeOrigin } from '../../core/model.js';
import { STACK_DEFAULTS } from './stacks.js';

const SETTINGS: readonly { key: keyof AppSettingValues; name: string; unit?: string }[] = [
  { key: 'busyTimeoutMs', name: 'busy_timeout', unit: 'ms' },
  { key: 'transactionMode', name: 'transaction mode' },
  { key: 'synchronous', name: 'synchronous' },
  { key: 'writers', name: 'writers' },
  { key: 'journalMode', name: 'journal_mode (set by the app)' },
  { key: 'walAutocheckpointPages', name: 'wal_autocheckpoint', unit: 'pages' },
  { key: 'journalSizeLimitBytes', name: 'journal_size_limit', unit: 'bytes' },
];

/** Every setting the checks reason about, in one order, with its value and origin (or "not known"). */
export function appSettingRows(app: AppSettings, stack: Stack | undefined, walMode: boolean | undefined): AppSettingRow[] {
  return SETTINGS.map(({ key, name, unit }): AppSettingRow => {
    const value = app[key];
    if (value !== undefined) {
      const origin = app.origins?.[key];
      return { setting: name, value, ...(unit ? { unit } : {}), from: origin?.kind ?? 'declared', origin: describeOrigin(origin) };
    }
    if (stack) {
      const d = STACK_DEFAULTS[stack];
      const standIn =
        key === 'busyTimeoutMs' ? d.busyTimeoutMs : key === 'synchronous' && walMode !== undefined ? (walMode ? d.synchronousWal : d.synchronousRollback) : null;
      if (standIn && standIn.value !== null) {
        return { setting: name, value: standIn.value, ...(unit ? { unit } : {}), from: 'stack-default', origin: `${d.name}'s default (${standIn.source})` };
      }
      if (key === 'transactionMode') {
        return { setting: name, value: null, from: 'stack-default', origin: `not declared; ${d.name}: ${d.transaction.helper} ${d.transaction.value.replace(/-/g, ' ')}` };
      }
    }
    return { setting: name, value: null, ...(unit ? { unit } : {}), from: 'not-known', origin: 'not known' };
  });
}
