/**
 * Webhook notifications (alerts now, rollout halts and rollbacks later): queued as rows in the
 * same transaction as the change they announce, then delivered with retries by a scheduled job
 * (and right after queueing), so a crash or a receiver outage loses none. Without a configured
 * webhook they are stored as `skipped`: the history stays visible over the API. The replica
 * that queued one kicks a delivery run, so runs on several replicas can overlap: each claims a
 * notification before sending it and records the outcome only while its claim stands.
 */
import { claimDueNotification, insertNotification, settleNotification, type NotificationRow } from '../../adapters/db/notifications';
import type { Db } from '../../adapters/db/db';
import { postWebhook, webhookOrigin, type WebhookTarget } from '../../adapters/webhook';
import { webhookRetryDelayMs } from '../../core/webhook-retry';
import type { HubContext } from '../context';

export type NotificationKind = 'alert.opened' | 'alert.escalated' | 'alert.resolved' | 'training.triggered' | 'rollout.halted' | 'rollout.rolled-back' | 'rollout.aborted' | 'rollout.superseded';

/** Queues one notification on `db` (the transaction of the change it announces); resolves with its id. */
export async function queueNotification(db: Db, webhook: WebhookTarget | null, at: Date, kind: NotificationKind, data: Record<string, unknown>): Promise<number> {
  const iso = at.toISOString();
  return insertNotification(db, { kind, payload: data, createdAt: iso, nextAttemptAt: iso, status: webhook ? 'pending' : 'skipped' });
}

export interface DeliveryRun {
  delivered: number;
  retrying: number;
  failed: number;
}

/** What delivery uses of the hub (callers pass the whole context). */
export type DeliveryDeps = Pick<HubContext, 'db' | 'now' | 'logger' | 'alerting'>;

/** Notifications sent per run at most: a long backlog is worked off over several runs. */
const MAX_PER_RUN = 50;
const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/**
 * How long past the request's own timeout a claim lasts: a notification whose sender died
 * becomes due again after it, and a sender slower than it finds its claim gone and writes nothing.
 */
const CLAIM_MARGIN_MS = 60_000;

const inFlight = new WeakMap<DeliveryDeps, Promise<DeliveryRun>>();

/**
 * Sends every due notification once; concurrent callers on this hub share the run in progress.
 * Another replica's run may drain at the same time (a delivery kicked after a rollout halted
 * there, or the scheduled job): each notification is claimed before it is sent, so the two take
 * different ones (adapters/db/notifications.ts).
 */
export function deliverDueNotifications(deps: DeliveryDeps): Promise<DeliveryRun> {
  const running = inFlight.get(deps);
  if (running) return running;
  const run = deliver(deps).finally(() => inFlight.delete(deps));
  inFlight.set(deps, run);
  return run;
}

/** Starts a delivery run in the background (right after queueing); failures are logged, the job retries. */
export function kickDelivery(deps: DeliveryDeps): void {
  deliverDueNotifications(deps).catch((error: unknown) => deps.logger.error('webhook delivery run failed', { error: error instanceof Error ? error.message : String(error) }));
}

async function deliver(deps: DeliveryDeps): Promise<DeliveryRun> {
  const result: DeliveryRun = { delivered: 0, retrying: 0, failed: 0 };
  const webhook = deps.alerting.webhook;
  if (!webhook) return result;
  const claimMs = (webhook.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS) + CLAIM_MARGIN_MS;
  for (let sent = 0; sent < MAX_PER_RUN; sent++) {
    const claimedAt = deps.now();
    const row = await claimDueNotification(deps.db, claimedAt.toISOString(), new Date(claimedAt.getTime() + claimMs).toISOString());
    if (!row) break;
    const outcome = await postWebhook(webhook, String(row.id), row.kind, bodyOf(row));
    const attempts = row.attempts + 1;
    const now = deps.now();
    const nowIso = now.toISOString();
    const log = { id: row.id, kind: row.kind, webhook: webhookOrigin(webhook.url), attempts };
    if (outcome.ok) {
      // No attempt is due any more: nextAttemptAt keeps the time of the last one.
      if (await settle(deps, row, { status: 'delivered', attempts, deliveredAt: nowIso, lastError: null, nextAttemptAt: nowIso })) result.delivered++;
      continue;
    }
    const delay = webhookRetryDelayMs(attempts);
    if (delay === null) {
      if (await settle(deps, row, { status: 'failed', attempts, lastError: outcome.error, nextAttemptAt: nowIso })) {
        deps.logger.error('webhook notification given up', { ...log, error: outcome.error });
        result.failed++;
      }
    } else if (await settle(deps, row, { attempts, lastError: outcome.error, nextAttemptAt: new Date(now.getTime() + delay).toISOString() })) {
      deps.logger.warn('webhook delivery failed, will retry', { ...log, retryInS: delay / 1000, error: outcome.error });
      result.retrying++;
    }
    // The receiver is probably down: the rest stay due for the next run instead of each waiting out a timeout now.
    break;
  }
  return result;
}

/** Writes an attempt's outcome if the claim still stands; a lapsed one was taken over by another run, which records its own. */
async function settle(deps: DeliveryDeps, row: NotificationRow, outcome: Parameters<typeof settleNotification>[2]): Promise<boolean> {
  if (await settleNotification(deps.db, row, outcome)) return true;
  deps.logger.warn('webhook notification claim lapsed before its attempt was recorded', { id: row.id, kind: row.kind });
  return false;
}

const bodyOf = (row: NotificationRow): string => JSON.stringify({ id: row.id, kind: row.kind, at: row.createdAt, data: row.payload });
