/** `lockscope scan [dir]`: an app's folder → connection sites and units of work (src/sources/scan/) → scan checks → report. */
import type { Command } from 'commander';
import { resolve as resolvePath } from 'node:path';
import { checksIn } from '../../../checks/index.js';
import { buildReport } from '../../core/report.js';
import type { DatabaseReport } from '../../core/model.js';
import { runChecks } from '../../core/runner.js';
import type { ThresholdOverrides } from '../../core/runner.js';
import { loadGrammars } from '../../sources/scan/parse.js';
import { gatherScan, scanSource } from '../../sources/scan/source.js';
import { loadCommandConfig, mergeThresholds } from '../config.js';
import { addOutputFlags } from '../flags.js';
import type { Io } from '../io.js';
import { type OutputOptions, checkOutputTarget, emitReport, reportErrors } from '../report-output.js';

export function registerScan(program: Command, io: Io, setExit: (code: number) => void): void {
  const cmd = program
    .command('scan')
    .description("read an app's code and config (Python, JS/TS, Go, Rails database.yml) for where it opens SQLite and how: busy timeout, transactions, PRAGMAs (reads only; runs nothing)")
    .argument('[dir]', "the app's folder", '.');
  addOutputFlags(cmd);
  cmd.action(async (dir: string, opts: OutputOptions & { config?: string; threshold?: ThresholdOverrides }) => {
    const config = loadCommandConfig(io, opts.config);
    if (config === 'error') return setExit(2);
    if (!checkOutputTarget(opts, [], io)) return setExit(2);
    await loadGrammars();
    let db: DatabaseReport;
    try {
      const facts = gatherScan(resolvePath(io.cwd, dir), dir);
      const findings = runChecks(checksIn('scan'), facts, { app: {}, thresholds: mergeThresholds(config?.thresholds, opts.threshold), severity: config?.severity ?? {} });
      db = { path: dir, facts, findings };
    } catch (err) {
      db = { path: dir, error: scanSource.inputError(dir, err) };
    }
    const report = buildReport('scan', [db], opts.failOn);
    const written = emitReport(report, opts, io);
    reportErrors(report, io);
    setExit(written ? report.exitCode : 2);
  });
}
