/**
 * Watches (`train watch`, `rollouts watch`, `devices assign --wait`) follow something that goes on
 * at the hub for minutes; a hub restarting meanwhile (an upgrade, a crash and its supervisor) is
 * not how the rollout or run ended. Their reads ride out a hub they cannot reach, or that answers
 * 429 or 5xx, for a while, and end with exit 6 only when it stays so.
 */
import { CliError, EXIT } from './errors';
import type { Output } from './io';
import { sleep } from './progress';

/** How long a watch waits for the hub to answer again before it gives up. */
export const WATCH_PATIENCE_MS = 120_000;
const RETRY_MS = 1000;

/** Runs reads for a watch: each is retried while the hub is unreachable, within one shared allowance. */
export type PatientRead = <T>(read: () => Promise<T>) => Promise<T>;

export function patientReads(out: Output, patienceMs = WATCH_PATIENCE_MS): PatientRead {
  let failingSince: number | null = null;
  return async <T>(read: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        const value = await read();
        if (failingSince !== null) {
          failingSince = null;
          out.note('The hub answers again; watching on.');
        }
        return value;
      } catch (error) {
        if (!(error instanceof CliError) || error.exitCode !== EXIT.unreachable) throw error;
        const now = Date.now();
        if (failingSince === null) {
          failingSince = now;
          out.note(`${error.message}; trying again for up to ${Math.round(patienceMs / 1000)} s`);
        }
        if (now - failingSince >= patienceMs) throw error;
        await sleep(RETRY_MS);
      }
    }
  };
}
