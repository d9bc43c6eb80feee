/**
 * Given a real hub and a real agent, when Silero VAD v5 is uploaded and quantized weight-only
 * through the hub's API, and the device is assigned the int8 version, then the agent verifies it
 * (signature, hash, probe within the recorded tolerance), serves it, and answers with exactly
 * what a bare onnxruntime-node session gives on the int8 file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '@edgefleet/hub';
import { startAgent, type Agent } from '@edgefleet/agent';
import { api, assign, enrol, models, predict, runDirect, sileroInputs, tempDir, testLogger, uploadModel, waitForReport } from '../support/harness';
import { testDatabase } from '../support/test-database';

const DEVICE = 'edge-q1';
const plain = (data: ReadonlyArray<unknown> | undefined): number[] => (data ?? []).map((value) => Number(value) + 0);

describe('a quantized third-party model, from the hub to a serving agent', () => {
  let hubDir: Awaited<ReturnType<typeof tempDir>>;
  let agentDir: Awaited<ReturnType<typeof tempDir>>;
  let hub: Hub;
  let agent: Agent | undefined;

  beforeAll(async () => {
    hubDir = await tempDir('hub');
    agentDir = await tempDir('agent');
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
  });

  afterAll(async () => {
    await agent?.close();
    await hub?.close();
    await hubDir?.remove();
    await agentDir?.remove();
  });

  it('serves vad@int8 with the same predictions as onnxruntime-node on the int8 file', async () => {
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    const quantized = await api<{ version: string; sha256: string; result: { sizeRatio: number } }>(hub, 'POST', '/api/v1/models/vad/versions/1/quantize', { mode: 'int8-weight-only', version: 'int8' });
    expect(quantized.status, JSON.stringify(quantized.body)).toBe(201);
    expect(quantized.body.result.sizeRatio).toBeLessThanOrEqual(0.3);
    const int8 = new Uint8Array(await readFile(join(hubDir.path, 'artifacts', quantized.body.sha256)));

    const secret = await enrol(hub, DEVICE);
    agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: DEVICE, deviceSecret: secret, dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger });
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === 'int8', 'serving vad@int8');
    expect((await assign(hub, DEVICE, 'vad', 'int8')).status).toBe(200);
    const state = await serving;
    expect(state.active?.sha256).toBe(quantized.body.sha256);

    for (const seed of [1, 2, 3]) {
      const inputs = sileroInputs(seed);
      const response = await predict(agent, inputs);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ model: 'vad', version: 'int8' });
      const direct = await runDirect(int8, inputs);
      // JSON carries -0 as 0: compare the numbers, not their signs of zero
      expect(plain(response.body.outputs.output?.data)).toEqual(plain(direct.output?.data));
      expect(plain(response.body.outputs.stateN?.data)).toEqual(plain(direct.stateN?.data));
      // and the int8 prediction stays near fp32's
      const fp32 = await runDirect(models.sileroV5, inputs);
      expect(Math.abs(Number(direct.output?.data[0]) - Number(fp32.output?.data[0]))).toBeLessThan(0.05);
    }
  });
});
