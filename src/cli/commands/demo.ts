/**
 * `lockscope demo`: builds, in a temporary directory, databases set up the way failing apps leave them,
 * audits each with the app settings a real app would have, and removes everything afterwards.
 */
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { runDemo } from '../demo/run.js';
import { sqliteDriverProblem } from '../../sources/sqlite/connection.js';

export function registerDemo(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('build databases set up the way failing apps are, in a temporary directory, audit them, clean up')
    .action(async () => {
      // The scenario children build their databases with better-sqlite3.
      const driverProblem = sqliteDriverProblem('demo');
      if (driverProblem) {
        io.stderr(`lockscope: ${driverProblem}\n`);
        return setExit(2);
      }
      setExit(await runDemo(io));
    });
}
