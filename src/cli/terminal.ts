/**
 * The terminal the text output is laid out for, read from the process once: its width and whether it shows
 * Unicode. Renderers get the result as plain options (src/output/terminal.ts) and never read the environment.
 */
import type { Io } from './io.js';
import { DEFAULT_COLUMNS, type Layout } from '../output/terminal.js';

/**
 * Columns: COLUMNS when it is a whole number (the user's override, as `ls` and `git` honour it), else the
 * width stdout's terminal reports, else 80 (a pipe, a file, a terminal that reports no size). A report
 * written with --output is laid out for 80 columns unless COLUMNS says otherwise.
 */
export function outputColumns(io: Pick<Io, 'env' | 'stdoutIsTTY' | 'stdoutColumns'>, toFile = false): number {
  const fromEnv = io.env.COLUMNS?.trim();
  if (fromEnv && /^\d+$/.test(fromEnv) && Number(fromEnv) > 0) return Number(fromEnv);
  if (!toFile && io.stdoutIsTTY && io.stdoutColumns && io.stdoutColumns > 0) return io.stdoutColumns;
  return DEFAULT_COLUMNS;
}

/**
 * Whether the terminal shows Unicode: not on TERM=dumb (or the Linux console's TERM=linux, whose font lacks
 * ✔⚠✖), and not under a locale whose character set is not UTF-8. The locale is the first of LC_ALL, LC_CTYPE
 * and LANG that is set (POSIX's precedence); LANG=C, POSIX or en_US.ISO-8859-1 mean ASCII. With none set,
 * Unicode: terminals today are UTF-8 and containers often leave the locale unset.
 */
export function unicodeTerminal(env: NodeJS.ProcessEnv): boolean {
  if (env.TERM === 'dumb' || env.TERM === 'linux') return false;
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '');
  if (locale === undefined) return true;
  return /utf-?8/i.test(locale);
}

export function outputLayout(io: Pick<Io, 'env' | 'stdoutIsTTY' | 'stdoutColumns'>, toFile = false): Layout {
  return { columns: outputColumns(io, toFile), ascii: !unicodeTerminal(io.env) };
}
