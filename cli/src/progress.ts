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
  return {
    update(value, label = '') {
      bar.update(Math.min(value, total), { amount: amount(value), label });
    },
    stop() {
      bar.stop();
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
