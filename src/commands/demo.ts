import type { Command } from 'commander';
import type { Io } from '../command-types.js';

export function registerDemo(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('build databases set up the way failing apps are, in a temporary directory, and audit them')
    .action(() => {
      io.stderr('demo: not yet\n');
      setExit(2);
    });
}
