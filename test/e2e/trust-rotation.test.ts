/**
 * Keys end to end (THREATS "Keys", rows 3 and 10), with a real hub whose root keys are offline,
 * a real agent, real MQTT and onnxruntime: trust versions published while the agent is offline
 * (a root key replaced, then the release key revoked) are walked on reconnect, one version at a
 * time, and the re-signed docs install; forged chains are E_ROOT_CHAIN, a doc signed by the
 * revoked key E_SIG_UNTRUSTED; a device more than 32 versions behind walks in steps. The model
 * answers the same prediction before, during and after each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, type Agent } from '@edgefleet/agent';
import { startHub, type Hub } from '@edgefleet/hub';
import { TRUST_TOPIC, TRUST_WALK_CAP, desiredTopic, readTrustPayload, signPayload, type DeploymentDoc, type Envelope } from '@edgefleet/protocol';
import { api, assign, enrol, expectRefusedAndServing, FAST_AGENT_TUNING, models, predict, sileroInputs, tempDir, testLogger, uploadModel, waitForReport, type TempDir } from '../support/harness';
import { testDatabase } from '../support/test-database';
import { offlineKey, placeOfflineTrust, placeReleaseKey, signedTrust, type OfflineKey } from '../support/trust-keys';

const DEVICE = 'trust-dev';

describe('trust rotation with offline root keys, end to end', { timeout: 120_000 }, () => {
  let hubDir: TempDir;
  let agentDir: TempDir;
  let hub: Hub;
  let agent: Agent | null = null;
  let secret: string;
  let r1: OfflineKey, r2: OfflineKey, r3: OfflineKey;
  let releaseA: OfflineKey, releaseB: OfflineKey;
  const rotations: Array<{ from: number; to: number }> = [];

  const logger = {
    ...testLogger,
    info: (message: string, fields?: object) => {
      if (message === 'trust document rotated') rotations.push(fields as { from: number; to: number });
      testLogger.info(message, fields);
    },
  };
  const start = async (): Promise<Agent> => {
    agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: DEVICE, deviceSecret: secret, dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger, tuning: FAST_AGENT_TUNING });
    return agent;
  };
  const pinnedVersion = async (): Promise<number> => readTrustPayload((JSON.parse(await readFile(join(agentDir.path, 'trust.json'), 'utf8')) as { envelope: Envelope }).envelope).version;
  const publishTrust = async (envelope: Envelope): Promise<void> => {
    const reply = await api(hub, 'POST', '/api/v1/trust', envelope);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  };

  beforeAll(async () => {
    hubDir = await tempDir('trust-hub');
    agentDir = await tempDir('trust-agent');
    [r1, r2, r3, releaseA, releaseB] = [await offlineKey(), await offlineKey(), await offlineKey(), await offlineKey(), await offlineKey()];
    // Version 1, made offline: two root keys, both needed; release key A. No root key on the hub.
    await placeOfflineTrust(hubDir.path, await signedTrust({ version: 1, roots: [r1, r2], rootThreshold: 2, releases: [releaseA] }, [r1, r2]), [releaseA]);
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'trust-admin-token-0123456789', logger: testLogger });
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    await uploadModel(hub, 'vad', models.sileroV6, '2');
    secret = await enrol(hub, DEVICE);
    const serving = start().then((a) => waitForReport(a, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving vad@1', 60_000));
    expect((await assign(hub, DEVICE, 'vad', '1')).status).toBe(200);
    await serving;
  });
  afterAll(async () => {
    await agent?.close();
    await hub?.close();
    await hubDir?.remove();
    await agentDir?.remove();
  });

  it('walks v1 -> v2 -> v3 published while it was offline (root key replaced, release key revoked) and installs the docs signed under v3', async () => {
    const live = agent as Agent;
    const inputs = sileroInputs(7);
    const before = await predict(live, inputs);
    expect(before.body.version).toBe('1');
    await live.close();
    agent = null;

    // v2 replaces root r1 with r3 (signed by v1's roots and its own); v3 revokes release key A for B.
    await publishTrust(await signedTrust({ version: 2, roots: [r2, r3], rootThreshold: 2, releases: [releaseA] }, [r1, r2, r3]));
    await placeReleaseKey(hubDir.path, releaseB);
    await publishTrust(await signedTrust({ version: 3, roots: [r2, r3], rootThreshold: 2, releases: [releaseB] }, [r2, r3]));
    expect((await assign(hub, DEVICE, 'vad', '2')).status).toBe(200);

    const restarted = await start();
    const installed = waitForReport(restarted, (s) => s.phase === 'serving' && s.active?.version === '2' && s.error === null, 'serving vad@2', 60_000);
    // During: served from disk before anything from the hub is checked.
    const during = await predict(restarted, inputs);
    expect({ ...during.body, predictionIds: null }).toEqual({ ...before.body, predictionIds: null });
    await installed;
    expect(await pinnedVersion()).toBe(3);
    expect(rotations).toContainEqual({ from: 1, to: 3, release: [releaseB.key.keyid] });
    const after = await predict(restarted, inputs);
    expect(after.status).toBe(200);
    expect(after.body.version).toBe('2');
  });

  it('a forged chain changes nothing: a skipped version, a version not signed by the old roots, one root signature of two', async () => {
    const live = agent as Agent;
    const forged = [
      // The hub has no version 4: the walk to 5 cannot verify.
      await signedTrust({ version: 5, roots: [r2, r3], rootThreshold: 2, releases: [releaseB] }, [r2, r3]),
      // Signed by a new root key only, not by v3's roots.
      await offlineKey().then((stranger) => signedTrust({ version: 4, roots: [stranger], releases: [releaseA] }, [stranger])),
      // v3 needs two root signatures.
      await signedTrust({ version: 4, roots: [r2, r3], rootThreshold: 2, releases: [releaseA] }, [r2]),
    ];
    for (const envelope of forged) {
      await expectRefusedAndServing(live, 'E_ROOT_CHAIN', '2', () => hub.publish(TRUST_TOPIC, JSON.stringify(envelope), { retain: false }));
      expect(await pinnedVersion()).toBe(3);
    }
  });

  it('a doc signed by the revoked release key is E_SIG_UNTRUSTED; a new assignment, signed by the new key, installs', async () => {
    const live = agent as Agent;
    const device = await api<{ assignment: { seq: number } }>(hub, 'GET', `/api/v1/devices/${DEVICE}`);
    const version = await api<{ manifestEnvelope: Envelope }>(hub, 'GET', '/api/v1/models/vad/versions/1');
    const doc: DeploymentDoc = { type: 'deployment', v: 1, device: DEVICE, seq: device.body.assignment.seq + 1, expires: new Date(Date.now() + 3_600_000).toISOString(), rollout: null, active: version.body.manifestEnvelope, previous: null, allowDowngrade: true, statsIntervalS: 60 };
    const revoked = await signPayload(doc, [releaseA.key]);
    await expectRefusedAndServing(live, 'E_SIG_UNTRUSTED', '2', () => hub.publish(desiredTopic(DEVICE), JSON.stringify(revoked), { retain: false }));

    const back = waitForReport(live, (s) => s.phase === 'serving' && s.active?.version === '1' && s.error === null, 'serving vad@1 again', 60_000);
    expect((await assign(hub, DEVICE, 'vad', '1')).status).toBe(200);
    await back;
    expect((await predict(live, sileroInputs(8))).body.version).toBe('1');
  });

  it(`a device more than ${TRUST_WALK_CAP} versions behind walks in steps of ${TRUST_WALK_CAP}`, async () => {
    const live = agent as Agent;
    const inputs = sileroInputs(9);
    const before = await predict(live, inputs);
    await live.close();
    agent = null;
    const newest = 3 + TRUST_WALK_CAP + 3;
    for (let version = 4; version <= newest; version++) await publishTrust(await signedTrust({ version, roots: [r2, r3], rootThreshold: 2, releases: [releaseB] }, [r2, r3]));
    rotations.length = 0;

    const restarted = await start();
    const during = await predict(restarted, inputs);
    expect({ ...during.body, predictionIds: null }).toEqual({ ...before.body, predictionIds: null });
    await expect.poll(() => pinnedVersion(), { timeout: 60_000, interval: 200 }).toBe(newest);
    expect(rotations.map(({ from, to }) => ({ from, to }))).toEqual([
      { from: 3, to: 3 + TRUST_WALK_CAP },
      { from: 3 + TRUST_WALK_CAP, to: newest },
    ]);
    const after = await predict(restarted, inputs);
    expect({ ...after.body, predictionIds: null }).toEqual({ ...before.body, predictionIds: null });
    expect(restarted.status().error).toBeNull();
  });
});
