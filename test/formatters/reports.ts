/** Report objects with known findings for the formatter tests (the formatters are pure: no database needed). */
import type { DatabaseReport, Finding, Report, Status } from '../../src/core/model.js';
import { summarize } from '../../src/core/model.js';
import { makeFacts } from '../helpers/facts.js';

export function finding(id: string, status: Status, patch: Partial<Finding> = {}): Finding {
  return {
    id,
    status,
    title: `${id} title`,
    message: `${id} is ${status}`,
    messageId: `${id}-${status}`,
    fixes: [],
    evidence: {},
    ...patch,
  };
}

export function report(databases: DatabaseReport[], exitCode: 0 | 1 | 2 = 1): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'lockscope', version: '0.1.0' },
    command: 'audit',
    databases,
    summary: summarize(databases),
    exitCode,
  };
}

/** Two audited databases with one finding of every status, one that could not be audited, extra sections. */
export function mixedReport(): Report {
  return report(
    [
      {
        path: 'db/app.db',
        facts: makeFacts(),
        findings: [
          finding('journal-mode', 'warn', {
            title: 'Readers and writers block each other (rollback journal)',
            message: 'Rollback journal (header bytes 18-19 are 1/1).',
            messageId: 'rollback',
            evidence: { writeVersion: 1, readVersion: 1, walEnabled: false },
            fixes: [{ summary: 'Switch to WAL', sql: 'PRAGMA journal_mode = WAL;' }],
          }),
          finding('busy-timeout', 'fail', {
            title: 'Writers may fail at once with SQLITE_BUSY',
            message: 'busy_timeout is 0 ms.',
            messageId: 'zero',
            evidence: { declaredBusyTimeoutMs: 0, minMs: 1000 },
            fixes: [
              { summary: 'Set the busy timeout', sql: 'PRAGMA busy_timeout = 5000;' },
              { summary: 'Python sqlite3', stack: 'python', code: 'sqlite3.connect(path, timeout=5)' },
              { summary: 'Go', stack: 'go', code: 'file:app.db?_busy_timeout=5000' },
            ],
          }),
          finding('sqlite-version', 'info', { message: 'SQLite 3.46.1 wrote the file.', messageId: 'version' }),
          finding('checkpoint', 'skip', { message: 'Skipped: no --checkpoint.', messageId: 'not-asked' }),
          finding('synchronous', 'pass', { message: 'synchronous is NORMAL.', messageId: 'ok' }),
          finding('hot-journal', 'error', { message: 'lockscope bug: the check threw boom', messageId: 'check-crashed' }),
        ],
        holders: [{ pid: 42, lock: 'RESERVED' }],
      },
      { path: '/srv/data/other db.sqlite', findings: [finding('journal-mode', 'pass', { messageId: 'wal' })], stress: { busyRate: 0.5 } },
      { path: 'missing.db', error: { code: 'ENOENT', message: 'missing.db: no such file' } },
    ],
    2,
  );
}

/** Control characters, markup and quotes everywhere a string can go. */
export const HOSTILE = 'a\u0000b\u0001c\u001b[2Jd\u0007 <tag attr="x">&amp; \'q\' ]]> | pipe\nnew\rline\ttab \u0085 \ufffe \ud800 % : , ::error::x 😀';

export function hostileReport(): Report {
  return report(
    [
      {
        path: `dir/${HOSTILE}.db`,
        findings: [
          finding('busy-timeout', 'fail', {
            title: HOSTILE,
            message: HOSTILE,
            messageId: HOSTILE,
            evidence: { [HOSTILE]: HOSTILE, nested: { k: HOSTILE } },
            fixes: [{ summary: HOSTILE, sql: HOSTILE, code: '```\n' + HOSTILE, stack: 'python', caution: HOSTILE, docs: HOSTILE }],
          }),
          finding('journal-mode', 'warn', { message: HOSTILE }),
          finding('hot-journal', 'skip', { message: HOSTILE }),
          finding('synchronous', 'error', { message: HOSTILE }),
          finding('sqlite-version', 'info', { message: HOSTILE }),
        ],
      },
      { path: HOSTILE, error: { code: 'EACCES', message: HOSTILE } },
    ],
    2,
  );
}
