/** Real apps and a real `lockscope trace` for the trace tests: apps in child processes, the CLI spawned without waiting. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FIXTURES_DIR, type Holder, waitReady } from '../../fixtures/databases.js';
import { waitFor } from '../../fixtures/holders.js';
import { BIN, cleanEnv } from '../helpers/cli.js';

export interface App extends Holder {
  /** Runs the next op; resolves with its result line. */
  go(): Promise<{ result: 'ok' | 'busy'; ms: number }>;
  /** Closes stdin: the app exits. */
  end(): Promise<void>;
}

/** A python3 sqlite3 or node better-sqlite3 app (fixtures/trace-app.*) with one connection per op. */
export async function startApp(stack: 'python' | 'node', db: string, ops: string[]): Promise<App> {
  const child =
    stack === 'python'
      ? spawn('python3', [join(FIXTURES_DIR, 'trace-app.py'), db, ...ops], { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, [join(FIXTURES_DIR, 'trace-app.mjs'), db, ...ops], { stdio: ['pipe', 'pipe', 'pipe'] });
  const holder = await waitReady(child, `${stack} app`);
  const results: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('DONE')) return;
    const w = waiting.shift();
    if (w) w(line);
    else results.push(line);
  });
  return {
    ...holder,
    go() {
      child.stdin.write('go\n');
      return new Promise((resolve) => {
        const done = (line: string) => {
          const [, result, ms] = line.split(' ');
          resolve({ result: result as 'ok' | 'busy', ms: Number(ms) });
        };
        const ready = results.shift();
        if (ready) done(ready);
        else waiting.push(done);
      });
    },
    end() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      });
    },
  };
}

export interface Running {
  child: ChildProcessWithoutNullStreams;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `lockscope <args>` started, not waited for. */
export function startCli(args: string[], opts: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}): Running {
  const command = opts.prefix ? opts.prefix[0]! : process.execPath;
  const argv = opts.prefix ? [...opts.prefix.slice(1), process.execPath, BIN, ...args] : [BIN, ...args];
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv(opts.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

/** /proc/<pid>/status: the tracer's pid (0 = none) and the state letter. */
export function traceStatus(pid: number): { tracerPid: number; state: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { tracerPid: Number(/^TracerPid:\s+(\d+)/m.exec(status)?.[1] ?? 0), state: /^State:\s+(\S)/m.exec(status)?.[1] ?? '?' };
}

/** /proc/<pid>/stat's state field (R, S, T = stopped, t = tracing stop). */
export function statState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0]!;
}

/** Resolves once strace is attached to every one of `pids` (TracerPid set): the readiness of a trace. */
export function waitTraced(pids: readonly number[]): Promise<true> {
  return waitFor(() => (pids.every((pid) => traceStatus(pid).tracerPid !== 0) ? true : undefined), `strace attached to ${pids.join(', ')}`, 10_000);
}

/** The traced process with this pid in a `trace --json` report. */
export function processOf(stdout: string, pid: number) {
  const report = JSON.parse(stdout);
  const p = report.databases[0].facts.processes.find((x: { pid: number }) => x.pid === pid);
  if (!p) throw new Error(`pid ${pid} not in the trace: ${JSON.stringify(report.databases[0].facts.processes.map((x: { pid: number }) => x.pid))}`);
  return p;
}
