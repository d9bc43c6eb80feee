/**
 * When a replica claims, keeps and gives up a lease on singleton work (pure). A lease lasts
 * `ttlMs` from its last claim; the holder claims again whenever it is about to act, so it keeps
 * the lease while it is alive and another replica takes it over at most `ttlMs` after the holder
 * stopped (crashed, killed, partitioned). Work is only done by a holder whose lease has at least
 * `marginMs` left, so a slow holder cannot act on a lease that runs out mid-decision.
 */
export interface Lease {
  name: string;
  holder: string;
  expiresAtMs: number;
  /** grows each time the lease changes hands: a fencing token for writes made under it */
  token: number;
}

export interface LeaseTiming {
  ttlMs: number;
  marginMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 30_000, marginMs: 2_000 };

/** A lease of `ttlS` seconds; the margin is a fifteenth of it (2 s at the default 30 s), at least 1 s. */
export function leaseTimingFor(ttlS: number): LeaseTiming {
  const ttlMs = ttlS * 1000;
  return { ttlMs, marginMs: Math.max(1000, Math.round(ttlMs / 15)) };
}

export const expiryOf = (nowMs: number, timing: LeaseTiming): number => nowMs + timing.ttlMs;

/** Whether `holder` may do the work now under `lease` (undefined: nobody holds it). */
export function mayAct(lease: Lease | undefined, holder: string, nowMs: number, timing: LeaseTiming): boolean {
  return lease !== undefined && lease.holder === holder && lease.expiresAtMs - nowMs >= timing.marginMs;
}
