/**
 * Shadow mode end to end (ROLLOUTS "Shadow"), with a real hub and a real agent:
 * given a device serving Silero VAD v5,
 * when its assignment names v6 as a shadow, then v6 runs on every live prediction without
 * changing an answer, and its agreement and latency arrive at the hub's shadow route;
 * when the shadow is v5's own int8 form (quantized by the hub), it agrees within the tolerance
 * its release records;
 * when the assignment drops the shadow, it is unloaded and compares nothing more;
 * when the shadow's artifact is tampered with, it is refused (E_HASH_MISMATCH, a shadow-failed
 * event) and v5 serves on, untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHub, type Hub } from '@edgefleet/hub';
import { startAgent, type Agent } from '@edgefleet/agent';
import type { ReleaseManifest, StatsWindow, TensorJson } from '@edgefleet/protocol';
import { api, enrol, models, predict, runDirect, sileroInputs, tempDir, testLogger, uploadModel, waitForEvent, waitForReport } from '../support/harness';
import { testDatabase } from '../support/test-database';

const DEVICE = 'edge-shadow';
// The hub's default probe tolerance, which both uploads get.
const TOLERANCE = { abs: 1e-4, rel: 1e-3 };

interface ShadowReply {
  shadow: { n: number; agree: number; agreement: number | null; errors: Record<string, number>; dropped: number; latencyP95Ms: number | null; devices: number } | null;
  against: Array<{ model: string; version: string; n: number; agree: number }>;
}

describe('shadow mode: a candidate runs on live inputs without serving', () => {
  let hubDir: Awaited<ReturnType<typeof tempDir>>;
  let agentDir: Awaited<ReturnType<typeof tempDir>>;
  let hub: Hub;
  let agent: Agent;
  const frames = Array.from({ length: 12 }, (_, i) => sileroInputs(i + 1));
  let expectedAgree = 0;

  /**
   * How many frames the shadow must agree on, by the agent's rule: the primary output `output`,
   * element by element within the looser of the two releases' probe tolerances.
   */
  async function agreeing(shadow: string | Uint8Array, tolerance: ReleaseManifest['probe']['tolerance']): Promise<number> {
    const abs = Math.max(TOLERANCE.abs, tolerance.abs);
    const rel = Math.max(TOLERANCE.rel, tolerance.rel);
    let count = 0;
    for (const frame of frames) {
      const [want, got] = [(await runDirect(models.sileroV5, frame)).output?.data ?? [], (await runDirect(shadow, frame)).output?.data ?? []];
      if (want.every((x, i) => Math.abs(Number(got[i]) - Number(x)) <= abs + rel * Math.abs(Number(x)))) count++;
    }
    return count;
  }

  const shadowOf = async (version: string): Promise<ShadowReply> => {
    const reply = await api<ShadowReply>(hub, 'GET', `/api/v1/models/vad/versions/${version}/shadow?device=${DEVICE}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const servedStats = async (): Promise<StatsWindow | null> => (await api<{ merged: StatsWindow | null }>(hub, 'GET', `/api/v1/models/vad/versions/1/stats?device=${DEVICE}`)).body.merged;
  const assign = (body: Record<string, unknown>) => api(hub, 'PUT', `/api/v1/devices/${DEVICE}/assignment`, { model: 'vad', version: '1', ...body });

  /** Every frame answered by v5 exactly as a bare onnxruntime session answers it. */
  async function expectServedByV5(inputs: Array<Record<string, TensorJson>>): Promise<void> {
    for (const frame of inputs) {
      const response = await predict(agent, frame);
      expect(response.status).toBe(200);
      expect(response.body.version).toBe('1');
      const direct = await runDirect(models.sileroV5, frame);
      expect(response.body.outputs.output?.data).toEqual(direct.output?.data);
      // (JSON has no -0: compare the state with zeros of one sign)
      const unsigned = (data: TensorJson['data'] | undefined) => data?.map((x) => Number(x) + 0);
      expect(unsigned(response.body.outputs.stateN?.data)).toEqual(unsigned(direct.stateN?.data));
    }
  }

  beforeAll(async () => {
    hubDir = await tempDir('hub');
    agentDir = await tempDir('agent');
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    await uploadModel(hub, 'vad', models.sileroV6, '2');
    const secret = await enrol(hub, DEVICE);
    agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: DEVICE, deviceSecret: secret, dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger });
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving vad@1');
    expect((await assign({})).status).toBe(200);
    await serving;
    expectedAgree = await agreeing(models.sileroV6, TOLERANCE);
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
    await hub?.close();
    await hubDir?.remove();
    await agentDir?.remove();
  });

  it('loads the shadow beside the serving model, reports it, and answers exactly as before', async () => {
    const loaded = waitForEvent(agent, (e) => e.kind === 'shadow-loaded', 'shadow-loaded');
    const reported = waitForReport(agent, (s) => s.shadow?.version === '2', 'reporting shadow vad@2');
    const reply = await assign({ shadow: { model: 'vad', version: '2' } });
    expect(reply.body).toMatchObject({ shadow: { model: 'vad', version: '2' } });
    expect((await loaded).model?.version).toBe('2');
    const state = await reported;
    expect(state).toMatchObject({ phase: 'serving', active: { version: '1' }, error: null });
    expect(agent.status().shadow?.version).toBe('2');
    await expect.poll(async () => (await api<{ state: { shadow?: { version: string } | null } }>(hub, 'GET', `/api/v1/devices/${DEVICE}`)).body.state?.shadow?.version).toBe('2');

    await expectServedByV5(frames);
  });

  it("counts agreement and latency into the serving version's window; they arrive at the hub's shadow route", async () => {
    await agent.flushStats();
    await expect.poll(async () => (await shadowOf('2')).shadow?.n ?? 0).toBe(frames.length);
    const { shadow, against } = await shadowOf('2');
    expect(shadow).toMatchObject({ n: frames.length, agree: expectedAgree, errors: {}, dropped: 0, devices: 1 });
    expect(shadow?.latencyP95Ms).toBeGreaterThan(0);
    expect(against).toEqual([{ model: 'vad', version: '1', n: frames.length, agree: expectedAgree, agreement: expectedAgree / frames.length }]);
    // The serving version's own statistics count the same predictions, with no shadow section.
    const served = await servedStats();
    expect(served?.n).toBe(frames.length);
    expect(served).not.toHaveProperty('shadow');
  });

  it("v5's own int8 form as the shadow replaces v6 and agrees within the tolerance its release records", async () => {
    const quantized = await api<{ sha256: string }>(hub, 'POST', '/api/v1/models/vad/versions/1/quantize', { mode: 'int8-weight-only', version: 'int8' });
    expect(quantized.status, JSON.stringify(quantized.body)).toBe(201);
    const manifest = (await api<{ manifest: ReleaseManifest }>(hub, 'GET', '/api/v1/models/vad/versions/int8')).body.manifest;
    const expected = await agreeing(new Uint8Array(await readFile(join(hubDir.path, 'artifacts', quantized.body.sha256))), manifest.probe.tolerance);

    const reported = waitForReport(agent, (s) => s.shadow?.version === 'int8', 'reporting shadow vad@int8');
    expect((await assign({ shadow: { model: 'vad', version: 'int8' } })).status).toBe(200);
    await reported;
    await expectServedByV5(frames);
    await agent.flushStats();
    await expect.poll(async () => (await shadowOf('int8')).shadow?.n ?? 0).toBe(frames.length);
    expect((await shadowOf('int8')).shadow).toMatchObject({ n: frames.length, agree: expected, errors: {} });
    expect(expected).toBe(frames.length); // the int8 form stays within its recorded tolerance here
    expect((await shadowOf('2')).shadow?.n).toBe(frames.length); // v6 compared nothing more
    expect((await servedStats())?.n).toBe(2 * frames.length);
  });

  it('a doc without the shadow unloads it; later predictions compare nothing', async () => {
    const unloaded = waitForReport(agent, (s) => s.shadow === null && s.seq > 0, 'shadow unloaded');
    expect((await assign({})).body).toMatchObject({ shadow: null });
    await unloaded;
    await expectServedByV5(frames.slice(0, 3));
    await agent.flushStats();
    await expect.poll(async () => (await servedStats())?.n).toBe(2 * frames.length + 3);
    expect((await shadowOf('int8')).shadow?.n).toBe(frames.length);
  });

  it('a shadow whose artifact fails its hash is reported and dropped; serving never notices', async () => {
    const v3 = await uploadModel(hub, 'vad', models.sileroLegacy, '3');
    const artifact = join(hubDir.path, 'artifacts', v3.sha256);
    const bytes = await readFile(artifact);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8((bytes.readUInt8(middle) ^ 0xff) & 0xff, middle);
    await writeFile(artifact, bytes);

    const failed = waitForEvent(agent, (e) => e.kind === 'shadow-failed', 'shadow-failed');
    const reports: Array<{ phase: string; error: unknown }> = [];
    const stop = agent.onReport((s) => reports.push({ phase: s.phase, error: s.error }));
    expect((await assign({ shadow: { model: 'vad', version: '3' } })).status).toBe(200);
    const event = await failed;
    stop();
    expect(event).toMatchObject({ model: { model: 'vad', version: '3', sha256: v3.sha256 }, error: { code: 'E_HASH_MISMATCH' } });
    // Nothing the hub sees about serving changed: never another phase, never an error.
    expect(reports.every((r) => r.phase === 'serving' && r.error === null)).toBe(true);
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: '1' }, shadow: null, error: null });
    await expectServedByV5(frames.slice(3, 6));
    expect((await readdir(join(agentDir.path, 'models'))).some((name) => name.startsWith(v3.sha256))).toBe(false);
    await expect.poll(async () => (await api<{ events: Array<{ kind: string; code: string | null }> }>(hub, 'GET', `/api/v1/devices/${DEVICE}/events`)).body.events.find((e) => e.kind === 'shadow-failed')?.code).toBe('E_HASH_MISMATCH');
    expect((await shadowOf('3')).shadow).toBeNull();
  });
});
