/**
 * Webhook notifications (alerts now, rollout halts and rollbacks later): queued as rows in the
 * same transaction as the change they announce, then delivered with retries by a scheduled job
 * (and right after queueing), so a crash or a receiver outage loses none. Without a configured
 * webhook they are stored as `skipped`: the history stays visible over the API.
 */
import { dueNotifications, insertNotification, updateNotification, type NotificationRow } from '../../adapters/db/notifications';
import type { Db } from '../../adapters/db/open';
import { postWebhook, webhookOrigin, type WebhookTarget } from '../../adapters/webhook';
import { webhookRetryDelayMs } from '../../core/webhook-retry';
import type { HubContext } from '../context';

export type NotificationKind = 'alert.opened' | 'alert.escalated' | 'alert.resolved' | 'training.triggered' | 'rollout.halted' | 'rollout.rolled-back' | 'rollout.aborted' | 'rollout.superseded';

export function queueNotification(db: Db, webhook: WebhookTarget | null, at: Date, kind: NotificationKind, data: Record<string, unknown>): number {
  const iso = at.toISOString();
  return insertNotification(db, { kind, payload: data, createdAt: iso, nextAttemptAt: iso, status: webhook ? 'pending' : 'skipped' });
}

export interface DeliveryRun {
  delivered: number;
  retrying: number;
  failed: number;
}

const inFlight = new WeakMap<HubContext, Promise<DeliveryRun>>();

/** Sends every due notification once; concurrent callers share the run in progress. */
export function deliverDueNotifications(ctx: HubContext): Promise<DeliveryRun> {
  const running = inFlight.get(ctx);
  if (running) return running;
  const run = deliver(ctx).finally(() => inFlight.delete(ctx));
  inFlight.set(ctx, run);
  return run;
}

/** Starts a delivery run in the background (right after queueing); failures are logged, the job retries. */
export function kickDelivery(ctx: HubContext): void {
  deliverDueNotifications(ctx).catch((error: unknown) => ctx.logger.error('webhook delivery run failed', { error: error instanceof Error ? error.message : String(error) }));
}

async function deliver(ctx: HubContext): Promise<DeliveryRun> {
  const result: DeliveryRun = { delivered: 0, retrying: 0, failed: 0 };
  const webhook = ctx.alerting.webhook;
  if (!webhook) return result;
  for (const row of dueNotifications(ctx.db, ctx.now().toISOString())) {
    const outcome = await postWebhook(webhook, String(row.id), row.kind, bodyOf(row));
    const attempts = row.attempts + 1;
    const now = ctx.now();
    if (outcome.ok) {
      updateNotification(ctx.db, row.id, { status: 'delivered', attempts, deliveredAt: now.toISOString(), lastError: null });
      result.delivered++;
      continue;
    }
    const delay = webhookRetryDelayMs(attempts);
    if (delay === null) {
      updateNotification(ctx.db, row.id, { status: 'failed', attempts, lastError: outcome.error });
      ctx.logger.error('webhook notification given up', { id: row.id, kind: row.kind, webhook: webhookOrigin(webhook.url), attempts, error: outcome.error });
      result.failed++;
    } else {
      updateNotification(ctx.db, row.id, { attempts, lastError: outcome.error, nextAttemptAt: new Date(now.getTime() + delay).toISOString() });
      ctx.logger.warn('webhook delivery failed, will retry', { id: row.id, kind: row.kind, webhook: webhookOrigin(webhook.url), attempts, retryInS: delay / 1000, error: outcome.error });
      result.retrying++;
    }
    // The receiver is probably down: the rest stay due for the next run instead of each waiting out a timeout now.
    break;
  }
  return result;
}

const bodyOf = (row: NotificationRow): string => JSON.stringify({ id: row.id, kind: row.kind, at: row.createdAt, data: row.payload });
