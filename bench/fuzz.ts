/**
 * `npm run fuzz -- [--seed S] [--count N]`: the SQLite-oracle fuzz of the file formats, longer than the test's.
 * Prints the numbers and every disagreement (base, edits, lockscope's claim, SQLite's); exits 1 on any.
 */
import { runFuzz } from '../fixtures/format-fuzz.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} needs a whole number, got ${process.argv[i + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return v;
}

const seed = arg('seed', 1);
const count = arg('count', 200_000);
let last = 0;
const result = await runFuzz({
  seed,
  count,
  onProgress: (done) => {
    if (done - last >= 10_000 || done === count) {
      last = done;
      process.stderr.write(`${done} variants…\n`);
    }
  },
});
for (const d of result.disagreements.slice(0, 50)) console.log(JSON.stringify(d));
console.log(`outcomes: ${JSON.stringify(result.outcomes)}`);
console.log(
  `seed ${seed}: ${result.variants} variants, ${result.disagreements.length} disagreements ${JSON.stringify(result.byField)}, ${(result.ms / 1000).toFixed(1)} s`,
);
process.exitCode = result.disagreements.length > 0 ? 1 : 0;
