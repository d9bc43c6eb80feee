/**
 * The ingest bench's calls to the hub's admin API: a typed request, enrolling the devices, and
 * waiting on the ingest counters until windows are committed.
 */
import type { Hub } from '@edgefleet/hub';
import type { DeviceCredentials } from './messages';

export async function call<T>(hub: Hub, method: string, path: string, body?: unknown, bytes?: Uint8Array<ArrayBuffer>): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${hub.adminToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (bytes) headers['content-type'] = 'text/csv';
  const response = await fetch(`${hub.httpUrl}${path}`, { method, headers, ...(bytes ? { body: bytes } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

export async function enrolAll(hub: Hub, ids: readonly string[]): Promise<DeviceCredentials[]> {
  const queue = [...ids];
  const enrolled: DeviceCredentials[] = [];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const { secret } = await call<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id });
      enrolled.push({ id, secret });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return enrolled;
}

/** Waits (polling the counters, deadline 2 min) until `total` statistics windows were committed since the hub started. */
export async function committedAll(hub: Hub, total: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (committed(await call(hub, 'GET', '/api/v1/broker/stats')) < total) {
    if (Date.now() > deadline) throw new Error(`the hub did not commit ${total} windows within 2 minutes`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

export const committed = (stats: { ingest: { received: Record<string, number>; rejected: Record<string, number> } }): number => (stats.ingest.received.stats ?? 0) + (stats.ingest.rejected.E_DUPLICATE ?? 0);
