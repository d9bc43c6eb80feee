/**
 * A real hub and a real agent against models that attack memory and files (issue 16, items 2 and
 * 7). The hub refuses them at upload with typed 422s (E_MODEL_RESOURCES, E_EXTERNAL_DATA) and
 * stores nothing. Signed anyway with the hub's own release key (its upload checks bypassed, as a
 * stolen key or a hub bug would), each reaches the device, which refuses it (E_PROBE_FAILED,
 * E_LOAD_FAILED), reports it to the hub, and keeps answering with v1 before, during and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from '@edgefleet/agent';
import type { Hub } from '@edgefleet/hub';
import { desiredTopic, signPayload, type DeploymentDoc, type ErrorCode, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import { makeRelease } from '../fixtures/signing';
import { BOMB_ELEMENTS, computedShapeBomb, constantOfShapeBomb, externalDataModel, hostileInput } from '../fixtures/hostile-models';
import { api, assign, enrol, models, predict, runDirect, sileroInputs, startScenario, uploadModel, waitForEvent, waitForReport, type Scenario } from '../support/harness';

const DEVICE = 'edge-memory';
const WAIT_MS = 60_000;

interface ErrorReply {
  error: { code: string; message: string };
}

describe('model memory and external data, hub and agent together', { timeout: 180_000 }, () => {
  let scenario: Scenario;
  let hub: Hub;
  let agent: Agent;
  let files: Server;
  let filesUrl = '';
  const hosted = new Map<string, Uint8Array>();
  const truth = new Map<number, TensorJson | undefined>();
  let counter = 100;

  beforeAll(async () => {
    scenario = await startScenario();
    hub = scenario.hub;
    // Where the bypassing releases' artifacts are served from (the hub never stored them).
    files = createServer((req, res) => {
      const bytes = hosted.get(req.url?.split('/').pop() ?? '');
      if (!bytes) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    agent = await scenario.startAgent(DEVICE, await enrol(hub, DEVICE));
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving vad@1', WAIT_MS);
    expect((await assign(hub, DEVICE, 'vad', '1')).status).toBe(200);
    await serving;
  }, 120_000);

  afterAll(async () => {
    await new Promise((resolve) => files?.close(resolve));
    await scenario?.close();
  });

  async function expectV1(seed: number): Promise<void> {
    const inputs = sileroInputs(seed);
    const reply = await predict(agent, inputs);
    expect(reply.status).toBe(200);
    expect(reply.body.version).toBe('1');
    if (!truth.has(seed)) truth.set(seed, (await runDirect(models.sileroV5, inputs)).output);
    expect(reply.body.outputs.output).toEqual(truth.get(seed));
  }

  /** `bytes` as a release signed with the hub's release key, in a doc the hub's key signs too; `deliver` publishes it. */
  async function bypassingUpload(bytes: Uint8Array): Promise<{ seq: number; version: string; deliver(): Promise<void> }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    hosted.set(sha256, bytes);
    const version = String(++counter);
    const manifest: ReleaseManifest = makeRelease({
      model: 'vad',
      version,
      releaseCounter: counter,
      artifact: { sha256, size: bytes.length, url: `${filesUrl}/artifacts/${sha256}` },
      io: { inputs: [{ name: 'x', type: 'float32', shape: [1] }], outputs: [{ name: 'y', type: 'float32', shape: [1] }] },
      compat: { opset: 19 },
      probe: { inputs: hostileInput, expected: { y: { type: 'float32', dims: [1], data: [0.5] } }, tolerance: { abs: 1e-4, rel: 1e-3 } },
    });
    const current = await api<{ assignment: { seq: number } }>(hub, 'GET', `/api/v1/devices/${DEVICE}`);
    const seq = Math.max(current.body.assignment.seq, agent.status().seq) + 1;
    const doc: DeploymentDoc = {
      type: 'deployment',
      v: 1,
      device: DEVICE,
      seq,
      expires: new Date(Date.now() + 3_600_000).toISOString(),
      rollout: null,
      active: await signPayload(manifest, [hub.releaseKey]),
      previous: null,
      allowDowngrade: false,
      statsIntervalS: 60,
    };
    const envelope = await signPayload(doc, [hub.releaseKey]);
    return { seq, version, deliver: () => hub.publish(desiredTopic(DEVICE), JSON.stringify(envelope), { retain: false }) };
  }

  /** Delivers `bytes`; the agent refuses it with `code` and v1 answers before, during and after. Resolves with the reported message. */
  async function refusedByTheAgent(bytes: Uint8Array, code: ErrorCode): Promise<string> {
    await expectV1(1);
    const { seq, version, deliver } = await bypassingUpload(bytes);
    // Both awaited together: a timeout of one does not leave the other to reject unhandled.
    const answered = Promise.all([
      waitForReport(agent, (s) => s.seq === seq && s.error?.code === code, `seq ${seq} reported ${code}`, WAIT_MS),
      waitForEvent(agent, (e) => e.kind === 'install-failed' && e.seq === seq && e.error?.code === code, `install-failed ${code}`, WAIT_MS),
    ]);
    answered.catch(() => undefined);
    let predicting = true;
    let during = 0;
    const loop = (async () => {
      for (let i = 0; predicting; i++, during++) {
        await expectV1(2 + (i % 3));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // A failed prediction is reported by `await loop` below, not as an unhandled rejection meanwhile.
    loop.catch(() => undefined);
    let state: Awaited<typeof answered>[0];
    try {
      await deliver();
      [state] = await answered;
    } finally {
      // Stopped whatever happened: the loop must not outlive the test.
      predicting = false;
    }
    await loop;
    expect(during).toBeGreaterThan(0);
    expect(state).toMatchObject({ seq, phase: 'serving', active: { version: '1' } });
    await expectV1(1);
    // The hub hears it from the device.
    await expect
      .poll(async () => (await api<{ state: { seq: number; error: { code: string } | null } | null }>(hub, 'GET', `/api/v1/devices/${DEVICE}`)).body.state, { timeout: WAIT_MS })
      .toMatchObject({ seq, error: { code } });
    expect(state.error?.message).toContain(`vad@${version}`);
    return state.error?.message ?? '';
  }

  async function refusedAtUpload(model: string, bytes: Uint8Array): Promise<ErrorReply['error']> {
    const reply = await api<ErrorReply>(hub, 'POST', `/api/v1/models/${model}/versions`, bytes);
    expect(reply.status).toBe(422);
    expect((await api(hub, 'GET', `/api/v1/models/${model}/versions/1`)).status).toBe(404);
    return reply.body.error;
  }

  it("the outside review's ConstantOfShape of 805M floats: 422 E_MODEL_RESOURCES at the hub; signed anyway, E_PROBE_FAILED on the device, v1 serving", async () => {
    const bomb = constantOfShapeBomb();
    const upload = await refusedAtUpload('bomb', bomb);
    expect(upload.code).toBe('E_MODEL_RESOURCES');
    expect(upload.message).toContain(`ConstantOfShape node 'ConstantOfShape_node' makes ${BOMB_ELEMENTS} elements`);
    const message = await refusedByTheAgent(bomb, 'E_PROBE_FAILED');
    expect(message).toMatch(/refused before loading: ConstantOfShape node 'ConstantOfShape_node' makes 805000000 elements \(3071 MiB\), more than this device allows models \(512 MiB/);
  });

  it('the same allocation computed at run time: stopped in the hub sandbox and in the device sandbox', async () => {
    const bomb = computedShapeBomb();
    const upload = await refusedAtUpload('computed-bomb', bomb);
    expect(upload.code).toBe('E_MODEL_RESOURCES');
    expect(upload.message).toMatch(/needs more memory than the hub allows models \(2048 MiB, EDGEFLEET_MODEL_MEMORY_LIMIT_MB\)/);
    const message = await refusedByTheAgent(bomb, 'E_PROBE_FAILED');
    expect(message).toMatch(/the model needs more memory than this device allows models \(512 MiB, EDGEFLEET_AGENT_MODEL_MEMORY_MB\)/);
  });

  it('external data: 422 E_EXTERNAL_DATA at the hub; signed anyway, E_LOAD_FAILED on the device', async () => {
    const external = externalDataModel();
    expect((await refusedAtUpload('external', external)).code).toBe('E_EXTERNAL_DATA');
    expect(await refusedByTheAgent(external, 'E_LOAD_FAILED')).toMatch(/refused before loading: initializer 'w' keeps its data in an external file/);
  });
});
