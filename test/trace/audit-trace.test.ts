/**
 * `audit --trace`: a real trace of a real app feeds the audit the busy timeout and transaction mode the app's own
 * lock calls showed, labelled "observed by trace", where the app declared nothing; a declared value wins.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, holdState, python } from '../../fixtures/databases.js';
import { withObserved } from '../../src/cli/trace-run.js';
import { scratchPerTest } from '../helpers/scratch.js';
import { runCli } from '../helpers/cli.js';
import { busyEvent, makeProcess, makeTraceFacts } from './facts.js';
import { startApp, startCli, waitTraced } from './helpers.js';

const { holders, tempDir } = scratchPerTest();
let dir = '';
beforeEach(() => {
  dir = tempDir('lockscope-audit-trace-');
});

describe('audit --trace', () => {
  it('uses the observed busy timeout and transaction mode, each labelled "observed by trace (…)", and the checks judge them', async () => {
    const path = join(dir, 'app.db');
    buildDatabase(path, { journalMode: 'wal', rows: 5 });
    python(path, 'c = sqlite3.connect(db); c.execute("CREATE TABLE lockscope_hold(x)"); c.commit(); c.close()');
    const holder = await holdState(path, 'wal-write');
    holders.push(holder);
    const app = await startApp('python', path, ['write:0.3', 'rtw:5']);
    holders.push(app);
    const audit = startCli(['audit', path, '--trace', '20s', '--json']);
    await waitTraced([app.pid, holder.pid]);
    expect((await app.go()).result).toBe('busy');
    expect((await app.go()).result).toBe('busy');
    await Promise.all([app.end(), holder.stop()]);
    const out = await audit.done;
    expect(out.code, out.stderr).toBe(1);
    const db = JSON.parse(out.stdout).databases[0];
    const row = (setting: string) => db.app.find((r: { setting: string }) => r.setting === setting);
    expect(row('busy_timeout')).toMatchObject({ value: 300, from: 'observed' });
    expect(row('busy_timeout').origin).toMatch(new RegExp(`^observed by trace \\(pid ${app.pid} gave up after [\\d,]+ ms of retries, 1× in `));
    expect(row('transaction mode')).toMatchObject({ value: 'deferred', from: 'observed' });
    expect(row('transaction mode').origin).toMatch(new RegExp(`^observed by trace \\(pid ${app.pid}: 1 write\\(s\\) refused at once while holding a read lock`));
    const finding = (id: string) => db.findings.find((f: { id: string }) => f.id === id);
    expect(finding('busy-timeout')).toMatchObject({ status: 'warn', messageId: 'small' });
    expect(finding('busy-timeout').message).toMatch(/observed by trace/);
    expect(finding('transaction-mode')).toMatchObject({ status: 'fail', messageId: 'deferred-upgrade-trap' });
    expect(finding('transaction-mode').message).toMatch(/Transactions are deferred \(observed by trace/);
  }, 30_000);

  it('a declared setting wins over the observed one; a wait that ended with the lock is not given as the timeout', () => {
    const facts = makeTraceFacts([
      makeProcess({ pid: 5, busyTimeout: { kind: 'measured', ms: 300, spanMs: 460, sequences: 1, tid: 5, otherMs: [] }, modes: { writeFirst: 1, readThenWrite: 1, ambiguous: 0 }, busy: [busyEvent()] }),
    ]);
    const app = withObserved({ busyTimeoutMs: 5000, origins: { busyTimeoutMs: { kind: 'declared', via: 'flag' } } }, facts);
    expect(app.busyTimeoutMs).toBe(5000);
    expect(app.origins?.busyTimeoutMs).toEqual({ kind: 'declared', via: 'flag' });
    expect(app.transactionMode).toBe('deferred');
    expect(app.origins?.transactionMode).toMatchObject({ kind: 'observed', by: 'trace' });
    const bound = withObserved({}, makeTraceFacts([makeProcess({ busyTimeout: { kind: 'lower-bound', ms: 800 }, modes: { writeFirst: 3, readThenWrite: 0, ambiguous: 0 } })]));
    // Neither a lower bound nor write-first observations become settings: they do not hold for the whole app.
    expect(bound).toEqual({});
  });

  it('refuses --trace with --stress or --save-facts, and a trace that cannot start is one line, exit 2', () => {
    const path = join(dir, 'app.db');
    buildDatabase(path, { journalMode: 'wal', rows: 5 });
    const stress = runCli(['audit', path, '--trace', '1s', '--stress']);
    expect(stress.code).toBe(2);
    expect(stress.stderr).toMatch(/--trace and --stress cannot be combined/);
    const none = runCli(['audit', path, '--trace', '1s']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^lockscope: --trace: .*no process has it open/);
    expect(none.stdout).toBe('');
  });
});
