/**
 * Issue 12, end to end: two hub replicas, each its own process, behind one PostgreSQL 15 and one
 * Mosquitto 2 with dynamic security, each replica with its own broker user and client id, the
 * data dir (keys, artifacts) on a volume they share, and real agents.
 *
 * Devices are enrolled through replica A (which provisions their broker accounts); versions are
 * trained, assigned and rolled out through replica B, which is also where the devices fetch
 * artifacts (the load balancer's choice). A 4-trial search runs trials on both replicas; the
 * drift job runs on one replica per schedule tick; every statistics window is counted exactly
 * once, whichever replica the broker's share group handed it to. Replica A holds the
 * scheduled-jobs lease when it is killed with SIGKILL mid-rollout; replica B takes the lease over
 * and finishes the rollout from the step it was on, with the same canary devices. Mosquitto 2.0
 * keeps handing the dead replica its share of device messages in its persistent session: a state
 * report queued there is replaced by the agent's periodic refresh, which B gets, and the windows
 * queued there are counted when A comes back under the same client id, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@edgefleet/agent';
import { HubProcess } from '../../fleet-sim/src/hub-process';
import { MACHINE_FEATURES, MACHINE_TARGET, machineCsv, machineRows } from '../fixtures/machine-data';
import { api, FAST_AGENT_TUNING, tempDir, testLogger, type TempDir } from '../support/harness';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import { startPostgres, type PostgresServer } from '../support/postgres';
import { freePort } from '../support/process';
import type { RolloutView } from '../support/rollout-views';
import { SLOW_MS } from '../support/slow';
import { waitUntil } from '../support/test-clock';

const MODEL = 'machine-health';
const TOKEN = 'replicas-admin-token-0123456789';
const REPLICA_B_USER = { username: 'edgefleet-hub-b', password: 'replica-b-p@ss' };
const CANARY = ['rep-canary-1', 'rep-canary-2'];
const BROAD = ['rep-broad-1', 'rep-broad-2', 'rep-broad-3', 'rep-broad-4'];
const SEARCH_TRIALS = 4;

interface Device {
  id: string;
  ring: string;
  secret: string;
  seed: number;
  drawn: number;
  dir: TempDir;
  agent: Agent | null;
}

interface JobView {
  name: string;
  counts?: { ran: number; skipped: number };
  lastRun: { skipped?: boolean } | null;
}

describe('two hub replicas on PostgreSQL and Mosquitto', { timeout: 240_000 }, () => {
  let postgres: PostgresServer;
  let mosquitto: Mosquitto;
  let shared: TempDir;
  let a: HubProcess;
  let b: HubProcess;
  const devices: Device[] = [];
  /** rows answered per version, as the hub must count them: each window once */
  const fed = new Map<string, number>();
  let columns = new Map<string, number>();
  const since = new Date(Date.now() - 3_600_000).toISOString();

  const on = (hub: HubProcess) => ({ httpUrl: hub.httpUrl, adminToken: TOKEN });

  beforeAll(async () => {
    postgres = await startPostgres();
    mosquitto = await startMosquitto();
    await mosquitto.addHubUser(REPLICA_B_USER.username, REPLICA_B_USER.password);
    shared = await tempDir('replicas-shared');
    const [portA, portB] = [await freePort(), await freePort()];
    const common = {
      dataDir: shared.path,
      adminToken: TOKEN,
      databaseUrl: postgres.url,
      brokerProvisioning: 'mosquitto-dynsec' as const,
      brokerShareGroup: 'edgefleet',
      // Devices reach the hub through B (a load balancer would pick any live replica).
      publicUrl: `http://127.0.0.1:${portB}`,
      rolloutSchedule: '*/2 * * * * *',
      driftSchedule: '*/3 * * * * *',
      leaseTtlS: 5,
      mqttPort: 0,
    };
    a = new HubProcess({ ...common, httpPort: portA, brokerUrl: mosquitto.hubUrl, brokerClientId: 'edgefleet-hub-a', replicaId: 'hub-a' });
    b = new HubProcess({
      ...common,
      httpPort: portB,
      brokerUrl: `mqtt://${REPLICA_B_USER.username}:${encodeURIComponent(REPLICA_B_USER.password)}@127.0.0.1:${mosquitto.port}`,
      brokerClientId: 'edgefleet-hub-b',
      replicaId: 'hub-b',
    });
    // A first: it creates the keys on the shared volume and takes the scheduled-jobs lease.
    await a.start();
    await waitUntil(() => jobOf(a, 'rollout-controller'), (job) => (job?.counts?.ran ?? 0) > 0, 'replica A running the scheduled jobs');
    await b.start();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.agent?.close()));
    await a?.stop();
    await b?.stop();
    await mosquitto?.close();
    await postgres?.stop();
    await shared?.remove();
    await Promise.all(devices.map((d) => d.dir.remove()));
  });

  async function jobOf(hub: HubProcess, name: string): Promise<JobView | undefined> {
    const { body } = await api<{ jobs: JobView[] }>(on(hub), 'GET', '/api/v1/jobs');
    return body.jobs.find((job) => job.name === name);
  }

  async function train(hub: HubProcess, version: string, csv: Uint8Array, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const upload = await api<{ id: string }>(on(hub), 'POST', `/api/v1/datasets?name=machines-${version}`, csv, { contentType: 'text/csv' });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    const run = await api<{ id: string }>(on(hub), 'POST', '/api/v1/training-runs', { dataset: upload.body.id, target: MACHINE_TARGET, task: 'classification', trainer: 'linear', params: { epochs: 30 }, model: MODEL, version, ...extra });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    const done = await waitUntil(
      async () => (await api<Record<string, unknown>>(on(hub), 'GET', `/api/v1/training-runs/${run.body.id}`)).body,
      (r) => ['succeeded', 'failed', 'cancelled'].includes(String(r.status)),
      `training run of ${version}`,
      120_000,
    );
    expect(done.error ?? null, JSON.stringify(done.error)).toBeNull();
    expect(done.resultVersion).toEqual({ model: MODEL, version });
    return done;
  }

  const tensorOf = (rows: ReturnType<typeof machineRows>) => {
    const data = new Array<number>(rows.length * MACHINE_FEATURES.length).fill(0);
    rows.forEach((row, r) => {
      for (const name of MACHINE_FEATURES) data[r * MACHINE_FEATURES.length + (columns.get(name) as number)] = row.readings[name];
    });
    return { type: 'float32' as const, dims: [rows.length, MACHINE_FEATURES.length], data };
  };

  /** `rows` readings through the device's local API, then its statistics window closed and sent. */
  async function feed(device: Device, rows: number): Promise<void> {
    const agent = device.agent as Agent;
    const version = agent.status().active?.version as string;
    const drawn = machineRows(device.drawn + rows, device.seed, {}).slice(device.drawn);
    device.drawn += rows;
    const response = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { numeric: tensorOf(drawn) } }) });
    expect(response.status).toBe(200);
    fed.set(version, (fed.get(version) ?? 0) + rows);
    await agent.flushStats();
  }

  async function countedOn(hub: HubProcess, version: string): Promise<number> {
    const view = await api<{ merged: { n: number } | null }>(on(hub), 'GET', `/api/v1/models/${MODEL}/versions/${version}/stats?from=${encodeURIComponent(since)}`);
    return view.body.merged?.n ?? 0;
  }

  const serving = (which: readonly Device[], version: string) =>
    waitUntil(
      () => which.filter((d) => d.agent?.status().phase !== 'serving' || d.agent.status().active?.version !== version).map((d) => d.id),
      (behind) => behind.length === 0,
      `${which.length} devices serving ${version}`,
      SLOW_MS,
    );

  it('enrols through A, trains and searches on both replicas, and assigns through B', async () => {
    for (const [position, ring] of ['canary', 'broad'].entries()) expect((await api(on(a), 'PUT', `/api/v1/rings/${ring}`, { position })).status).toBe(200);
    let seed = 500;
    for (const [ring, ids] of [['canary', CANARY], ['broad', BROAD]] as const) {
      for (const id of ids) {
        const enrolled = await api<{ secret: string }>(on(a), 'POST', '/api/v1/devices', { id, ring });
        expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
        devices.push({ id, ring, secret: enrolled.body.secret, seed: seed++, drawn: 0, dir: await tempDir('replicas-agent'), agent: null });
      }
    }
    // Both replicas see the same fleet: one database.
    const listed = await api<{ devices: { id: string }[] }>(on(b), 'GET', '/api/v1/devices');
    expect(listed.body.devices.map((d) => d.id).sort()).toEqual([...CANARY, ...BROAD].sort());

    await train(b, '1', machineCsv(3000, 1));
    // A grid of 4 trials, each a claim of its own: both replicas' workers take some. Each trial
    // lasts well over the idle runners' 1 s poll, so the other replica finds one queued.
    const search = await train(a, '2', machineCsv(6000, 2), { params: { epochs: 150 }, search: { kind: 'grid', space: { l2: [0, 0.001, 0.01, 0.1] }, metric: 'accuracy' } });
    const trials = search.trials as { index: number; replica?: string }[];
    expect(trials).toHaveLength(SEARCH_TRIALS);
    expect(new Set(trials.map((t) => t.replica))).toEqual(new Set(['hub-a', 'hub-b']));

    const release = await api<{ manifest: { reference: { features: { name: string; source: { index: number } }[] } } }>(on(b), 'GET', `/api/v1/models/${MODEL}/versions/1`);
    columns = new Map(release.body.manifest.reference.features.map((f) => [f.name, f.source.index]));

    for (const device of devices) {
      device.agent = await startAgent({
        hubUrl: b.httpUrl,
        deviceId: device.id,
        deviceSecret: device.secret,
        dataDir: device.dir.path,
        port: 0,
        host: '127.0.0.1',
        logger: testLogger,
        // State reported again every second: what Mosquitto queued for a dead replica is soon stale.
        tuning: { ...FAST_AGENT_TUNING, stateRefreshMs: 1_000 },
      });
    }
    for (const device of devices) expect((await api(on(b), 'PUT', `/api/v1/devices/${device.id}/assignment`, { model: MODEL, version: '1' })).status).toBe(200);
    await serving(devices, '1');
  });

  it('counts every statistics window once, whichever replica the broker gave it to', async () => {
    for (const device of devices) for (let round = 0; round < 3; round++) await feed(device, 20);
    const expected = fed.get('1') as number;
    await waitUntil(() => countedOn(b, '1'), (n) => n >= expected, `${expected} rows counted`);
    expect(await countedOn(a, '1')).toBe(expected);
    expect(await countedOn(b, '1')).toBe(expected);
  });

  it('runs the drift job on one replica per schedule tick', async () => {
    const before = { a: await jobOf(a, 'drift-evaluation'), b: await jobOf(b, 'drift-evaluation') };
    // Three ticks of the 3-second schedule.
    await waitUntil(() => jobOf(a, 'drift-evaluation'), (job) => (job?.counts?.ran ?? 0) >= (before.a?.counts?.ran ?? 0) + 3, 'three drift runs on A');
    const after = { a: await jobOf(a, 'drift-evaluation'), b: await jobOf(b, 'drift-evaluation') };
    expect(after.b?.counts?.ran).toBe(before.b?.counts?.ran);
    expect((after.b?.counts?.skipped ?? 0) - (before.b?.counts?.skipped ?? 0)).toBeGreaterThanOrEqual(2);
  });

  it('finishes a rollout on B at the same step with the same devices after A is killed mid-rollout', async () => {
    const plan = { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'bake', minutes: 0, minReporting: CANARY.length }, { kind: 'ring', ring: '*', percent: 100 }] };
    const created = await api<RolloutView>(on(b), 'POST', '/api/v1/rollouts', { model: MODEL, version: '2', plan });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    const view = async (hub: HubProcess) => (await api<RolloutView>(on(hub), 'GET', `/api/v1/rollouts/${id}`)).body;
    const canary = devices.filter((d) => d.ring === 'canary');
    await serving(canary, '2');
    // The bake waits for both canary devices to report on version 2: nothing is fed yet.
    const held = await waitUntil(() => view(a), (r) => r.step === 1, 'rollout waiting at its bake');
    const canaryMembers = held.members.map((m) => m.device).sort();
    expect(canaryMembers).toEqual([...CANARY].sort());

    await a.kill();
    const bRanBefore = (await jobOf(b, 'rollout-controller'))?.counts?.ran ?? 0;
    // Two windows from each canary device in a row: the share group alternates, so one reaches B.
    for (const device of canary) for (let round = 0; round < 2; round++) await feed(device, 20);
    // B takes the lease over and goes on from the bake, with the same canary devices, to the end:
    // a report Mosquitto queued for dead A is replaced by the agent's next refresh, which B gets.
    const done = await waitUntil(() => view(b), (r) => r.state === 'completed', 'rollout completed on B', 60_000);
    expect(done.members.filter((m) => m.step === 0).map((m) => m.device).sort()).toEqual(canaryMembers);
    expect(done.members.map((m) => m.device).sort()).toEqual(devices.map((d) => d.id).sort());
    expect((await jobOf(b, 'rollout-controller'))?.counts?.ran ?? 0).toBeGreaterThan(bRanBefore);
    await serving(devices, '2');

    // A comes back under its client id (as a supervisor restarts it): the windows Mosquitto queued
    // in its session are committed now, once; A only skips the jobs, B holds the lease.
    await a.start();
    for (const version of ['1', '2']) {
      const expected = fed.get(version) as number;
      await waitUntil(() => countedOn(b, version), (n) => n >= expected, `${expected} rows of ${version} counted`);
      expect(await countedOn(a, version)).toBe(expected);
    }
    expect((await jobOf(a, 'rollout-controller'))?.counts?.ran).toBe(0);
  });
});
