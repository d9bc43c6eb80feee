/**
 * Admission control on the embedded broker: a device publishing statistics faster than its
 * limit is refused before ingestion (no PUBACK, so a real agent keeps the window) and
 * disconnected; the refusal is counted. Limits are small here so the test is quick.
 */
import { describe, expect, it } from 'vitest';
import { statsTopic } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { DEFAULT_ADMISSION_LIMITS } from '../src/core/publish-admission';
import { api, closed, connectDevice, enrol, useTestHub } from './support';

type BrokerStats = { broker: { publishRateLimited: number }; ingest: { received: Record<string, number>; rejected: Record<string, number> } };

describe('admission control', () => {
  let hub: Hub;
  useTestHub(
    (started) => {
      hub = started.hub;
    },
    { admissionLimits: { ...DEFAULT_ADMISSION_LIMITS, perDevice: { ...DEFAULT_ADMISSION_LIMITS.perDevice, stats: { capacity: 2, perSecond: 0.001 } } } },
  );
  const stats = async (): Promise<BrokerStats> => (await api<BrokerStats>(hub, 'GET', '/api/v1/broker/stats')).body;
  const ingested = (s: BrokerStats): number => (s.ingest.received.stats ?? 0) + Object.values(s.ingest.rejected).reduce((a, b) => a + b, 0);

  it('refuses and disconnects a device over its statistics rate; what it was refused never reaches ingestion', async () => {
    const client = await connectDevice(hub, 'adm-1', await enrol(hub, 'adm-1'));
    const before = await stats();
    // Two fit the burst (ingestion rejects their payload, which is counted), the third is over the limit.
    await client.publishAsync(statsTopic('adm-1'), '{}', { qos: 1 });
    await client.publishAsync(statsTopic('adm-1'), '{}', { qos: 1 });
    const gone = closed(client);
    client.publish(statsTopic('adm-1'), '{}', { qos: 1 });
    await gone;
    client.end(true);
    await expect.poll(async () => (await stats()).broker.publishRateLimited).toBe(before.broker.publishRateLimited + 1);
    expect(ingested(await stats()) - ingested(before)).toBe(2);
  });

  it('limits each device on its own: another device still publishes', async () => {
    const other = await connectDevice(hub, 'adm-2', await enrol(hub, 'adm-2'));
    const before = await stats();
    await other.publishAsync(statsTopic('adm-2'), '{}', { qos: 1 });
    await expect.poll(async () => ingested(await stats())).toBe(ingested(before) + 1);
    expect(other.connected).toBe(true);
    other.end(true);
  });
});
