/**
 * Issue 11 item 7 end to end, with a real hub and a real agent: large probes travel as
 * hash-addressed blobs, not inside the signed manifest.
 * Given a device serving Silero VAD v5 as vad@1 (a one-frame probe, inline),
 * when vad@2 (the same file with a 16-frame probe, about 100 KB of JSON) is assigned to it,
 * then the agent fetches the probe blob over the artifact route with its credentials, checks its
 * hash against the signed manifest, runs it, caches it beside the model and serves vad@2;
 * when vad@3 (a 24-frame probe) is assigned after its blob was changed on the hub's disk,
 * then the agent refuses vad@3 (E_HASH_MISMATCH, never running the blob), caches nothing of it,
 * and vad@2 keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '@edgefleet/hub';
import type { Agent } from '@edgefleet/agent';
import { isProbeRef, type ProbeRef, type ReleaseManifest } from '@edgefleet/protocol';
import { api, assign, enrol, expectRefusedAndServing, models, predict, sileroInputs, startScenario, uploadModel, waitForEvent, waitForReport, type Scenario } from '../support/harness';

const DEVICE = 'edge-probe';

const framesHint = (frames: number): string =>
  encodeURIComponent(JSON.stringify({ input: { dims: [frames, 512] }, state: { dims: [2, frames, 128] }, sr: { dims: [], data: [16000] } }));

describe('large probes as hash-addressed blobs, end to end', () => {
  let scenario: Scenario;
  let hub: Hub;
  let agent: Agent;

  const uploadWithProbe = async (version: string, frames: number): Promise<ProbeRef> => {
    const bytes = new Uint8Array(await readFile(models.sileroV5));
    const reply = await api(hub, 'POST', `/api/v1/models/vad/versions?version=${version}&probe=${framesHint(frames)}`, bytes);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const view = await api<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/vad/versions/${version}`);
    const { probe } = view.body.manifest;
    if (!isProbeRef(probe)) throw new Error(`vad@${version}: expected a probe blob reference`);
    return probe;
  };

  beforeAll(async () => {
    scenario = await startScenario();
    hub = scenario.hub;
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    agent = await scenario.startAgent(DEVICE, await enrol(hub, DEVICE));
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving vad@1');
    expect((await assign(hub, DEVICE, 'vad', '1')).status).toBe(200);
    await serving;
  });

  afterAll(() => scenario?.close());

  it('installs a version whose probe is a blob: fetched, verified, run and cached', async () => {
    const probe = await uploadWithProbe('2', 16);
    const activated = waitForEvent(agent, (e) => e.kind === 'activated' && e.model?.version === '2', 'vad@2 activated');
    expect((await assign(hub, DEVICE, 'vad', '2')).status).toBe(200);
    await activated;
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: '2' }, error: null });
    const cached = await readFile(join(scenario.agentDir.path, 'models', `${probe.sha256}.probe.json`));
    expect(cached.length).toBe(probe.size);
    const reply = await predict(agent, sileroInputs(2));
    expect(reply.status).toBe(200);
    expect(reply.body.version).toBe('2');
  });

  it('refuses a version whose probe blob was changed on the hub, and keeps serving the one before', async () => {
    const probe = await uploadWithProbe('3', 24);
    const blob = join(scenario.hubDir.path, 'probes', probe.sha256);
    const bytes = await readFile(blob);
    // A digit in the middle of the golden inputs: still valid JSON, still a valid probe, not the signed one.
    const at = bytes.indexOf('0.', Math.floor(bytes.length / 2)) + 2;
    bytes.writeUInt8(bytes[at] === 0x31 ? 0x32 : 0x31, at);
    await writeFile(blob, bytes);

    await expectRefusedAndServing(agent, 'E_HASH_MISMATCH', '2', async () => expect((await assign(hub, DEVICE, 'vad', '3')).status).toBe(200));
    const files = await readdir(join(scenario.agentDir.path, 'models'));
    expect(files.some((name) => name.startsWith(probe.sha256))).toBe(false);
  });
});
