/**
 * A device that connects again while its old connection is still open (a reboot before the broker
 * noticed the old socket died) takes the session over: the broker closes the old connection, and
 * that close must not mark the device offline while the new connection serves it.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { api, closed, connectDevice, enrol, useTestHub } from './support';

describe('a session taken over by a new connection', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));
  const online = async (id: string): Promise<boolean> => (await api<{ online: boolean }>(hub, 'GET', `/api/v1/devices/${id}`)).body.online;

  it('keeps the device online through its new connection', async () => {
    const secret = await enrol(hub, 'dev-again');
    const sentinelSecret = await enrol(hub, 'dev-sentinel');
    const old = await connectDevice(hub, 'dev-again', secret);
    await expect.poll(() => online('dev-again'), { timeout: 10_000 }).toBe(true);
    const oldClosed = closed(old);
    const fresh = await connectDevice(hub, 'dev-again', secret);
    await oldClosed;
    // Ingestion applies changes in order: once the sentinel's connection is seen, the takeover's are too.
    const sentinel = await connectDevice(hub, 'dev-sentinel', sentinelSecret);
    await expect.poll(() => online('dev-sentinel'), { timeout: 10_000 }).toBe(true);
    expect(await online('dev-again')).toBe(true);
    await sentinel.endAsync();
    await fresh.endAsync();
    await expect.poll(() => online('dev-again'), { timeout: 10_000 }).toBe(false);
  });
});
