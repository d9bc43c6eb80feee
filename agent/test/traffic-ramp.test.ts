/**
 * Traffic ramp-up on one device (issue 17 item 4), a real agent with real onnxruntime sessions
 * (Silero VAD v5 serving, v6 the candidate) behind a fake hub: a doc naming v6 as its shadow with
 * a trafficShare has v6 answer that share of the requests, sticky per request key (HTTP `key`,
 * in-process `{ key }`), each answer named and computed by the version that gave it, and counted
 * in a statistics window of that version; raising the share keeps every key already on v6 there
 * and fetches nothing; a doc without the shadow unloads it and every request is v5's again,
 * without a download. A bad key is refused (E_SCHEMA naming `key`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePredictionId, decodeStatsWindow, statsTopic, utf8Encode, type StatsWindow, type TensorJson } from '@edgefleet/protocol';
import { trafficPointOf } from '@edgefleet/device-core';
import type { Agent, TypedTensor } from '../src/agent';
import { AgentError } from '../src/errors';
import type { FakeHub } from './support/fake-hub';
import { SILERO_V6, runDirect, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextReport } from './support/wait';

const DEVICE = 'dev-traffic';
const KEYS = Array.from({ length: 40 }, (_, i) => `user-${i}`);
const SEEDS = [1, 2, 3];

interface Answer {
  model: string;
  version: string;
  outputs: Record<string, TensorJson>;
  predictionIds: string[];
}

describe('traffic ramp-up on a device', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;
  let v2: SileroRelease;
  /** each version's own answer per seed, from a bare onnxruntime session */
  const expected = new Map<string, Record<string, TensorJson>>();
  const topic = statsTopic(DEVICE);
  const windows = (): StatsWindow[] => hub.published.filter((m) => m.topic === topic).map((m) => decodeStatsWindow(utf8Encode(JSON.stringify(m.payload)), 'stats'));

  const deploy = async (seq: number, ramp: { shadow: boolean; share?: number }) =>
    device.deploy(seq, v1.manifest, {
      statsIntervalS: 86_400,
      ...(ramp.shadow ? { shadow: await device.signed(v2.manifest) } : {}),
      ...(ramp.share === undefined ? {} : { trafficShare: ramp.share }),
    });
  const post = (body: unknown) => fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** one request: answered with the outputs of the version it names, its prediction ids naming that version too */
  const predict = async (seed: number, key?: string): Promise<string> => {
    const res = await post({ inputs: sileroInputs(seed), ...(key === undefined ? {} : { key }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.outputs.output).toEqual(expected.get(`${body.version}/${seed}`)?.output);
    expect(body.predictionIds.map((id) => decodePredictionId(id).version)).toEqual([body.version]);
    return body.version;
  };
  const accepted = (seq: number) => expect.poll(() => agent.status().seq, { timeout: 15_000 }).toBe(seq);
  const downloads = () => [hub.downloads.get(v1.sha256) ?? 0, hub.downloads.get(v2.sha256) ?? 0];

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-traffic-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    v2 = await sileroRelease({ baseUrl: hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    hub.artifacts.set(v1.sha256, v1.bytes);
    hub.artifacts.set(v2.sha256, v2.bytes);
    for (const seed of SEEDS) {
      expected.set(`1/${seed}`, await runDirect(v1.bytes, sileroInputs(seed)));
      expected.set(`2/${seed}`, await runDirect(v2.bytes, sileroInputs(seed)));
    }
    // The two versions answer differently: a response's numbers say which one computed it.
    expect(expected.get('1/1')?.output).not.toEqual(expected.get('2/1')?.output);
    agent = await device.start();
    await device.publishAndServe(await deploy(1, { shadow: false }), '1');
  });

  afterAll(() => device?.close());

  it('refuses a bad request key, naming it, over HTTP and in process', async () => {
    for (const [key, message] of [
      [5, 'key: expected a string, got number'],
      ['', 'key: expected 1 to 256 characters, got 0'],
      ['k'.repeat(257), 'key: expected 1 to 256 characters, got 257'],
    ] as const) {
      const res = await post({ inputs: sileroInputs(1), key });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('E_SCHEMA');
      expect(body.error.message.startsWith(message), body.error.message).toBe(true);
    }
    const refused = await agent.predict(typedOf(sileroInputs(1)), { key: 'k'.repeat(257) }).then(
      () => 'resolved',
      (error: unknown) => (error instanceof AgentError ? `${error.code} ${error.message}` : String(error)),
    );
    expect(refused).toBe('E_SCHEMA key: expected 1 to 256 characters, got 257');
    // A valid key without a ramp-up changes nothing: the serving version answers.
    expect(await predict(1, 'user-1')).toBe('1');
    await agent.flushStats();
  });

  it('at trafficShare 0.5 the candidate answers the keys below the share, each key always the same version, counted per version', async () => {
    const before = downloads();
    const loaded = nextReport(agent, (s) => s.shadow?.version === '2', 'shadow v2 loaded');
    await hub.publishDesired(DEVICE, await deploy(2, { shadow: true, share: 0.5 }));
    expect((await loaded).active?.version).toBe('1');
    expect(downloads()).toEqual([before[0], (before[1] ?? 0) + 1]);
    expect(agent.status().traffic).toEqual({ candidate: { model: 'vad', version: '2', sha256: v2.sha256 }, share: 0.5 });
    const published = windows().length;

    const served = new Map<string, number>([['1', 0], ['2', 0]]);
    const count = (version: string) => served.set(version, (served.get(version) ?? 0) + 1);
    const onCandidate = KEYS.filter((key) => trafficPointOf(key) < 0.5);
    // About half of the keys, and both versions answer some.
    expect(onCandidate.length).toBeGreaterThanOrEqual(10);
    expect(onCandidate.length).toBeLessThanOrEqual(30);
    for (const key of KEYS) {
      const want = onCandidate.includes(key) ? '2' : '1';
      for (const seed of SEEDS) {
        const version = await predict(seed, key);
        expect(version, key).toBe(want);
        count(version);
      }
    }
    // The in-process API routes by the same key.
    for (const key of KEYS.slice(0, 6)) {
      const answer = await agent.predict(typedOf(sileroInputs(1)), { key });
      expect(answer.version).toBe(onCandidate.includes(key) ? '2' : '1');
      expect(Array.from(answer.outputs.output?.data as Float32Array)).toEqual(expected.get(`${answer.version}/1`)?.output?.data);
      expect(decodePredictionId(answer.predictionIds[0] ?? '').version).toBe(answer.version);
      count(answer.version);
    }
    // Without a key each request is drawn: either version, answered and counted as itself.
    for (let i = 0; i < 10; i++) count(await predict(2));

    await agent.flushStats();
    await expect.poll(() => windows().length - published, { timeout: 15_000 }).toBe(2);
    const [serving, candidate] = windows().slice(published);
    expect(serving).toMatchObject({ version: '1', sha256: v1.sha256, n: served.get('1'), errors: {} });
    expect(candidate).toMatchObject({ version: '2', sha256: v2.sha256, n: served.get('2'), errors: {} });
    // No agreement comparisons while the traffic is split: each request ran on one version.
    expect(serving?.shadow).toBeUndefined();
    expect(candidate?.shadow).toBeUndefined();
  });

  it('raising the share keeps every key already on the candidate there, and fetches nothing', async () => {
    const before = downloads();
    await hub.publishDesired(DEVICE, await deploy(3, { shadow: true, share: 0.9 }));
    await accepted(3);
    await expect.poll(() => agent.status().traffic?.share).toBe(0.9);
    for (const key of KEYS) {
      const version = await predict(1, key);
      if (trafficPointOf(key) < 0.5) expect(version, key).toBe('2');
      expect(version, key).toBe(trafficPointOf(key) < 0.9 ? '2' : '1');
    }
    expect(downloads()).toEqual(before);
  });

  it('a doc without the shadow unloads it without a download: every request is the serving version again', async () => {
    const before = downloads();
    const published = windows().length;
    const unloaded = nextReport(agent, (s) => s.seq === 4 && s.shadow === null, 'shadow unloaded');
    await hub.publishDesired(DEVICE, await deploy(4, { shadow: false }));
    expect(await unloaded).toMatchObject({ phase: 'serving', active: { version: '1' }, error: null });
    expect(agent.status().traffic).toBeNull();
    for (const key of KEYS) expect(await predict(1, key)).toBe('1');
    expect(downloads()).toEqual(before);
    // The candidate's counts of the 0.9 phase left when it was unloaded, in its own window.
    await agent.flushStats();
    const candidateN = KEYS.filter((key) => trafficPointOf(key) < 0.9).length;
    await expect.poll(() => windows().slice(published).map((w) => `${w.version}:${w.n}`).sort(), { timeout: 15_000 }).toEqual(
      [`1:${KEYS.length - candidateN + KEYS.length}`, `2:${candidateN}`].sort(),
    );
  });

  it('refuses a doc with a trafficShare and no shadow, and keeps serving', async () => {
    const rejected = nextReport(agent, (s) => s.error?.code === 'E_SCHEMA', 'doc rejected');
    await hub.publishDesired(DEVICE, await device.deploy(5, v1.manifest, { statsIntervalS: 86_400, trafficShare: 0.5 }));
    expect((await rejected).error?.message).toContain('trafficShare');
    expect(agent.status()).toMatchObject({ seq: 4, phase: 'serving', traffic: null });
    expect(await predict(1, KEYS[0])).toBe('1');
  });
});

function typedOf(json: Record<string, TensorJson>): Record<string, TypedTensor> {
  const out: Record<string, TypedTensor> = {};
  for (const [name, t] of Object.entries(json)) {
    out[name] = t.type === 'int64' ? { type: 'int64', dims: t.dims, data: BigInt64Array.from(t.data, (v) => BigInt(Number(v))) } : { type: 'float32', dims: t.dims, data: Float32Array.from(t.data, Number) };
  }
  return out;
}
