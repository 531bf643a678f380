/**
 * `npm run bench -- apps`: the real-stack apps of fixtures/apps in the deferred upgrade trap, several runs each:
 * how many units of work failed, how fast the failing write returned (the busy timeout is seconds), and that the
 * variant with lockscope's --stack fix had no error (it waited for the holder instead). Prints, never asserts.
 */
import { rmSync } from 'node:fs';
import { type AppStack, type AppVariant, buildAppDatabase, driveApp } from '../fixtures/apps/drive.js';
import { makeTempDir } from '../fixtures/databases.js';
import { median } from './util.js';

const STACKS: AppStack[] = ['django', 'sqlalchemy', 'peewee', 'better-sqlite3', 'drizzle', 'knex', 'sequelize'];
const RUNS = Number(process.env.LOCKSCOPE_BENCH_APP_RUNS ?? 10);

async function runs(stack: AppStack, variant: AppVariant) {
  const results = [];
  for (let i = 0; i < RUNS; i += 1) {
    const dir = makeTempDir('lockscope-bench-apps-');
    try {
      buildAppDatabase(`${dir}/app.db`);
      results.push(await driveApp(stack, `${dir}/app.db`, variant));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

export async function run(): Promise<void> {
  console.log(`  ${RUNS} runs per variant; holder commits after the trapped app's read, 300 ms after the fixed app's BEGIN`);
  console.log(`  ${'stack'.padEnd(16)} ${'busy ms'.padStart(8)}  trapped: errors, write→error ms median/max   fixed: errors, unit ms median`);
  for (const stack of STACKS) {
    const trapped = await runs(stack, 'trapped');
    const fixed = await runs(stack, 'fixed');
    const errs = trapped.filter((r) => !r.ok);
    const writeMs = errs.map((r) => r.writeMs ?? 0);
    const fixedErrs = fixed.filter((r) => !r.ok).length;
    console.log(
      `  ${stack.padEnd(16)} ${String(trapped[0]?.busyTimeoutMs ?? '?').padStart(8)}  ${`${errs.length}/${RUNS}`.padStart(6)}, ${median(writeMs).toFixed(1).padStart(7)} / ${Math.max(...writeMs).toFixed(1).padStart(7)}        ${`${fixedErrs}/${RUNS}`.padStart(6)}, ${median(fixed.map((r) => r.unitMs)).toFixed(0).padStart(5)}`,
    );
  }
  const dflt = await runs('sqlalchemy', 'default');
  console.log(`  sqlalchemy default (BEGIN at the first write): ${dflt.filter((r) => !r.ok).length}/${RUNS} errors, write waited ${median(dflt.map((r) => r.writeMs ?? 0)).toFixed(0)} ms median`);
}
