/**
 * What a newcomer types first, before commander parses it: `lockscope` alone, a misspelt command
 * (`lockscope adit x.db`), `-V` for the version. audit is the default command, so without this a misspelt
 * command was read as a database path ("adit: no such file") and `lockscope` alone printed one line.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Io } from './io.js';
import { ConfigError, findConfig } from './config.js';
import { suggestIds } from './suggest.js';

/** The arguments as commander should see them: `-V` (the old version flag) is `-v`, as in node and npm. */
export function normaliseArgv(argv: readonly string[]): string[] {
  return argv[0] === '-V' ? ['-v', ...argv.slice(1)] : [...argv];
}

/** A bare word: what a command looks like, and what a path to a database rarely does (no dot, no slash, no glob). */
const BARE_WORD = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * The exit code when the first argument cannot start anything (the line or usage is already on stderr), or
 * null to let commander parse. `usage` is the top-level help text.
 */
export function firstContact(argv: readonly string[], io: Io, commands: readonly string[], usage: () => string): number | null {
  if (argv.length === 0) {
    // With a config nearby, `lockscope` audits its databases (audit is the default command).
    let config: ReturnType<typeof findConfig> = null;
    try {
      config = findConfig(io.cwd);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
    if (config) return null;
    // Like git and npm, usage and a non-zero exit; 2 because, as for any usage error, nothing was examined.
    // On stderr: stdout carries reports only.
    io.stderr(`${usage()}\nlockscope: no database given and no lockscope.config.json here or above: lockscope audit <db...>, or lockscope init\n`);
    return 2;
  }
  const first = argv[0]!;
  if (!BARE_WORD.test(first) || commands.includes(first) || existsSync(resolve(io.cwd, first))) return null;
  // The closest command only: "did you mean audit?" reads as an answer, a list as a question back.
  const guess = suggestIds(first, commands)[0];
  io.stderr(
    guess
      ? `lockscope: unknown command "${first}" (did you mean ${guess}?), and no file of that name here\n`
      : `lockscope: "${first}" is neither a command (${commands.join(', ')}) nor an existing file\n`,
  );
  return 2;
}
