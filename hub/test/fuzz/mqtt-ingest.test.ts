/**
 * Fuzzing device messages end to end: a real hub with its embedded broker, a real device client
 * publishing hostile payloads on its own state, events, online and stats topics (arbitrary bytes,
 * arbitrary JSON, mutations of valid messages the protocol refuses). The hub decides on every one
 * (a rejection, counted), the device's row, events and statistics stay exactly as they were, and
 * a valid window another device publishes at the same time is still ingested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import {
  LATENCY_EDGES_MS,
  ProtocolError,
  decodeMessage,
  decodeStatsWindow,
  deviceEventSchema,
  deviceTopic,
  onlineMessageSchema,
  reportedStateSchema,
  type DeviceEvent,
  type StatsWindow,
} from '@edgefleet/protocol';
import type { Hub } from '../../src/index';
import { DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from '../../src/core/publish-admission';
import { api, connectDevice, enrol, makeTempDir, report, testHub, type TempDir } from '../support';
import { until } from '../../../test/support/process';
import { anyJson, deeplyNested, fuzz, hostileBytes, mutationOf, runs, type Json } from '../../../test/support/fuzz';
import { classifierOnnx, ingestDecisions, read } from './support';

const MODEL = 'fuzz-cls';
const VERSION = '1';
const KINDS = ['state', 'events', 'online', 'stats'] as const;
type Kind = (typeof KINDS)[number];
/** The embedded broker drops a connection over 256 KiB packets; fuzzing stays under it (that limit has its own tests). */
const MAX_PAYLOAD = 200_000;

/**
 * The suite publishes far more than a device may (a burst of 20 `online` messages ends the
 * connection, as publish-admission tests show): its device gets room for every run.
 */
const ROOMY = { capacity: 100_000, perSecond: 1_000 };
const FUZZ_ADMISSION: AdmissionLimits = {
  ...DEFAULT_ADMISSION_LIMITS,
  perDevice: { state: ROOMY, events: ROOMY, online: ROOMY, stats: ROOMY },
};

/** Whether the protocol refuses `bytes` on the `kind` topic (what this suite publishes); throws on anything but a ProtocolError. */
function refused(kind: Kind, bytes: Uint8Array): boolean {
  try {
    if (kind === 'state') decodeMessage(reportedStateSchema, bytes, 'state');
    else if (kind === 'events') decodeMessage(deviceEventSchema, bytes, 'event');
    else if (kind === 'online') decodeMessage(onlineMessageSchema, bytes, 'online');
    else decodeStatsWindow(bytes, 'stats');
    return false;
  } catch (error) {
    if (error instanceof ProtocolError) return true;
    throw error;
  }
}

