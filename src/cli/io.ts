/**
 * The signals that interrupt a long-running step (a stress run, lock sampling, the demo). `main` owns one
 * per run: a step that can stop early listens while it runs; outside those windows a signal keeps its
 * default effect (the process ends with 128 + the signal number).
 */
export interface Interrupts {
  /** Aborted, with the signal's name as its reason, by the first signal a listener received. */
  readonly signal: AbortSignal;
  /**
   * Until the returned function is called, each of `signals` calls `onSignal` (and aborts `signal`)
   * instead of ending the process.
   */
  listen(signals: readonly NodeJS.Signals[], onSignal: (signal: NodeJS.Signals) => void): () => void;
}

/** The signals that interrupt a long command (its partial results are reported, exit 128 + the signal's number). */
export const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What a command module gets from the CLI: where to write, the terminal it runs on, and the signals. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a TTY (colour), stderr is a TTY (prompts). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The width stdout's terminal reports (undefined when it is not a terminal): text output fits it. */
  stdoutColumns?: number;
  /**
   * Spinners and progress may be drawn on stderr: a TTY that reports a width. A pseudo-terminal without a
   * size (`script`, some CI runners) reports 0 columns, and a spinner redrawing there floods the output.
   */
  stderrCanAnimate: boolean;
  /** stdin is a TTY (confirmation prompts). */
  stdinIsTTY: boolean;
  /** The streams behind `stderr` and stdin, for what draws on the terminal: spinners, prompts. */
  stderrStream: NodeJS.WritableStream;
  stdinStream: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  interrupts: Interrupts;
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

/** Interrupts from this process's signals. */
export function processInterrupts(): Interrupts {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    listen(signals, onSignal) {
      const handler = (signal: NodeJS.Signals) => {
        if (!controller.signal.aborted) controller.abort(signal);
        onSignal(signal);
      };
      for (const s of signals) process.on(s, handler);
      return () => {
        for (const s of signals) process.off(s, handler);
      };
    },
  };
}

export function processIo(): Io {
  guardBrokenPipes();
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
    stderrCanAnimate: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrStream: process.stderr,
    stdinStream: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    interrupts: processInterrupts(),
  };
}
