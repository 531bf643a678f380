/**
 * Commander wiring only: arguments → options → command → output → exit code.
 * Never calls process.exit; `main` returns the exit code.
 */
import { Command, CommanderError } from 'commander';
import { type Io, processIo } from './io.js';
import { registerAudit } from './commands/audit.js';
import { registerCatalogue } from './commands/catalogue.js';
import { registerDemo } from './commands/demo.js';
import { registerInit } from './commands/init.js';
import { registerLocks } from './commands/locks.js';
import { registerStress } from './commands/stress.js';
import { registerWatch } from './commands/watch.js';
import { VERSION } from '../core/version.js';

/** Every command module registers itself here (audit is the default command). */
const COMMANDS = [registerAudit, registerLocks, registerDemo, registerInit, registerCatalogue, registerStress, registerWatch];

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let exit = 0;
  const setExit = (code: number) => {
    exit = Math.max(exit, code);
  };
  const program = new Command('lockscope')
    .description('Find out why a SQLite app fails with "database is locked" / SQLITE_BUSY, and prove the fix.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'lockscope: ')),
    })
    .showSuggestionAfterError(true);
  for (const register of COMMANDS) register(program, io, setExit);
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed in one line.
      return err.exitCode === 0 ? 0 : 2;
    }
    const e = err as Error;
    io.stderr(`lockscope: ${e.message ?? String(err)}\n`);
    return 2;
  }
  return exit;
}
