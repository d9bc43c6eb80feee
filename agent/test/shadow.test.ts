/**
 * Shadow mode of the whole agent against a fake hub: a shadow verified like `active` runs beside
 * it and survives a restart (from the cache, no second download); a shadow that fails its
 * signature or its probe is reported as a shadow-failed event and dropped, and serving never
 * sees it (no phase change, no error, the same answers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inlineProbe, generateSigningKey, type DeviceEvent, type Envelope, type ReportedState, type TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import { sign } from '../../test/fixtures/signing';
import type { FakeHub } from './support/fake-hub';
import { SILERO_V6, runDirect, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent, nextReport } from './support/wait';

const DEVICE = 'dev-shadow';

describe('agent shadow mode against a fake hub', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;
  let v2: SileroRelease;
  const reports: ReportedState[] = [];

  const start = async () => {
    agent = await device.start();
    agent.onReport((state) => reports.push(state));
  };
  const deploy = (seq: number, shadow: Envelope | null) => device.deploy(seq, v1.manifest, { shadow, statsIntervalS: 86_400 });
  /** v1 answers exactly as a bare onnxruntime session does */
  const expectServedByV1 = async (seed: number) => {
    const inputs: Record<string, TensorJson> = sileroInputs(seed);
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: string; outputs: Record<string, TensorJson> };
    expect(body.version).toBe('1');
    expect(body.outputs.output).toEqual((await runDirect(v1.bytes, inputs)).output);
  };
  /** nothing about serving moved while `act` ran: phase serving, no error, v1 active */
  const servingUntouched = async (act: () => Promise<unknown>) => {
    const from = reports.length;
    await act();
    for (const state of reports.slice(from)) expect(state).toMatchObject({ phase: 'serving', error: null, active: { version: '1' } });
  };

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-shadow-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    v2 = await sileroRelease({ baseUrl: hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    hub.artifacts.set(v1.sha256, v1.bytes);
    hub.artifacts.set(v2.sha256, v2.bytes);
    await start();
    await device.publishAndServe(await deploy(1, null), '1');
  });

  afterAll(() => device?.close());

  it('a shadow signed by an unknown key is refused at once (E_SIG_UNTRUSTED); the doc and serving are not', async () => {
    const stranger = (await generateSigningKey()).key;
    const failed = nextEvent(agent, (e) => e.kind === 'shadow-failed', 'shadow-failed');
    await servingUntouched(async () => {
      await hub.publishDesired(DEVICE, await deploy(2, await sign(v2.manifest, [stranger])));
      expect(await failed).toMatchObject({ seq: 2, error: { code: 'E_SIG_UNTRUSTED' } });
      await expectServedByV1(1);
    });
    expect(agent.status()).toMatchObject({ seq: 2, shadow: null, error: null });
    expect(hub.downloads.get(v2.sha256)).toBeUndefined();
  });

  it('a shadow failing its probe is loaded, refused (E_PROBE_FAILED) and dropped', async () => {
    const output = inlineProbe(v2.manifest.probe, 'probe').expected.output as TensorJson;
    const badProbe = { ...v2.manifest, probe: { ...inlineProbe(v2.manifest.probe, 'probe'), expected: { output: { ...output, data: output.data.map((x) => Number(x) + 0.5) } } } };
    const failed = nextEvent(agent, (e: DeviceEvent) => e.kind === 'shadow-failed', 'shadow-failed');
    await servingUntouched(async () => {
      await hub.publishDesired(DEVICE, await deploy(3, await device.signed(badProbe)));
      expect(await failed).toMatchObject({ seq: 3, model: { version: '2' }, error: { code: 'E_PROBE_FAILED' } });
      await expectServedByV1(2);
    });
    expect(agent.status().shadow).toBeNull();
  });

  it('a good shadow runs beside v1, is reported, and is loaded again from the cache after a restart', async () => {
    // (the file of the shadow given up on above was collected: a failed shadow keeps no disk)
    const downloads = hub.downloads.get(v2.sha256) ?? 0;
    const loaded = nextReport(agent, (s) => s.shadow?.version === '2', 'shadow v2 loaded');
    await servingUntouched(async () => {
      await hub.publishDesired(DEVICE, await deploy(4, await device.signed(v2.manifest)));
      expect((await loaded).shadow).toEqual({ model: 'vad', version: '2', sha256: v2.sha256 });
      await expectServedByV1(3);
    });
    expect(hub.downloads.get(v2.sha256)).toBe(downloads + 1);
    expect((await readdir(join(device.dataDir, 'models'))).sort()).toEqual([`${v1.sha256}.onnx`, `${v2.sha256}.onnx`].sort());

    await agent.close();
    await start();
    // The accepted doc (with its shadow) was persisted: the shadow comes back without the hub's help.
    await expect.poll(() => agent.status().shadow?.version ?? null).toBe('2');
    expect(hub.downloads.get(v2.sha256)).toBe(downloads + 1);
    await expectServedByV1(4);
  });
});
