/** The demo: databases set up the way failing apps are, their scenario processes (scenario-child.ts), audited one by one, then removed. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERRUPT_SIGNALS, type Io } from '../io.js';
import { signalExitCode } from '../../core/exit-code.js';
import { entryScript } from '../../core/entry-scripts.js';
import type { AppSettings } from '../../core/facts.js';
import type { Stack } from '../../core/model.js';
import { colorLevel, makeStyle } from '../../output/style.js';
import { runAudit } from '../audit-run.js';
import { render } from '../report-output.js';
import { wrapHanging } from '../../output/terminal.js';
import { outputLayout } from '../terminal.js';

const CHILD = entryScript('demo');

interface DemoScenario {
  name: 'rollback' | 'upgrade-trap' | 'pinned-wal' | 'healthy' | 'hot-journal';
  /** The app's stack, when its defaults are part of the story (as `--stack`). */
  stack?: Stack;
  file: string;
  story: string;
  app: AppSettings;
  flags: string;
}

export const SCENARIOS: readonly DemoScenario[] = [
  {
    name: 'rollback',
    file: 'orders.db',
    story: 'An app on a rollback-journal database whose connections run with busy_timeout 0 (the SQLite C API and the sqlite3 CLI default to it).',
    app: { busyTimeoutMs: 0 },
    flags: '--busy-timeout 0',
  },
  {
    name: 'upgrade-trap',
    file: 'shop.db',
    story:
      "A Django app on a WAL database with a 30 s busy timeout: its atomic() blocks read, then write, and still fail at once with 'database is locked' when two requests overlap.",
    app: { busyTimeoutMs: 30000 },
    stack: 'django',
    flags: '--busy-timeout 30000 --stack django',
  },
  {
    name: 'pinned-wal',
    file: 'events.db',
    story: 'A WAL database whose WAL keeps growing: a reader opened a transaction and never finished it, so no checkpoint can pass it.',
    app: { busyTimeoutMs: 5000 },
    flags: '--busy-timeout 5000',
  },
  {
    name: 'hot-journal',
    file: 'ledger.db',
    story: 'A writer crashed in the middle of a transaction and left a hot rollback journal behind.',
    app: { busyTimeoutMs: 5000 },
    flags: '--busy-timeout 5000',
  },
  {
    name: 'healthy',
    file: 'fixed.db',
    story: 'The same kind of app after the fixes: WAL stored in the file, busy_timeout 5000 ms, synchronous NORMAL.',
    app: { busyTimeoutMs: 5000, synchronous: 'normal', transactionMode: 'immediate' },
    flags: '--busy-timeout 5000 --synchronous normal --tx immediate',
  },
];

/**
 * Starts a scenario child, adds it to `children` at once (so an interrupt stops it even before it is ready),
 * and resolves when it is READY (or has died after READY, for hot-journal).
 */
function startScenario(s: DemoScenario, db: string, children: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, s.name, db], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        if (s.name === 'hot-journal') child.once('exit', () => resolve(child));
        else resolve(child);
      }
    });
    child.once('exit', (code, signal) => {
      if (!out.includes('READY')) reject(new Error(`demo scenario ${s.name} failed (${signal ?? code}): ${err.trim()}`));
    });
  });
}

export async function runDemo(io: Io): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-demo-'));
  const children: ChildProcess[] = [];
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // Ctrl-C, SIGTERM or SIGHUP: stop the scenario processes and remove what the demo made at once; the demo
  // keeps the scenarios already shown, says it was interrupted, and ends with 128 + the signal's number.
  let signalled: string | null = null;
  const interrupted = () => signalled !== null;
  const stopListening = io.interrupts.listen(INTERRUPT_SIGNALS, (signal) => {
    signalled ??= signal;
    cleanup();
  });
  let shown = 0;
  const style = makeStyle(colorLevel(io.env, io.stdoutIsTTY));
  const layout = outputLayout(io);
  let worst = 0;
  try {
    io.stdout(style.bold(`lockscope demo: ${SCENARIOS.length} databases in ${dir}\n\n`));
    for (const [i, s] of SCENARIOS.entries()) {
      if (interrupted()) break;
      const db = join(dir, s.file);
      await startScenario(s, db, children);
      if (interrupted()) break;
      io.stdout(`${wrapHanging(`── ${i + 1}/${SCENARIOS.length} ${s.story}`, layout, '', '   ').map((l) => style.bold(l)).join('\n')}\n`);
      io.stdout(`${wrapHanging(`$ lockscope audit ${s.file} ${s.flags}`, layout, '   ', '     ').map((l) => style.dim(l)).join('\n')}\n\n`);
      const report = await runAudit([db], { app: s.app, stack: s.stack }, 'fail');
      if (report.exitCode === 2) worst = 2;
      io.stdout(`${render(report, { failOn: 'fail', stack: s.stack }, io)}\n`);
      shown += 1;
    }
    if (!interrupted()) {
      const bye = `Removed ${dir}. Audit your own database: lockscope audit path/to/app.db --busy-timeout <ms>`;
      io.stdout(`${wrapHanging(bye, layout, '').map((l) => style.dim(l)).join('\n')}\n`);
    }
  } catch (err) {
    // A scenario process stopped by the interrupt is not a failure of the demo.
    if (!interrupted()) throw err;
  } finally {
    cleanup();
    stopListening();
  }
  if (signalled !== null) {
    io.stdout(style.yellow(`lockscope demo: interrupted by ${signalled} after ${shown} of ${SCENARIOS.length} scenarios; removed ${dir} · exit ${signalExitCode(signalled)}\n`));
    return signalExitCode(signalled);
  }
  // The demo shows findings; it only fails when lockscope itself could not do its job.
  return worst;
}
