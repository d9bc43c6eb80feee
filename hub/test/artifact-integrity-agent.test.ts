/**
 * Issue 16 item 4 with a real agent: a device assigned a version whose stored file went bad is
 * told so by the hub (503 E_ARTIFACT_CORRUPT: a transient download failure it retries), reports
 * it and keeps answering with the version it has, exactly as before; once the same bytes are
 * uploaded again the file is repaired and the device installs the version on its next retry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, type Agent } from '@edgefleet/agent';
import { FAST_AGENT_TUNING, api, assign, enrol, expectRefusedAndServing, models, predict, sileroInputs, sileroProbeQuery, startScenario, testLogger, uploadModel, waitForEvent, waitForReport, type Scenario } from '../../test/support/harness';

const DEVICE = 'edge-integrity';

describe('a corrupt stored model file, repaired, then installed by an agent', () => {
  let scenario: Scenario;
  let agent: Agent;

  beforeAll(async () => {
    scenario = await startScenario();
    const { hub } = scenario;
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    const secret = await enrol(hub, DEVICE);
    agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: DEVICE, deviceSecret: secret, dataDir: scenario.agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger, tuning: FAST_AGENT_TUNING });
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving vad@1', 60_000);
    expect((await assign(hub, DEVICE, 'vad', '1')).status).toBe(200);
    await serving;
  }, 120_000);

  afterAll(async () => {
    await agent?.close();
    await scenario?.close();
  });

  it('refused while corrupt (the device keeps serving vad@1), installed once the same bytes are uploaded again', async () => {
    const { hub, hubDir } = scenario;
    const v2 = await uploadModel(hub, 'vad', models.sileroV6, '2');
    const path = join(hubDir.path, 'artifacts', v2.sha256);
    const bytes = await readFile(path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] as number) ^ 0xff;
    // Other bytes under the model's name, put there the way files usually are: a new file renamed over it.
    await writeFile(`${path}.bad`, bytes);
    await rename(`${path}.bad`, path);

    await expectRefusedAndServing(agent, 'E_DOWNLOAD_FAILED', '1', async () => expect((await assign(hub, DEVICE, 'vad', '2')).status).toBe(200));
    expect(agent.status().error?.message).toContain('503');
    const direct = await fetch(`${hub.httpUrl}/artifacts/${v2.sha256}`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    expect(direct.status).toBe(503);

    const activated = waitForEvent(agent, (e) => e.kind === 'activated' && e.model?.version === '2', 'vad@2 activated', 60_000);
    // The same bytes, uploaded again under another label: the stored file is replaced.
    const again = await api<{ sha256: string }>(hub, 'POST', `/api/v1/models/vad/versions?version=2-again&probe=${sileroProbeQuery}`, new Uint8Array(await readFile(models.sileroV6)));
    expect([again.status, again.body.sha256]).toEqual([201, v2.sha256]);
    await activated;
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: '2' }, error: null });
    const answer = await predict(agent, sileroInputs(5));
    expect([answer.status, answer.body.version]).toEqual([200, '2']);
  }, 120_000);
});
