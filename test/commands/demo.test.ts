/** `lockscope demo` interrupted: the scenario processes stop, the directory goes, and the exit code is 130. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../fixtures/holders.js';
import { BIN, ROOT, cleanEnv } from '../helpers/cli.js';

/** Pids of processes running the demo's scenario child whose parent is `parent`. */
function scenarioChildren(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('scenario-child')) out.push(Number(entry));
    } catch {
      // the process ended while it was read
    }
  }
  return out;
}

describe('lockscope demo and signals', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} while a scenario process holds its database: exit ${code}, said on stdout, its processes stopped, the directory removed`, async () => {
      const child = spawn(process.execPath, [BIN, 'demo'], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // Readiness: a scenario's heading is printed once its process is ready. The pinned-WAL scenario's process
      // keeps its read transaction open until the demo ends (the others build their file and exit), so wait for it.
      const dir = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /databases in (\S+)\n[\s\S]*── \d+\/\d+ A WAL database whose WAL keeps growing/.exec(stdout);
          if (m) resolve(m[1]!);
        });
        child.once('exit', () => reject(new Error(`demo ended before its first scenario: ${stdout}`)));
      });
      const running = scenarioChildren(child.pid!);
      expect(running.length).toBeGreaterThan(0);
      child.kill(signal);
      expect(await exited).toBe(code);
      // The scenarios already shown stay; the last line says it was cut short, with the exit code the shell sees.
      expect(stdout).toMatch(new RegExp(`interrupted by ${signal} after \\d+ of \\d+ scenarios; removed .* · exit ${code}\\n$`));
      expect(existsSync(dir)).toBe(false);
      // SIGKILL takes effect asynchronously: each scenario process is gone (or a zombie) soon after.
      const alive = (pid: number) => {
        try {
          return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
        } catch {
          return false;
        }
      };
      for (const pid of running) await waitFor(() => (alive(pid) ? undefined : true), `scenario process ${pid} to end`);
      expect(stdout).not.toContain('Removed ');
    });
  }
});
