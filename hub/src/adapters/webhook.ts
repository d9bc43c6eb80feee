/**
 * Posts one notification to the operator's webhook. With a secret, the body is signed with
 * HMAC-SHA256 (`X-Edgefleet-Signature: sha256=<hex>`, as GitHub does) so the receiver can tell it
 * came from this hub. The URL may carry a token, so only its origin is ever logged.
 */
import { createHmac } from 'node:crypto';

export interface WebhookTarget {
  url: string;
  secret?: string;
  /** default 10 s */
  timeoutMs?: number;
}

export type WebhookResult = { ok: true; status: number } | { ok: false; error: string };

export const webhookOrigin = (url: string): string => new URL(url).origin;

export async function postWebhook(target: WebhookTarget, id: string, kind: string, body: string): Promise<WebhookResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'edgefleet-hub',
    'x-edgefleet-event': kind,
    // Receivers dedupe on it: a delivery whose response was lost is sent again.
    'x-edgefleet-delivery': id,
  };
  if (target.secret) headers['x-edgefleet-signature'] = `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`;
  try {
    const response = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(target.timeoutMs ?? 10_000), redirect: 'error' });
    // The answer's body says nothing we use: let it go without waiting (a body read can stay
    // pending for ever when the timeout aborts it midway in Node 20, nodejs/node#56917, and would
    // hold the delivery).
    response.body?.cancel().catch(() => undefined);
    return response.ok ? { ok: true, status: response.status } : { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { ok: false, error: `${error instanceof Error ? error.name === 'TimeoutError' ? 'timed out' : error.message : String(error)}${cause}` };
  }
}
