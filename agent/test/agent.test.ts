/**
 * The whole agent against a fake hub (node:http + a real aedes broker): first-use trust,
 * install, blue-green switch, and a restart with the hub gone. The attacks of docs/threats.md
 * (tampered files and docs, wrong keys, downgrades, rotations, a corrupt trust file, ...) each
 * have their own named test in agent/test/threats/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceEvent, TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import type { AgentOptions } from '../src/config';
import type { TestTrust } from '../../test/fixtures/signing';
import type { FakeHub } from './support/fake-hub';
import { runDirect, SILERO_V6, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent, nextReport } from './support/wait';
import { FAST_TUNING } from './support/agent-options';

const DEVICE = 'dev-1';
const SECRET = 'the-device-secret-value';

describe('agent end to end against a fake hub', () => {
  let device: TestDevice;
  let trust: TestTrust;
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
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
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

  afterAll(() => device?.close());

  it('starts idle, pins trust on first use, installs the first doc and serves it', async () => {
    await start();
    expect(agent.status()).toEqual({
      device: DEVICE,
      phase: 'idle',
      active: null,
      previous: null,
      shadow: null,
      traffic: null,
      seq: 0,
      error: null,
      hub: expect.objectContaining({ credentialsRejected: false }),
      batch: { dir: expect.any(String), queued: 0, running: null },
    });
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

  it('switches to v2 blue-green and keeps v1 on disk as previous', async () => {
    const activated = nextEvent(agent, (e) => e.kind === 'activated' && e.seq === 2, 'v2 activated');
    await hub.publishDesired(DEVICE, await device.deploy(2, v2.manifest));
    await activated;
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 2, active: { version: '2' }, previous: { version: '1' }, error: null });
    expect((await modelFiles()).sort()).toEqual([`${v1.sha256}.onnx`, `${v2.sha256}.onnx`].sort());
    const inputs = sileroInputs(5);
    expect((await predict(inputs)).body.outputs.output).toEqual((await runDirect(v2.bytes, inputs)).output);
  });

  it('after a restart with the hub gone, serves the active model from disk at once', async () => {
    await agent.close();
    await agent.close(); // idempotent
    await hub.close();
    // Two days on, the accepted doc (one day of validity) has expired: the agent says it is stale.
    const later = () => new Date(Date.now() + 2 * 86_400_000);
    await start({ now: later, tuning: { ...FAST_TUNING, staleCheckMs: 20 } });
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 2, active: { version: '2' }, previous: { version: '1' } });
    expect((await nextEvent(agent, (e) => e.kind === 'stale', 'stale')).seq).toBe(2);
    const inputs = sileroInputs(6);
    const res = await predict(inputs);
    expect(res.status).toBe(200);
    expect(res.body.outputs.output).toEqual((await runDirect(v2.bytes, inputs)).output);
  });

  it('never logs the device secret', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(SECRET);
  });
});
