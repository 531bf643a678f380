/**
 * Colour for text output: only when asked or on a TTY, honouring NO_COLOR and FORCE_COLOR
 * (https://no-color.org). Formatters get a Style and never look at the environment themselves.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export type Style = ChalkInstance;

/**
 * The colour level. A --color/--no-color flag (`flag`) wins over the environment, because it is the more
 * specific request: it was given to this run. Then FORCE_COLOR (0/false: none; 2, 3: that level; anything else: 16
 * colours), then NO_COLOR, then colour only on a TTY that is not TERM=dumb.
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean, flag?: boolean): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (flag === false) return 0;
  if (flag === true) {
    const n = Number(force);
    return n === 2 || n === 3 ? n : 1;
  }
  if (force !== undefined && force !== '') {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n === 2 || n === 3 ? n : 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

export function makeStyle(level: 0 | 1 | 2 | 3): Style {
  return new Chalk({ level });
}
