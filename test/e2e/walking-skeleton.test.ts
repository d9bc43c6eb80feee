/**
 * Given a real hub (HTTP, SQLite, aedes, signing keys) and a real agent (MQTT, downloads,
 * onnxruntime-node), a signed third-party model travels from upload to predictions, survives a
 * hub outage, and every attack of THREATS rows 1, 3, 6, 7 and 12 leaves the serving model alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '@edgefleet/hub';
import type { Agent } from '@edgefleet/agent';
import {
  desiredTopic,
  generateSigningKey,
  signPayload,
  type DeploymentDoc,
  type Envelope,
  type ErrorCode,
} from '@edgefleet/protocol';
import { api, assign, enrol, expectRefusedAndServing, models, predict, runDirect, sileroInputs, startScenario, uploadModel, waitForReport, type Scenario } from '../support/harness';

const DEVICE = 'edge-01';

describe('walking skeleton: a signed model from the hub to a serving agent', () => {
  let scenario: Scenario;
  let hub: Hub;
  let agent: Agent;
  let secret: string;
  let v2Sha = '';

  beforeAll(async () => {
    scenario = await startScenario();
    hub = scenario.hub;
  });

  afterAll(() => scenario?.close());

  it('uploads Silero VAD v5, enrols a device, assigns it, and the agent serves the same numbers as onnxruntime-node', async () => {
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    secret = await enrol(hub, DEVICE);
    agent = await scenario.startAgent(DEVICE, secret);

    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving vad@1');
    expect((await assign(hub, DEVICE, 'vad', '1')).status).toBe(200);
    await serving;

    const inputs = sileroInputs(1);
    const response = await predict(agent, inputs);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model: 'vad', version: '1' });
    const direct = await runDirect(models.sileroV5, inputs);
    expect(response.body.outputs.output?.data).toEqual(direct.output?.data);
    expect(response.body.outputs.stateN?.data).toEqual(direct.stateN?.data);
    expect(response.body.outputs.stateN?.dims).toEqual([2, 1, 128]);

    const device = await api<{ state: { phase: string; active: { version: string } } | null }>(hub, 'GET', `/api/v1/devices/${DEVICE}`);
    await expect.poll(async () => (await api<{ state: { phase: string } | null }>(hub, 'GET', `/api/v1/devices/${DEVICE}`)).body.state?.phase).toBe('serving');
    expect(device.status).toBe(200);
  });

  it('switches to version 2 when it is assigned', async () => {
    v2Sha = (await uploadModel(hub, 'vad', models.sileroV6, '2')).sha256;
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === '2', 'serving vad@2');
    expect((await assign(hub, DEVICE, 'vad', '2')).status).toBe(200);
    const state = await serving;
    expect(state.active?.sha256).toBe(v2Sha);
    expect(state.previous?.version).toBe('1');

    const inputs = sileroInputs(2);
    const response = await predict(agent, inputs);
    expect(response.body.version).toBe('2');
    expect(response.body.outputs.output?.data).toEqual((await runDirect(models.sileroV6, inputs)).output?.data);
  });

  describe('attacks leave version 2 serving and report the matching code', () => {
    const expectRejected = (code: ErrorCode, deliver: () => Promise<unknown>): Promise<void> => expectRefusedAndServing(agent, code, '2', deliver);

    /** The hub's current doc for the device, to derive forged variants from. */
    async function currentDoc(): Promise<DeploymentDoc> {
      const res = await api<{ assignment: { seq: number } }>(hub, 'GET', `/api/v1/devices/${DEVICE}`);
      const release = await api<{ manifestEnvelope?: Envelope; envelope?: Envelope }>(hub, 'GET', '/api/v1/models/vad/versions/2');
      const active = release.body.manifestEnvelope ?? release.body.envelope;
      if (!active) throw new Error(`version response has no envelope: ${Object.keys(release.body).join(',')}`);
      return {
        type: 'deployment',
        v: 1,
        device: DEVICE,
        seq: res.body.assignment.seq + 1,
        expires: new Date(Date.now() + 3_600_000).toISOString(),
        rollout: null,
        active,
        previous: null,
        allowDowngrade: false,
        statsIntervalS: 60,
      };
    }

    const publishDoc = async (envelope: Envelope) => hub.publish(desiredTopic(DEVICE), JSON.stringify(envelope), { retain: false });

    it('through the hub (threat row 1): a flipped byte in the served artifact is E_HASH_MISMATCH and nothing is cached', async () => {
      const v3 = await uploadModel(hub, 'vad', models.sileroLegacy, '3');
      const artifact = join(scenario.hubDir.path, 'artifacts', v3.sha256);
      const bytes = await readFile(artifact);
      const middle = Math.floor(bytes.length / 2);
      bytes.writeUInt8((bytes.readUInt8(middle) ^ 0xff) & 0xff, middle);
      await writeFile(artifact, bytes);
      await expectRejected('E_HASH_MISMATCH', () => assign(hub, DEVICE, 'vad', '3'));
      const fresh = await predict(agent, sileroInputs(4));
      expect(fresh.body.version).toBe('2');
      const cached = await readdir(join(scenario.agentDir.path, 'models'));
      expect(cached.some((name) => name.startsWith(v3.sha256))).toBe(false);
    });

    it('through the hub (threat row 3): a doc signed by an unknown key is E_SIG_UNTRUSTED', async () => {
      const stranger = (await generateSigningKey()).key;
      const doc = await currentDoc();
      await expectRejected('E_SIG_UNTRUSTED', async () => publishDoc(await signPayload(doc, [stranger])));
    });

    it('through the hub (threat row 6): an expired doc is E_EXPIRED', async () => {
      const doc = { ...(await currentDoc()), expires: new Date(Date.now() - 60_000).toISOString() };
      await expectRejected('E_EXPIRED', async () => publishDoc(await signPayload(doc, [hub.releaseKey])));
    });

    it('through the hub (threat row 7): a replayed older seq is E_ROLLBACK', async () => {
      const doc = await currentDoc();
      await expectRejected('E_ROLLBACK', async () => publishDoc(await signPayload({ ...doc, seq: doc.seq - 2 }, [hub.releaseKey])));
    });

    it('through the hub (threat row 12): a doc for another device is E_NOT_FOR_DEVICE', async () => {
      const doc = { ...(await currentDoc()), device: 'edge-02' };
      await expectRejected('E_NOT_FOR_DEVICE', async () => publishDoc(await signPayload(doc, [hub.releaseKey])));
    });

    it('malformed JSON and a wrong schema on the desired topic are E_BAD_JSON and E_SCHEMA', async () => {
      await expectRejected('E_BAD_JSON', () => hub.publish(desiredTopic(DEVICE), '{"payload": ', { retain: false }));
      await expectRejected('E_SCHEMA', () => hub.publish(desiredTopic(DEVICE), JSON.stringify({ payload: 'AAAA' }), { retain: false }));
    });
  });

  it('after a restart with the hub stopped, the agent serves version 2 from disk', async () => {
    await agent.close();
    await hub.close();
    agent = await scenario.startAgent(DEVICE, secret);
    expect(agent.status().active?.version).toBe('2');
    const inputs = sileroInputs(5);
    const response = await predict(agent, inputs);
    expect(response.status).toBe(200);
    expect(response.body.version).toBe('2');
    expect(response.body.outputs.output?.data).toEqual((await runDirect(models.sileroV6, inputs)).output?.data);
  });
});
