/**
 * Ctrl-C, SIGTERM and SIGHUP during a stress run: the first stops the threads (they roll back and
 * close their connections), the scratch database is then removed as after a normal end; a second
 * signal terminates the threads at once. Handlers exist only while a run is in progress.
 */
import { INTERRUPT_SIGNALS, type Interrupts } from '../../cli/io.js';
import { RunControl } from './harness.js';

const SIGNALS = INTERRUPT_SIGNALS;
export { signalExitCode } from '../../core/exit-code.js';

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
