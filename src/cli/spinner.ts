/** The one progress spinner. */
import type { Ora } from 'ora';
import type { Io } from './io.js';
import { unicodeTerminal } from './terminal.js';

/**
 * An ora spinner on stderr, only on a TTY (ora is loaded only then: it costs start-up time). `discardStdin`
 * off: ora's default puts the terminal in raw mode to swallow keystrokes, and then Ctrl-C is a byte on stdin,
 * not SIGINT, so it could not stop the command.
 */
export async function startSpinner(io: Io, text: string, quiet = false): Promise<Ora | null> {
  if (!io.stderrCanAnimate || quiet) return null;
  const { default: ora } = await import('ora');
  // ASCII frames where the terminal shows no Unicode (ora only looks at TERM=linux): LANG=C, TERM=dumb.
  const ascii = !unicodeTerminal(io.env);
  return ora({ text, stream: io.stderrStream, discardStdin: false, ...(ascii ? { spinner: 'line' as const } : {}) }).start();
}
