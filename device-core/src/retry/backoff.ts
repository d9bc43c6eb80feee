/** Exponential backoff with jitter, pure so tests pin the random source. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * attempt 0 -> about baseMs, doubling, capped at maxMs. Jitter takes the delay down to half at
 * most, so a fleet that lost its hub at the same moment does not come back in lockstep.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
