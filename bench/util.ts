/** Small timing helpers for the benchmark scripts: they print numbers and ratios, never assert. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time of `fn` in ms, median of `runs` after one warm-up. */
export function timeMs(fn: () => void, runs = 11): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

export function timeCommandMs(cmd: string, args: string[], runs = 11): number {
  return timeMs(() => {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.error) throw r.error;
  }, runs);
}

export function row(label: string, ms: number, extra = ''): string {
  return `  ${label.padEnd(58)} ${ms.toFixed(1).padStart(9)} ms ${extra}`;
}

/** `n` sleeping processes (a few descriptors each, for what reads every process's), each running once this resolves. */
export async function spawnSleepers(n: number): Promise<ChildProcess[]> {
  const out: ChildProcess[] = [];
  for (let i = 0; i < n; i += 1) {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    child.on('error', () => {});
    out.push(child);
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
  }
  // Each is running once it has exec'd sleep: wait until /proc shows it so (never a fixed sleep).
  for (const c of out) {
    while (c.pid !== undefined && c.exitCode === null) {
      let exe = '';
      try {
        exe = readFileSync(`/proc/${c.pid}/comm`, 'utf8');
      } catch {
        break;
      }
      if (exe.trim() === 'sleep') break;
      await new Promise((r) => setImmediate(r));
    }
  }
  return out;
}
