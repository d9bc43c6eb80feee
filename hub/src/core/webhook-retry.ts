/**
 * When to retry a webhook delivery: doubling from one minute up to an hour, and give up after
 * `WEBHOOK_MAX_ATTEMPTS` (about a day of trying), so a receiver that is down for maintenance
 * still gets every notification, and a dead one stops costing requests.
 */
export const WEBHOOK_MAX_ATTEMPTS = 30;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 3_600_000;

/** Delay before the next attempt after `attempts` failed ones, or null to give up. */
export function webhookRetryDelayMs(attempts: number): number | null {
  if (attempts >= WEBHOOK_MAX_ATTEMPTS) return null;
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}
