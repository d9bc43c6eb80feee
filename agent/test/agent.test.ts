/**
 * The whole agent against a fake hub (node:http + a real aedes broker): first-use trust,
 * install, blue-green switch, attacks and bad models that leave the serving model alone, an
 * instant authorised rollback, a restart with the hub gone, and a corrupt trust file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inlineProbe, TRUST_TOPIC, buildTrustDoc, desiredTopic, generateSigningKey, signTrustDoc, type DeviceEvent, type Envelope, type TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import type { AgentOptions } from '../src/config';
import { makeDeployment, makeRelease, sign, type TestTrust } from '../../test/fixtures/signing';
import { startFakeHub, type FakeHub } from './support/fake-hub';
import { runDirect, SILERO_V6, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent, nextReport } from './support/wait';
import { FAST_TUNING } from './support/agent-options';

const DEVICE = 'dev-1';
const SECRET = 'the-device-secret-value';

describe('agent end to end against a fake hub', () => {
  let device: TestDevice;
  let trust: TestTrust;
  /** the device's hub, until a test replaces it with a fresh one */
  let hub: FakeHub;
  let dataDir: string;
  let agent: Agent;
  let v1: SileroRelease;
  let v2: SileroRelease;
  const logs: string[] = [];
  const events: DeviceEvent[] = [];

  const logger: AgentOptions['logger'] = {
    debug: () => {},
    info: (m, f) => logs.push(JSON.stringify([m, f])),
    warn: (m, f) => logs.push(JSON.stringify([m, f])),
    error: (m, f) => logs.push(JSON.stringify([m, f])),
  };
  const start = async (over: Partial<AgentOptions> = {}) => {
    agent = await device.start({ logger, ...over });
    agent.onEvent((event) => events.push(event));
    return agent;
  };
  const predict = async (inputs: Record<string, TensorJson>) => {
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', body: JSON.stringify({ inputs }) });
    return { status: res.status, body: (await res.json()) as { version: string; outputs: Record<string, TensorJson> } };
  };
  const modelFiles = () => readdir(join(dataDir, 'models'));

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, secret: SECRET, tmpPrefix: 'agent-e2e-' });
    ({ trust, hub, dataDir } = device);
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    v2 = await sileroRelease({ baseUrl: hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    hub.artifacts.set(v1.sha256, v1.bytes);
    hub.artifacts.set(v2.sha256, v2.bytes);
  });

  afterAll(async () => {
    await device?.close();
    await hub?.close(); // the replacement, if a test started one (closing a closed hub is harmless)
  });

  it('starts idle, pins trust on first use, installs the first doc and serves it', async () => {
    await start();
    expect(agent.status()).toEqual({ device: DEVICE, phase: 'idle', active: null, previous: null, shadow: null, seq: 0, error: null, hub: expect.objectContaining({ credentialsRejected: false }) });
    expect((await predict(sileroInputs())).status).toBe(503);

    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving v1');
    await hub.publishDesired(DEVICE, await device.deploy(1, v1.manifest));
    const state = await serving;
    expect(state).toMatchObject({ device: DEVICE, seq: 1, error: null, active: { model: 'vad', version: '1', sha256: v1.sha256 } });

    const inputs = sileroInputs(4);
    const res = await predict(inputs);
    expect(res.status).toBe(200);
    expect(res.body.outputs.output).toEqual((await runDirect(v1.bytes, inputs)).output);
    expect(events.map((e) => e.kind)).toEqual(['install-started', 'installed', 'activated']);
    expect(hub.configFetches).toBe(1);
    expect(hub.downloads.get(v1.sha256)).toBe(1);
    expect(JSON.parse(await readFile(join(dataDir, 'trust.json'), 'utf8'))).toEqual({ envelope: trust.trustEnvelope });
    expect(await modelFiles()).toEqual([`${v1.sha256}.onnx`]);
  });

  it('publishes state, events and online only on its own topics, never retained', async () => {
    await expect.poll(() => hub.published.some((m) => m.topic.endsWith('/events') && (m.payload as DeviceEvent).kind === 'activated')).toBe(true);
    expect(hub.published.some((m) => m.topic === `ef/v1/d/${DEVICE}/online` && JSON.stringify(m.payload) === '{"online":true}')).toBe(true);
    expect(hub.published.some((m) => m.topic === `ef/v1/d/${DEVICE}/state` && (m.payload as { phase: string }).phase === 'serving')).toBe(true);
    expect(hub.published.every((m) => !m.retain)).toBe(true);
    expect(hub.refusedPublishes).toEqual([]);
  });

  it('a doc signed by an unknown key is rejected; nothing trusted changes', async () => {
    const stranger = (await generateSigningKey()).key;
    const rejected = nextEvent(agent, (e) => e.kind === 'doc-rejected', 'doc-rejected');
    const forged = await sign(makeDeployment(await device.signed(v2.manifest), { device: DEVICE, seq: 9 }), [stranger]);
    await hub.publish(desiredTopic(DEVICE), JSON.stringify(forged), false);
    expect((await rejected).error?.code).toBe('E_SIG_UNTRUSTED');
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 1, active: { version: '1' }, error: { code: 'E_SIG_UNTRUSTED' } });
    expect((await predict(sileroInputs())).body.version).toBe('1');
  });

  it('switches to v2 blue-green and keeps v1 on disk as previous', async () => {
    const activated = nextEvent(agent, (e) => e.kind === 'activated' && e.seq === 2, 'v2 activated');
    await hub.publishDesired(DEVICE, await device.deploy(2, v2.manifest));
    await activated;
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 2, active: { version: '2' }, previous: { version: '1' }, error: null });
    expect((await modelFiles()).sort()).toEqual([`${v1.sha256}.onnx`, `${v2.sha256}.onnx`].sort());
    const inputs = sileroInputs(5);
    expect((await predict(inputs)).body.outputs.output).toEqual((await runDirect(v2.bytes, inputs)).output);
  });

  it('a tampered artifact is E_HASH_MISMATCH: nothing cached, v2 keeps serving', async () => {
    const bytes = randomBytes(4096);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const tampered = Buffer.from(bytes);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    hub.artifacts.set(sha256, tampered);
    const release = makeRelease({ version: '3', releaseCounter: 3, artifact: { sha256, size: bytes.length, url: `${hub.httpUrl}/artifacts/${sha256}` } });
    const failed = nextEvent(agent, (e) => e.kind === 'install-failed', 'install-failed');
    await hub.publishDesired(DEVICE, await device.deploy(3, release));
    expect((await failed).error?.code).toBe('E_HASH_MISMATCH');
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 3, active: { version: '2' }, error: { code: 'E_HASH_MISMATCH' } });
    expect((await modelFiles()).some((name) => name.startsWith(sha256))).toBe(false);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect((await predict(sileroInputs())).body.version).toBe('2');
  });

  it('a signed model that fails its probe is E_PROBE_FAILED once; v2 keeps serving', async () => {
    const expected = inlineProbe(v1.manifest.probe, 'probe').expected.output!;
    const bad = { ...v1.manifest, version: '4', releaseCounter: 4, probe: { ...inlineProbe(v1.manifest.probe, 'probe'), expected: { output: { ...expected, data: [42] } } } };
    const failed = nextEvent(agent, (e) => e.kind === 'install-failed', 'install-failed');
    await hub.publishDesired(DEVICE, await device.deploy(4, bad));
    expect((await failed).error?.code).toBe('E_PROBE_FAILED');
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 4, active: { version: '2' }, error: { code: 'E_PROBE_FAILED' } });
    expect(hub.downloads.get(v1.sha256)).toBe(1); // same bytes as v1: taken from the cache
    expect((await predict(sileroInputs())).body.version).toBe('2');
  });

  it('an unauthorised downgrade is refused; an authorised one is an instant rollback', async () => {
    const refused = nextEvent(agent, (e) => e.kind === 'doc-rejected', 'doc-rejected');
    await hub.publish(desiredTopic(DEVICE), JSON.stringify(await device.deploy(5, v1.manifest)), false);
    expect((await refused).error?.code).toBe('E_DOWNGRADE_NOT_AUTHORIZED');
    expect(agent.status()).toMatchObject({ seq: 4, active: { version: '2' } });

    const rolledBack = nextEvent(agent, (e) => e.kind === 'rollback', 'rollback');
    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving v1 again');
    await hub.publishDesired(DEVICE, await device.deploy(5, v1.manifest, { allowDowngrade: true }));
    expect((await rolledBack).model?.version).toBe('1');
    expect(await serving).toMatchObject({ seq: 5, previous: { version: '2' }, error: null });
    expect(hub.downloads.get(v1.sha256)).toBe(1);
  });

  it('takes trust rotations only through verifyTrustUpdate, one version at a time', async () => {
    const nextRelease = (await generateSigningKey()).key;
    const rotated = (version: number) =>
      signTrustDoc(buildTrustDoc({ version, expires: new Date(Date.now() + 86_400_000), rootKeys: [trust.root], releaseKeys: [nextRelease] }), [trust.root]);
    const skipped = nextEvent(agent, (e) => e.kind === 'doc-rejected', 'skipped version rejected');
    await hub.publish(TRUST_TOPIC, JSON.stringify(await rotated(3)), false);
    expect((await skipped).error?.code).toBe('E_ROOT_CHAIN');

    await hub.publish(TRUST_TOPIC, JSON.stringify(await rotated(2)));
    // Messages are handled in order: a doc signed by the new release key proves the rotation took.
    const accepted = nextReport(agent, (s) => s.seq === 6, 'seq 6 accepted');
    const doc = await sign(makeDeployment(await sign(v1.manifest, [nextRelease]), { device: DEVICE, seq: 6 }), [nextRelease]);
    await hub.publishDesired(DEVICE, doc);
    expect(await accepted).toMatchObject({ error: null, active: { version: '1' } });
    const pinned = JSON.parse(await readFile(join(dataDir, 'trust.json'), 'utf8')) as { envelope: Envelope };
    expect(pinned.envelope.signatures[0]?.keyid).toBe(trust.root.keyid);
    const stale = nextEvent(agent, (e) => e.kind === 'doc-rejected', 'old release key rejected');
    await hub.publish(desiredTopic(DEVICE), JSON.stringify(await device.deploy(7, v2.manifest)), false);
    expect((await stale).error?.code).toBe('E_SIG_UNTRUSTED');
  });

  it('after a restart with the hub gone, serves the active model from disk at once', async () => {
    await agent.close();
    await agent.close(); // idempotent
    await hub.close();
    // Two days on, the accepted doc (one day of validity) has expired: the agent says it is stale.
    const later = () => new Date(Date.now() + 2 * 86_400_000);
    await start({ now: later, tuning: { ...FAST_TUNING, staleCheckMs: 20 } });
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 6, active: { version: '1' }, previous: { version: '2' } });
    expect((await nextEvent(agent, (e) => e.kind === 'stale', 'stale')).seq).toBe(6);
    const inputs = sileroInputs(6);
    const res = await predict(inputs);
    expect(res.status).toBe(200);
    expect(res.body.outputs.output).toEqual((await runDirect(v1.bytes, inputs)).output);
  });

  it('a truncated trust file: every update is refused with E_TRUST_STATE, the model keeps serving', async () => {
    await agent.close();
    hub = await startFakeHub({ deviceId: DEVICE, secret: SECRET, trust: trust.trustEnvelope });
    const trustPath = join(dataDir, 'trust.json');
    const text = await readFile(trustPath, 'utf8');
    await writeFile(trustPath, text.slice(0, text.length / 2));

    await start({ hubUrl: hub.httpUrl, brokerUrl: hub.mqttUrl });
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 6, active: { version: '1' }, error: { code: 'E_TRUST_STATE' } });
    const refused = nextEvent(agent, (e) => e.kind === 'doc-rejected', 'doc-rejected');
    await hub.publishDesired(DEVICE, await device.deploy(8, v2.manifest));
    expect((await refused).error?.code).toBe('E_TRUST_STATE');
    expect(agent.status()).toMatchObject({ seq: 6, active: { version: '1' } });
    expect((await stat(trustPath)).size).toBe(Math.floor(text.length / 2)); // never re-pinned
    expect(hub.configFetches).toBe(0);
    expect((await predict(sileroInputs())).body.version).toBe('1');
  });

  it('never logs the device secret', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(SECRET);
  });
});
