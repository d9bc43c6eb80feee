/**
 * THREATS row 20 (docs/threats.md): spoofed telemetry, through the real hub's broker and its ACL.
 * Device B is a real agent serving Silero VAD from the hub; device A (enrolled, with its own
 * secret) publishes on B's topics and retained on its own. Each publish is refused and A is
 * disconnected (the broker counts it); the hub's record of B (state, events) never changes and
 * B never sees a doc A sent it; B answers the same before, during and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { desiredTopic, eventsTopic, onlineTopic, stateTopic, type ReportedState, type TensorJson } from '@edgefleet/protocol';
import { startHub, type Hub } from '@edgefleet/hub';
import type { Agent } from '../../src/agent';
import { startAgent } from '../../src/agent';
import { api, assign, enrol, FAST_AGENT_TUNING, models, predict, runDirect, sileroInputs, tempDir, testLogger, uploadModel, type TempDir } from '../../../test/support/harness';
import { until } from '../../../test/support/process';
import { testDatabase } from '../../../test/support/test-database';

const A = 'threat-spoof-a';
const B = 'threat-spoof-b';
const INPUTS = sileroInputs(3);

interface DeviceView {
  state: ReportedState | null;
  online: boolean;
}

describe('THREATS 20: spoofed telemetry through the hub broker', { timeout: 120_000 }, () => {
  let hub: Hub;
  let dirs: TempDir[];
  let agentB: Agent;
  let secretA: string;
  let expected: { model: string; version: string; outputs: Record<string, TensorJson> };
  const clients: MqttClient[] = [];

  const deviceView = async (id: string): Promise<DeviceView> => (await api<DeviceView>(hub, 'GET', `/api/v1/devices/${id}`)).body;
  const eventsOf = async (id: string): Promise<unknown> => (await api(hub, 'GET', `/api/v1/devices/${id}/events`)).body;
  const publishDenied = async (): Promise<number> => (await api<{ broker: { publishDenied: number } }>(hub, 'GET', '/api/v1/broker/stats')).body.broker.publishDenied;
  const answerOfB = async () => {
    const res = await predict(agentB, INPUTS);
    return { status: res.status, body: { model: res.body.model, version: res.body.version, outputs: res.body.outputs } };
  };
  const connectA = async (): Promise<MqttClient> => {
    const client = await connectAsync(hub.mqttUrl, { clientId: A, username: A, password: secretA, reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 10_000 });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const hubDir = await tempDir('threat-spoof-hub');
    const agentDir = await tempDir('threat-spoof-b');
    dirs = [hubDir, agentDir];
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    secretA = await enrol(hub, A);
    const secretB = await enrol(hub, B);
    agentB = await startAgent({ hubUrl: hub.httpUrl, deviceId: B, deviceSecret: secretB, dataDir: agentDir.path, port: 0, logger: testLogger, tuning: FAST_AGENT_TUNING });
    expect((await assign(hub, B, 'vad', '1')).status).toBe(200);
    await until(async () => ((await deviceView(B)).state?.active?.version === '1' ? true : undefined), 'B serving version 1 in the hub’s view', 60_000);
    const outputs = JSON.parse(JSON.stringify(await runDirect(models.sileroV5, INPUTS))) as Record<string, TensorJson>;
    expected = { model: 'vad', version: '1', outputs };
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.end(true);
    await agentB?.close();
    await hub?.close();
    for (const dir of dirs ?? []) await dir.remove();
  });

  /** A publishes `payload` on `topic`; it must be refused with a disconnect, counted, and change nothing of B. */
  async function refused(topic: string, payload: string, retain = false): Promise<void> {
    expect(await answerOfB()).toEqual({ status: 200, body: expected });
    const stateBefore = (await deviceView(B)).state;
    const eventsBefore = await eventsOf(B);
    const deniedBefore = await publishDenied();
    const statusBefore = agentB.status();

    const client = await connectA();
    const disconnected = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const during: Array<Awaited<ReturnType<typeof answerOfB>>> = [];
    let attacking = true;
    const loop = (async () => {
      do during.push(await answerOfB());
      while (attacking);
    })();
    client.publish(topic, payload, { qos: 1, retain });
    await disconnected;
    attacking = false;
    await loop;
    for (const answer of during) expect(answer).toEqual({ status: 200, body: expected });
    expect(await publishDenied()).toBe(deniedBefore + 1);

    // A comes back and reports for itself; once the hub has that, the refused publish would have been seen too.
    const honest = await connectA();
    const ownState: ReportedState = { device: A, seq: 0, phase: 'idle', active: null, previous: null, error: null, agent: { version: '0.1.0', runtime: 'none' }, at: new Date().toISOString() };
    await honest.publishAsync(stateTopic(A), JSON.stringify(ownState), { qos: 1 });
    await until(async () => ((await deviceView(A)).state?.at === ownState.at ? true : undefined), 'the hub to take A’s own state', 60_000);
    honest.end(true);

    expect((await deviceView(B)).state).toEqual(stateBefore);
    expect(await eventsOf(B)).toEqual(eventsBefore);
    expect(agentB.status()).toEqual({ ...statusBefore, hub: expect.anything() });
    expect(await answerOfB()).toEqual({ status: 200, body: expected });
  }

  it('THREATS 20: A publishing a state on B’s topic is refused and disconnected; the hub never attributes it to B', async () => {
    const stateB = (await deviceView(B)).state!;
    const forged: ReportedState = { ...stateB, seq: stateB.seq + 1, phase: 'failed', error: { code: 'E_LOAD_FAILED', message: 'forged by A' }, at: new Date().toISOString() };
    await refused(stateTopic(B), JSON.stringify(forged));
  });

  it('THREATS 20: A publishing an event on B’s topic is refused and disconnected; B’s events stay as they were', async () => {
    const forged = { id: '00000000-0000-4000-8000-000000000020', device: B, kind: 'install-failed', at: new Date().toISOString(), seq: 1, error: { code: 'E_PROBE_FAILED', message: 'forged by A' } };
    await refused(eventsTopic(B), JSON.stringify(forged));
  });

  it('THREATS 20: A publishing B offline is refused and disconnected; B stays online', async () => {
    await refused(onlineTopic(B), JSON.stringify({ online: false }));
    expect((await deviceView(B)).online).toBe(true);
  });

  it('THREATS 20: A publishing a doc on B’s desired topic is refused and disconnected; B never receives it', async () => {
    await refused(desiredTopic(B), JSON.stringify({ payload: 'AAAA', signatures: [{ keyid: 'a'.repeat(64), sig: 'AAAA' }] }));
    expect(agentB.status().error).toBeNull();
  });

  it('THREATS 20: A publishing retained, even on its own topic, is refused and disconnected', async () => {
    const own: ReportedState = { device: A, seq: 0, phase: 'idle', active: null, previous: null, error: null, agent: { version: '0.1.0', runtime: 'none' }, at: new Date().toISOString() };
    await refused(stateTopic(A), JSON.stringify(own), true);
  });
});
