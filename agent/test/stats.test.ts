/**
 * Statistics end to end against the fake hub: predictions become a window on the device's
 * stats topic, in the wire encoding, that decodes to a valid window and counts what was sent; with the broker
 * down windows wait on disk and arrive in order once it is back, none twice, none lost, also
 * across an agent restart; activating a new version closes the old version's window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { binOf, decodeStatsWindow, statsTopic, statsWindowSchema, utf8Encode, type ReferenceProfile, type StatsWindow, type TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import type { FakeHub } from './support/fake-hub';
import { SILERO_V6, runDirect, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent } from './support/wait';

const DEVICE = 'dev-stats';
const FEATURE_EDGES = [-0.5, -0.1, 0, 0.1, 0.5];
const OUTPUT_EDGES = [0, 0.01, 0.1, 1];
const bins = (edges: number[]) => ({ edges, counts: new Array<number>(edges.length - 1).fill(1), underflow: 0, overflow: 0, missing: 0, mean: 0, sd: 0.3 });
const REFERENCE: ReferenceProfile = {
  rows: 100,
  features: [0, 1, 2].map((index) => ({ name: `s${index}`, kind: 'numeric' as const, source: { input: 'input', index }, bins: bins(FEATURE_EDGES) })),
  outputs: [{ name: 'output', kind: 'numeric', bins: bins(OUTPUT_EDGES) }],
  ood: null,
};

describe('agent statistics against a fake hub', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;
  const topic = statsTopic(DEVICE);
  // The fake hub hands over parsed JSON; the wire form decodes from its bytes.
  const decoded = (payload: unknown): StatsWindow => decodeStatsWindow(utf8Encode(JSON.stringify(payload)), 'stats');
  const windows = () => hub.published.filter((m) => m.topic === topic).map((m) => decoded(m.payload));
  const outboxFiles = () => readdir(join(device.dataDir, 'outbox'));
  const predict = async (inputs: Record<string, TensorJson>) => (await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) })).status;

  // A long interval: the tests close windows themselves (flushStats, activation), never the timer.
  const deploy = (seq: number, manifest: SileroRelease['manifest']) => device.deploy(seq, manifest, { statsIntervalS: 86_400 });

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-stats-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, reference: REFERENCE });
    hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start();
    await device.publishAndServe(await deploy(1, v1.manifest), '1');
  });

  afterAll(() => device?.close());

  it('publishes a window whose counts match the predictions', async () => {
    const seeds = [1, 2, 3];
    for (const seed of seeds) expect(await predict(sileroInputs(seed))).toBe(200);
    const bad = sileroInputs(1);
    expect(await predict({ ...bad, input: { ...bad.input!, dims: [2, 512] } })).toBe(400);
    await agent.flushStats();
    const payload = await hub.nextPublish(topic, () => true);
    expect(payload).toMatchObject({ v: 1 });
    const window = decoded(payload);
    expect(window).toMatchObject({ device: DEVICE, model: 'vad', version: '1', sha256: v1.sha256, n: 3, errors: { E_SCHEMA: 1 }, ood: null });
    expect(window.latencyMs.counts.reduce((a, b) => a + b, 0) + window.latencyMs.overflow).toBe(3);

    for (const index of [0, 1, 2]) {
      const counts = new Array<number>(FEATURE_EDGES.length - 1).fill(0);
      for (const seed of seeds) {
        const slot = binOf(FEATURE_EDGES, sileroInputs(seed).input!.data[index] as number);
        if (typeof slot === 'number') counts[slot]!++;
      }
      expect(window.features[index]).toMatchObject({ kind: 'numeric', counts });
    }
    const outputCounts = new Array<number>(OUTPUT_EDGES.length - 1).fill(0);
    for (const seed of seeds) {
      const slot = binOf(OUTPUT_EDGES, (await runDirect(v1.bytes, sileroInputs(seed))).output!.data[0] as number);
      if (typeof slot === 'number') outputCounts[slot]!++;
    }
    expect(window.outputs[0]).toMatchObject({ kind: 'numeric', counts: outputCounts });
    // Acknowledged, so it left the disk.
    await expect.poll(outboxFiles).toEqual([]);
  });

  it('queues windows on disk while the broker is down and delivers them in order once it is back', async () => {
    const before = windows().length;
    await hub.stopMqtt();
    for (const rows of [1, 2, 3]) {
      for (let i = 0; i < rows; i++) expect(await predict(sileroInputs(i + 4))).toBe(200);
      await agent.flushStats();
    }
    expect(await outboxFiles()).toHaveLength(3);

    await hub.startMqtt();
    await hub.nextPublish(topic, (p) => decoded(p).n === 3 && windows().length >= before + 3);
    const delivered = windows().slice(before);
    expect(delivered.map((w) => w.n)).toEqual([1, 2, 3]);
    expect(delivered.every((w) => statsWindowSchema.safeParse(w).success)).toBe(true);
    const ids = windows().map((w) => w.msgId);
    expect(new Set(ids).size).toBe(ids.length);
    await expect.poll(outboxFiles).toEqual([]);
  });

  it('keeps queued windows across an agent restart and sends them when the broker is back', async () => {
    const before = windows().length;
    await hub.stopMqtt();
    expect(await predict(sileroInputs(9))).toBe(200);
    expect(await predict(sileroInputs(10))).toBe(200);
    await agent.close(); // the last window is stored on the way out
    expect(await outboxFiles()).toHaveLength(1);

    agent = await device.start();
    await hub.startMqtt();
    const delivered = decoded(await hub.nextPublish(topic, () => windows().length > before));
    expect(delivered).toMatchObject({ n: 2, version: '1', device: DEVICE });
    await expect.poll(outboxFiles).toEqual([]);
    const ids = windows().map((w) => w.msgId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('closes the window of the old version when a new one is activated', async () => {
    const before = windows().length;
    const v2 = await sileroRelease({ baseUrl: hub.httpUrl, version: '2', releaseCounter: 2, reference: null }, SILERO_V6);
    hub.artifacts.set(v2.sha256, v2.bytes);
    expect(await predict(sileroInputs(11))).toBe(200);
    const activated = nextEvent(agent, (e) => e.kind === 'activated' && e.seq === 2, 'v2 activated');
    await hub.publishDesired(DEVICE, await deploy(2, v2.manifest));
    await activated;
    const old = decoded(await hub.nextPublish(topic, () => windows().length > before));
    expect(old).toMatchObject({ version: '1', sha256: v1.sha256, n: 1 });

    expect(await predict(sileroInputs(12))).toBe(200);
    await agent.flushStats();
    const next = decoded(await hub.nextPublish(topic, (p) => decoded(p).version === '2'));
    expect(next).toMatchObject({ sha256: v2.sha256, n: 1, features: [], outputs: [], ood: null });
  });
});
