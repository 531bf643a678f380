/** What a command module gets from the CLI: where to write, and the terminal it runs on. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a TTY (colour), stderr is a TTY (prompts). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /**
   * Spinners and progress may be drawn on stderr: a TTY that reports a width. A pseudo-terminal without a
   * size (`script`, some CI runners) reports 0 columns, and a spinner redrawing there floods the output.
   */
  stderrCanAnimate: boolean;
  /** stdin is a TTY (confirmation prompts). */
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

let pipeGuarded = false;

/** A reader that goes away (`lockscope … | head`) is not an error: stop quietly instead of crashing. */
function guardBrokenPipes(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}

export function processIo(): Io {
  guardBrokenPipes();
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stderrCanAnimate: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}
