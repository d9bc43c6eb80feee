/**
 * The probe step with a probe blob (issue 11 item 7): a manifest naming its probe by `{ sha256,
 * size, tolerance }` makes the agent fetch the blob from the hub's artifact route, check size and
 * hash before parsing, parse it with the protocol schema, cache it beside the model and run it.
 * Whatever fails, the install fails with a typed error and the serving model keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { inlineProbe, probeBlobBytes, utf8Encode, type DeviceEvent, type Envelope, type Probe, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import type { FakeHub } from './support/fake-hub';
import { sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent } from './support/wait';

const DEVICE = 'dev-probe';

describe('agent: probes kept out of the manifest as blobs', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;
  let seq = 0;

  const deploy = (release: ReleaseManifest): Promise<Envelope> => device.deploy(++seq, release);
  /** vad@`version`: v1's file with its probe stored as a blob on the fake hub (`bytes` as served). */
  const withBlob = (version: number, bytes: Uint8Array, declared: Uint8Array = bytes): ReleaseManifest => {
    const sha256 = createHash('sha256').update(declared).digest('hex');
    hub.artifacts.set(sha256, bytes);
    return { ...v1.manifest, version: String(version), releaseCounter: version, probe: { sha256, size: declared.length, tolerance: inlineProbe(v1.manifest.probe, 'v1').tolerance } };
  };
  const predictVersion = async (inputs: Record<string, TensorJson>): Promise<string> => {
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    return ((await res.json()) as { version: string }).version;
  };
  const expectRefused = async (release: ReleaseManifest, code: string, serving: string): Promise<DeviceEvent> => {
    const next = seq + 1;
    const failed = nextEvent(agent, (e) => e.kind === 'install-failed' && e.seq === next, `install-failed ${release.version}`);
    await hub.publishDesired(DEVICE, await deploy(release));
    const event = await failed;
    expect(event.error?.code).toBe(code);
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: serving } });
    expect(await predictVersion(sileroInputs(2))).toBe(serving);
    return event;
  };
  const cached = () => readdir(join(device.dataDir, 'models'));

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-probe-blob-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start();
    await device.publishAndServe(await deploy(v1.manifest), '1');
  });

  afterAll(() => device?.close());

  it('runs the blob it fetched: a verified blob with wrong golden outputs is E_PROBE_FAILED', async () => {
    const probe = inlineProbe(v1.manifest.probe, 'v1');
    const output = probe.expected['output'] as TensorJson;
    const wrong: Probe = { ...probe, expected: { ...probe.expected, output: { ...output, data: output.data.map((x) => Number(x) + 0.5) } } };
    const release = withBlob(2, probeBlobBytes(wrong));
    const event = await expectRefused(release, 'E_PROBE_FAILED', '1');
    expect(event.error?.message).toContain('probe mismatch');
  });

  it('checks the hash before parsing: bytes other than the signed ones are E_HASH_MISMATCH, nothing kept', async () => {
    const good = probeBlobBytes(inlineProbe(v1.manifest.probe, 'v1'));
    const tampered = good.map((b, i) => (i === good.length >> 1 ? b ^ 1 : b));
    const release = withBlob(3, tampered, good);
    await expectRefused(release, 'E_HASH_MISMATCH', '1');
    const sha = createHash('sha256').update(good).digest('hex');
    expect((await cached()).filter((name) => name.startsWith(sha))).toEqual([]);
    expect(await readdir(join(device.dataDir, 'tmp'))).toEqual([]);
  });

  it('bounds the download by the declared size: a longer blob is E_TOO_LARGE', async () => {
    const good = probeBlobBytes(inlineProbe(v1.manifest.probe, 'v1'));
    const longer = new Uint8Array([...good, ...utf8Encode('          ')]);
    await expectRefused(withBlob(4, longer, good), 'E_TOO_LARGE', '1');
  });

  it('a blob of the signed hash that is not a probe is E_PROBE_FAILED', async () => {
    await expectRefused(withBlob(5, utf8Encode('{"inputs":{},"expected":{},"extra":1}')), 'E_PROBE_FAILED', '1');
  });

  it('installs with a good blob, caches it beside the model, keeps it while the release is kept and collects the others', async () => {
    const good = probeBlobBytes(inlineProbe(v1.manifest.probe, 'v1'));
    const release = withBlob(6, good);
    const sha = createHash('sha256').update(good).digest('hex');
    const activated = nextEvent(agent, (e) => e.kind === 'activated' && e.model?.version === '6', 'v6 activated');
    await hub.publishDesired(DEVICE, await deploy(release));
    await activated;
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: '6' }, previous: { version: '1' }, error: null });
    expect(await predictVersion(sileroInputs(3))).toBe('6');
    // Blobs of the refused releases are collected once the agent has converged; this one stays.
    await expect.poll(async () => (await cached()).filter((name) => name.endsWith('.probe.json'))).toEqual([`${sha}.probe.json`]);
    expect(await cached()).toContain(`${v1.sha256}.onnx`);
  });
});
