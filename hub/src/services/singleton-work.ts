/**
 * Singleton work across hub replicas: the scheduled jobs (drift evaluation, retraining, the
 * rollout controller's tick, webhook delivery, doc refresh) run on the one replica holding the
 * `scheduled-jobs` lease (adapters/db/leases.ts, core/leases/lease-policy.ts). Each run claims the
 * lease first: the holder renews it, a free or expired one is taken, and a replica that does not
 * hold it skips the run. A holder that dies stops renewing, and the next replica to run a job
 * after the lease expired takes over. With one hub this is always the same replica.
 */
import type { Logger } from '../adapters/logger';
import { claimLease, releaseLease } from '../adapters/db/leases';
import type { SqlExecutor } from '../adapters/db/db';
import { DEFAULT_LEASE_TIMING, expiryOf, mayAct, type LeaseTiming } from '../core/leases/lease-policy';

export interface SingletonGate {
  readonly holder: string;
  /** Claims or renews the lease; true when this replica may do the singleton work now. */
  mayRun(): Promise<boolean>;
  /** Gives the lease up (clean shutdown) so another replica takes over without waiting. */
  release(): Promise<void>;
}

export function singletonGate(exec: SqlExecutor, options: { name: string; holder: string; logger: Logger; now?: () => number; timing?: LeaseTiming }): SingletonGate {
  const { name, holder, logger } = options;
  const now = options.now ?? Date.now;
  const timing = options.timing ?? DEFAULT_LEASE_TIMING;
  let leading: boolean | undefined;
  return {
    holder,
    async mayRun() {
      const at = now();
      const lease = await claimLease(exec, { name, holder, nowMs: at, expiresAtMs: expiryOf(at, timing) });
      const may = mayAct(lease ?? undefined, holder, now(), timing);
      if (may !== leading) logger.info(may ? 'this replica now runs the singleton work' : 'another replica runs the singleton work', { lease: name, holder, token: lease?.token ?? null });
      leading = may;
      return may;
    },
    async release() {
      await releaseLease(exec, name, holder);
      leading = undefined;
    },
  };
}
