/**
 * Ctrl-C, SIGTERM and SIGHUP during a stress run: the first stops the threads (they roll back and
 * close their connections), the scratch database is then removed as after a normal end; a second
 * signal terminates the threads at once. Handlers exist only while a run is in progress.
 */
import type { Interrupts } from '../../cli/io.js';
import { RunControl } from './harness.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** The shell's exit status for a process stopped by `signal` (128 + its number). */
export function signalExitCode(signal: string): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 0);
}

export async function withInterruptSignals<T>(
  interrupts: Interrupts,
  fn: (control: RunControl) => Promise<T>,
  onSignal?: (signal: NodeJS.Signals) => void,
): Promise<T> {
  const control = new RunControl();
  const stopListening = interrupts.listen(SIGNALS, (signal) => {
    onSignal?.(signal);
    control.interrupt(signal);
  });
  try {
    return await fn(control);
  } finally {
    stopListening();
  }
}
