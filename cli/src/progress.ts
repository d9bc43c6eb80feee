/**
 * Progress for people: a bar on stderr when it is a terminal (cli-progress, loaded only then),
 * nothing otherwise for byte transfers, so pipes and logs stay clean.
 */
import type { Output } from './io';
import { bytes } from './output';

export interface Bar {
  /** moves the bar to `value` of its total, with `label` beside it */
  update(value: number, label?: string): void;
  stop(): void;
}

const none: Bar = { update: () => undefined, stop: () => undefined };

/**
 * While a bar is on the terminal it has hidden the cursor and turned off line wrapping; Node's
 * default end on Ctrl-C (or a kill) would leave the terminal so. Until the returned function is
 * called, such a signal restores the terminal (`stop`), prints `note` (what goes on without us),
 * and ends the process with that same signal, as it would have without the handler.
 */
export function restoreOnSignal(stop: () => void, note?: () => string): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const dispose = (): void => {
    for (const signal of signals) process.off(signal, handler);
  };
  function handler(signal: NodeJS.Signals): void {
    dispose();
    stop();
    if (note) process.stderr.write(`${note()}\n`);
    process.kill(process.pid, signal);
  }
  for (const signal of signals) process.once(signal, handler);
  return dispose;
}

/** A bar over `total` (bytes, or 100 for percent) on a terminal's stderr; a no-op elsewhere. */
export async function terminalBar(out: Output, title: string, total: number, unit: 'bytes' | 'percent'): Promise<Bar> {
  if (!out.errTty) return none;
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    format: `${title} [{bar}] {percentage}% {amount} {label}`,
    stream: process.stderr,
    hideCursor: true,
    barsize: 24,
    etaBuffer: 20,
    fps: 5,
    // The result lines come where the bar was.
    clearOnComplete: true,
  });
  const amount = (value: number): string => (unit === 'bytes' ? `${bytes(value)}/${bytes(total)}` : '');
  bar.start(total, 0, { amount: amount(0), label: '' });
  const release = restoreOnSignal(() => bar.stop());
  return {
    update(value, label = '') {
      bar.update(Math.min(value, total), { amount: amount(value), label });
    },
    stop() {
      release();
      bar.stop();
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