describe('fuzzing MQTT device payloads through a real hub and broker', () => {
  let dir: TempDir;
  let hub: Hub;
  let sha256 = '';
  let target: MqttClient;
  let bystander: MqttClient;
  let windowsSeq = 0;
  let bystanderWindows = 0;

  const window = (device: string): StatsWindow => ({
    msgId: `fuzz-${device}-${++windowsSeq}`,
    device,
    model: MODEL,
    version: VERSION,
    sha256,
    windowStart: new Date(Date.now() - 5 * 60_000).toISOString(),
    windowEnd: new Date().toISOString(),
    n: 4,
    errors: {},
    latencyMs: { counts: Array.from({ length: LATENCY_EDGES_MS.length - 1 }, (_, i) => (i === 3 ? 4 : 0)), underflow: 0, overflow: 0, missing: 0, sum: 2, sumSq: 1, min: 0.4, max: 0.6 },
    features: [],
    outputs: [],
    ood: null,
  });
  const valid = (kind: Kind): Json => {
    const now = new Date().toISOString();
    if (kind === 'state') return report('fz-1', { seq: 0, at: now }) as unknown as Json;
    if (kind === 'events') return { id: 'evt-fuzz-00000001', device: 'fz-1', kind: 'installed', at: now } satisfies DeviceEvent;
    if (kind === 'online') return { online: true };
    return window('fz-1') as unknown as Json;
  };
  const encode = (value: Json): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
  const publish = (client: MqttClient, device: string, kind: Kind, bytes: Uint8Array) => client.publishAsync(deviceTopic(device, kind), Buffer.from(bytes), { qos: 1 });

  // A fixed range: the stats view's default one moves with the clock.
  const range = `from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 86_400_000).toISOString()}`;
  /** Everything of fz-1 a message could change: its row (state, presence, last error), events and statistics. */
  const snapshot = async () => ({
    device: await read(hub, '/api/v1/devices/fz-1'),
    events: await read(hub, '/api/v1/devices/fz-1/events'),
    stats: await read(hub, `/api/v1/models/${MODEL}/versions/${VERSION}/stats?device=fz-1&${range}`),
  });
  const bystanderCount = async (): Promise<number> => (await read<{ windows: number }>(hub, `/api/v1/models/${MODEL}/versions/${VERSION}/stats?device=fz-2&${range}`)).windows;

  /** Publishes `payloads` as fz-1 and one valid window as fz-2, and waits until the hub decided on all of them. */
  async function publishAndSettle(payloads: ReadonlyArray<{ kind: Kind; bytes: Uint8Array }>): Promise<void> {
    const decided = await ingestDecisions(hub);
    for (const { kind, bytes } of payloads) await publish(target, 'fz-1', kind, bytes);
    await publish(bystander, 'fz-2', 'stats', encode(window('fz-2') as unknown as Json));
    bystanderWindows++;
    await until(async () => ((await ingestDecisions(hub)) >= decided + payloads.length + 1 && (await bystanderCount()) === bystanderWindows ? true : undefined), 'the hub to decide on every message', 30_000);
  }

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path, { admissionLimits: FUZZ_ADMISSION });
    const upload = await api<{ sha256: string }>(hub, 'POST', `/api/v1/models/${MODEL}/versions?version=${VERSION}`, { bytes: classifierOnnx() });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    sha256 = upload.body.sha256;
    target = await connectDevice(hub, 'fz-1', await enrol(hub, 'fz-1'));
    bystander = await connectDevice(hub, 'fz-2', await enrol(hub, 'fz-2'));
    // fz-1 has a state, an event and a window before the fuzzing, so "unchanged" means something.
    await publish(target, 'fz-1', 'state', encode(valid('state')));
    await publish(target, 'fz-1', 'events', encode(valid('events')));
    await publish(target, 'fz-1', 'stats', encode(valid('stats')));
    await until(async () => ((await snapshot()).stats as { windows: number }).windows === 1 && (await read<{ events: unknown[] }>(hub, '/api/v1/devices/fz-1/events')).events.length === 1 || undefined, 'fz-1 ingested', 30_000);
  }, 60_000);

  afterAll(async () => {
    target?.end(true);
    bystander?.end(true);
    await hub?.close();
    await dir?.remove();
  });

  it('hostile payloads on a device topic change nothing of the device, and other devices keep being ingested', async () => {
    const hostile = fc
      .constantFrom(...KINDS)
      .chain((kind) => fc.oneof(hostileBytes(), anyJson().map(encode), mutationOf(valid(kind)).map((m) => new TextEncoder().encode(m.text))).map((bytes) => ({ kind, bytes })))
      .filter(({ kind, bytes }) => bytes.length <= MAX_PAYLOAD && refused(kind, bytes));
    const before = await snapshot();
    await fuzz(
      fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 4 }), async (payloads) => {
        await publishAndSettle(payloads);
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: runs(30), runTimeoutMs: 45_000 },
    );
    // Still a device the hub listens to: a valid window and report from it are taken.
    await publish(target, 'fz-1', 'stats', encode(valid('stats')));
    await publish(target, 'fz-1', 'state', encode(report('fz-1', { seq: 1, at: new Date().toISOString() }) as unknown as Json));
    await until(async () => {
      const after = await snapshot();
      return (after.stats as { windows: number }).windows === 2 && (after.device as { state: { seq: number } | null }).state?.seq === 1 ? true : undefined;
    }, 'fz-1 ingested after the fuzzing', 30_000);
  }, 300_000);

  it('found by fuzzing: deep nesting beside a \\u escape is refused (E_BAD_JSON or E_SCHEMA), never fails the batch it came in', async () => {
    const before = await snapshot();
    const deep = new TextEncoder().encode(`{"device":${deeplyNested(90_000, '"\\u0041"')}}`);
    expect(deep.length).toBeLessThan(MAX_PAYLOAD);
    const rejected = async (): Promise<number> => Object.values((await read<{ ingest: { rejected: Record<string, number> } }>(hub, '/api/v1/broker/stats')).ingest.rejected).reduce((a, b) => a + b, 0);
    const rejectedBefore = await rejected();
    await publishAndSettle(KINDS.map((kind) => ({ kind, bytes: deep })));
    expect(await rejected()).toBe(rejectedBefore + KINDS.length);
    expect(await snapshot()).toEqual(before);
  }, 120_000);
});
