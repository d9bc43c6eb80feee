/**
 * Issue 16 item 6: a device reconnecting in a loop wrote two audit rows per connection, without
 * bound. Given a real hub and a real MQTT client with the device's credentials, when it connects
 * and disconnects 200 times, then the audit trail holds at most one `device.online`/`offline` row
 * per device a minute (the clock is the hub's, advanced by the test) and the next row says how
 * many changes were left out, while the device's online flag follows every connection.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { TestClock } from '../../test/support/test-clock';
import { api, connectDevice, enrol, useTestHub } from './support';

type AuditRow = { action: string; details: { source?: string; suppressed?: number } };
const DEVICE = 'dev-flap';
const SENTINEL = 'dev-sentinel';
const CYCLES = 200;

describe('presence audit rows under a reconnect loop', () => {
  const clock = new TestClock();
  let hub: Hub;
  useTestHub((started) => (hub = started.hub), { now: clock.now });

  const presenceRows = async (): Promise<AuditRow[]> =>
    (await api<{ entries: AuditRow[] }>(hub, 'GET', `/api/v1/audit?subject=device:${DEVICE}&action=device.o&limit=1000`)).body.entries;
  const online = async (): Promise<boolean> => (await api<{ online: boolean }>(hub, 'GET', `/api/v1/devices/${DEVICE}`)).body.online;

  /**
   * Every change of the loop applied: the broker holds no connection (each close handed its change
   * to ingestion), then a sentinel device's change, queued after all of them, is seen applied
   * (ingestion applies in order). The flag alone can read false while the loop's last changes wait.
   */
  const settled = async (): Promise<void> => {
    await expect.poll(async () => (await api<{ broker: { connections: number } }>(hub, 'GET', '/api/v1/broker/stats')).body.broker.connections, { timeout: 10_000 }).toBe(0);
    const sentinel = await connectDevice(hub, SENTINEL, sentinelSecret);
    await expect.poll(async () => (await api<{ online: boolean }>(hub, 'GET', `/api/v1/devices/${SENTINEL}`)).body.online, { timeout: 10_000 }).toBe(true);
    await sentinel.endAsync();
  };
  let sentinelSecret = '';

  it('keeps at most one row per device a minute, counts the rest, and still tracks the device', async () => {
    const secret = await enrol(hub, DEVICE);
    sentinelSecret = await enrol(hub, SENTINEL);
    const started = Date.now();
    // The first connection is seen by the hub before it ends, so at least one change is audited
    // (a connection that comes and goes within one ingest batch changes nothing, on a fast machine every time).
    const first = await connectDevice(hub, DEVICE, secret);
    await expect.poll(online, { timeout: 10_000 }).toBe(true);
    await first.endAsync();
    await expect.poll(online, { timeout: 10_000 }).toBe(false);
    for (let i = 1; i < CYCLES; i++) {
      const client = await connectDevice(hub, DEVICE, secret);
      await client.endAsync();
    }
    const elapsedMs = Date.now() - started;
    await expect.poll(online, { timeout: 10_000 }).toBe(false);
    await settled();

    const rows = await presenceRows();
    // One row, plus one per minute the loop took on a slow machine.
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(1 + Math.ceil(elapsedMs / 60_000));
    expect(rows.at(-1)).toMatchObject({ action: 'device.online', details: { source: 'connection' } });

    // A minute later (the hub's clock) the next change is audited again, saying how many were left out.
    clock.advance(2);
    const client = await connectDevice(hub, DEVICE, secret);
    await expect.poll(online, { timeout: 10_000 }).toBe(true);
    const after = await presenceRows();
    expect(after.length).toBe(rows.length + 1);
    expect(after[0]).toMatchObject({ action: 'device.online' });
    const suppressed = after.slice(0, -1).reduce((sum, row) => sum + (row.details.suppressed ?? 0), 0);
    // Changes of one batch collapse to its last (a connection that came and went leaves none): fewer than 2 per cycle.
    expect(suppressed).toBeGreaterThan(0);
    expect(suppressed).toBeLessThan(2 * CYCLES);
    await client.endAsync();
    await expect.poll(online, { timeout: 10_000 }).toBe(false);
  }, 180_000);
});
