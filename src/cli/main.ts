/**
 * Commander wiring only: arguments → options → command → output → exit code.
 * Never calls process.exit; `main` returns the exit code.
 */
import { Command, CommanderError } from 'commander';
import { type Io, processIo } from './io.js';
import { VERSION } from '../core/version.js';
import { firstContact, normaliseArgv } from './first-contact.js';

type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

/**
 * Every command module, by the commands it registers (audit is the default command). A module is imported
 * only when its command runs: each is a chunk of the bundle, and loading them all cost every command, even
 * `--version`, the start-up of stress and demo.
 */
export const COMMANDS: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAudit },
  { names: ['locks'], load: async () => (await import('./commands/locks.js')).registerLocks },
  { names: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemo },
  { names: ['init'], load: async () => (await import('./commands/init.js')).registerInit },
  { names: ['checks', 'explain'], load: async () => (await import('./commands/catalogue.js')).registerCatalogue },
  { names: ['stress'], load: async () => (await import('./commands/stress.js')).registerStress },
  { names: ['trace'], load: async () => (await import('./commands/trace.js')).registerTrace },
  { names: ['scan'], load: async () => (await import('./commands/scan.js')).registerScan },
  { names: ['watch'], load: async () => (await import('./commands/watch.js')).registerWatch },
];

/** The modules `argv` needs: the named command's; audit's for anything else (a path, a flag); all for help. */
function commandsFor(argv: readonly string[]): typeof COMMANDS {
  const first = argv[0];
  if (first === '-V' || first === '-v' || first === '--version') return [];
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return COMMANDS;
  const named = COMMANDS.find((c) => c.names.includes(first));
  return named ? [named] : COMMANDS.filter((c) => c.names.includes('audit'));
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let exit = 0;
  const setExit = (code: number) => {
    exit = Math.max(exit, code);
  };
  const program = new Command('lockscope')
    .description('Find out why a SQLite app fails with "database is locked" / SQLITE_BUSY, and prove the fix.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'lockscope: ')),
    })
    .showSuggestionAfterError(true);
  for (const command of commandsFor(argv)) (await command.load())(program, io, setExit);
  program.commands.forEach((c) => c.exitOverride());
  // Every command's name, loaded or not (only the modules argv needs are loaded).
  const commands = [...COMMANDS.flatMap((c) => c.names), 'help'];
  const refused = firstContact(argv, io, commands, () => program.helpInformation());
  if (refused !== null) return refused;
  try {
    await program.parseAsync(normaliseArgv(argv), { from: 'user' });
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
