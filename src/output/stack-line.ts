/** The one text line that says whose fixes the report shows, and why (the report's `stack`). */
import { escapeControl } from '../core/escape.js';
import type { StackInfo } from '../core/model.js';
import type { Style } from './style.js';

export function stackLine(info: StackInfo, style: Style): string {
  const why = escapeControl(info.reason);
  switch (info.from) {
    case 'detected':
      return style.dim(
        `stack: ${info.name}, detected (${why}): its fixes only; declare it with --stack ${info.name}, or --stack all for every stack's`,
      );
    case 'none':
      // The reason is in the JSON; a conflict is named here, the usual "nothing found" is not spelt out.
      return style.dim(`stack: ${info.reason.startsWith('no ') ? 'none detected' : `not chosen: ${why}`}: SQL fixes only; name it with --stack <stack>, or --stack all`);
    default:
      return info.name === 'all'
        ? style.dim("stack: all (--stack all): every stack's fixes")
        : style.dim(`stack: ${info.name} (${why}): its fixes only; its defaults stand in for undeclared settings`);
  }
}
