/**
 * The hub side of the agent bench: a real hub that trains the machine-health MLP and holds
 * Silero, and one real agent per model (startAgent) pinned to it; and its tear-down. Separate
 * from the measurements, which only take the running agents and models.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '@edgefleet/agent';
import { startHub, type Hub } from '@edgefleet/hub';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { MACHINE_TARGET, machineCsv } from '../../demo/machine-data';
import { adminCall, silentLogger, waitFor } from '../measure';
import type { Counts } from './counts';
import { SILERO_PATH, sileroInputs, tabularInputs, typedOf, type BenchModel } from './models';

const SILERO_PROBE = encodeURIComponent(JSON.stringify({ input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } }));

// ---- train, upload, enrol, pin ----

export interface Fleet {
  hub: Hub;
  dir: string;
  models: BenchModel[];
  agents: Map<string, { agent: Agent; secret: string; dataDir: string }>;
  trainSeconds: number;
}

export async function setUp(counts: Counts): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-agent-bench-'));
  const never = '0 0 1 1 *';
  const hub = await startHub({ dataDir: join(dir, 'hub'), httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'bench-admin-token-0123456789', logger: silentLogger, rolloutSchedule: never, driftSchedule: never, retrainSchedule: never });
  const fleet: Fleet = { hub, dir, models: [], agents: new Map(), trainSeconds: 0 };
  try {
    // The demo's tabular model: machine-health MLP 4 -> 16 -> 3 on 3,000 seeded rows (its v2 recipe).
    const dataset = await adminCall<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=machines', undefined, { bytes: machineCsv(3000, 1), contentType: 'text/csv' });
    const trainStart = performance.now();
    const run = await adminCall<{ id: string }>(hub, 'POST', '/api/v1/training-runs', {
      dataset: dataset.id,
      target: MACHINE_TARGET,
      task: 'classification',
      trainer: 'mlp',
      params: { hidden: [16], epochs: counts.trainEpochs },
      model: 'machine-health',
      version: '1',
      seed: 1,
    });
    const done = await waitFor(
      'the training run',
      async () => {
        const r = await adminCall<{ status: string; error: unknown }>(hub, 'GET', `/api/v1/training-runs/${run.id}`);
        return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
      },
      180_000,
      100,
    );
    if (done.status !== 'succeeded') throw new Error(`training ${done.status}: ${JSON.stringify(done.error)}`);
    fleet.trainSeconds = (performance.now() - trainStart) / 1000;
    await adminCall(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, undefined, { bytes: new Uint8Array(readFileSync(SILERO_PATH)), contentType: 'application/octet-stream' });

    const specs = [
      { label: 'machine-health MLP 4-16-3 (tabular, batch 1)', model: 'machine-health', version: '1', device: 'bench-tabular' },
      { label: 'Silero VAD v5 (512-sample frame + state, batch 1)', model: 'vad', version: '1', device: 'bench-vad' },
    ];
    for (const spec of specs) {
      const { secret } = await adminCall<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id: spec.device });
      const dataDir = join(dir, spec.device);
      const agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: spec.device, deviceSecret: secret, dataDir, port: 0, host: '127.0.0.1', logger: silentLogger });
      fleet.agents.set(spec.device, { agent, secret, dataDir });
      await adminCall(hub, 'PUT', `/api/v1/devices/${spec.device}/assignment`, { model: spec.model, version: spec.version });
      await waitFor(`${spec.device} serving ${spec.model}@${spec.version}`, () => {
        const s = agent.status();
        return s.phase === 'serving' && s.active?.model === spec.model && s.active.version === spec.version ? true : undefined;
      });
      const detail = await adminCall<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${spec.model}/versions/${spec.version}`);
      const release = detail.manifest;
      const response = await fetch(`${hub.httpUrl}/artifacts/${release.artifact.sha256}`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
      if (!response.ok) throw new Error(`artifact ${release.artifact.sha256}: ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const body = spec.model === 'vad' ? sileroInputs() : tabularInputs(release);
      fleet.models.push({ ...spec, release, bytes, body, typed: typedOf(body) });
    }
    return fleet;
  } catch (error) {
    await tearDown(fleet);
    throw error;
  }
}

export async function tearDown(fleet: Fleet): Promise<void> {
  for (const { agent } of fleet.agents.values()) await agent.close().catch(() => undefined);
  await fleet.hub.close();
  await rm(fleet.dir, { recursive: true, force: true });
}
