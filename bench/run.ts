/**
 * `npm run bench [-- name…]`: runs the benchmark scripts (all by default) and prints numbers and ratios.
 * Timings on a shared machine are noisy: compare ratios, not absolute numbers.
 */
import { cpus, loadavg } from 'node:os';

const BENCHES: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  startup: () => import('./startup.js'),
  audit: () => import('./audit.js'),
  locks: () => import('./locks.js'),
  stress: () => import('./stress.js'),
  apps: () => import('./apps.js'),
  fidelity: () => import('./fidelity.js'),
  checkpoint: () => import('./checkpoint.js'),
  postgres: () => import('./postgres.js'),
  trace: () => import('./trace.js'),
  scan: () => import('./scan.js'),
  watch: () => import('./watch.js'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
console.log(`lockscope bench · node ${process.version} · ${cpus().length} cores · load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const name of names) {
  const load = BENCHES[name];
  if (!load) {
    console.error(`unknown bench "${name}" (have: ${Object.keys(BENCHES).join(', ')})`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n== ${name}`);
  await (await load()).run();
}
