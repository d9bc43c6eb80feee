/**
 * The rollout end-to-end tests' fleet: a real hub on a controlled clock, 30+ real agents (all in
 * the test process) in three rings, the machine-health classifier trained through the API as
 * the version every device starts on, and a counting proxy in front of the hub's artifact route
 * (the artifact URLs in release manifests point at it), so a test can tell whether a device
 * downloaded anything.
 *
 * Time: hub and agents share one clock, the real one shifted by what the test advanced. Bake
 * times, gate and member deadlines are judged on it, and the hub files a statistics window under
 * the hour its (agent-stamped) start falls in, so the two must agree. Gates read the buckets from
 * the rollout's first hour on, bakes from their step's: the clock starts a minute past an hour
 * and tests advance it by whole bakes, far from hour edges, and feed and flush before advancing,
 * so no window a step should count starts in an hour it does not read.
 */
import { expect } from 'vitest';
import { startHub, type Hub, type HubOptions } from '@edgefleet/hub';
import { startAgent, type Agent } from '@edgefleet/agent';
import { routeToCandidate } from '../../device-core/src/predictions/traffic-split';
import type { DeviceEvent, ReportedState } from '@edgefleet/protocol';
import { MACHINE_FEATURES, MACHINE_TARGET, machineCsv, machineRows, type MachineFeature, type MachineRow } from '../fixtures/machine-data';
import { startArtifactCounter, type ArtifactCounter } from './artifact-counter';
import { api, FAST_AGENT_TUNING, tempDir, testLogger } from './harness';
import type { AuditEntry, DeviceView, RolloutView } from './rollout-views';
import { SLOW_MS } from './slow';
import { TestClock, waitUntil } from './test-clock';
import { testDatabase } from './test-database';

export const MODEL = 'machine-health';
const HOUR_MS = 3_600_000;

type TempDir = Awaited<ReturnType<typeof tempDir>>;

export interface FleetDevice {
  id: string;
  ring: string;
  /** the agent's maxArtifactBytes, when it is a small device */
  maxArtifactBytes?: number;
  /** its stream of machine readings */
  seed: number;
  secret: string;
  dir: TempDir;
  agent: Agent | null;
  /** rows drawn so far from the stream */
  drawn: number;
  /** every state the agent reported and every event it raised, in order, across restarts */
  reports: ReportedState[];
  events: DeviceEvent[];
}

export interface RingSpec {
  name: string;
  size: number;
  /** the ring's first devices that allow models of at most SMALL_DEVICE_MAX_BYTES (default none) */
  small?: number;
}

/** The model storage a small device allows (the agent's maxArtifactBytes). */
export const SMALL_DEVICE_MAX_BYTES = 1024 * 1024;

interface StatsView {
  devices: number;
  windows: number;
  merged: { n: number; errors: Record<string, number> } | null;
}

interface TrainingRun {
  status: string;
  error: unknown;
  resultVersion: { model: string; version: string } | null;
}

export class RolloutFleet {
  hub!: Hub;
  private hubOptions: Partial<HubOptions> = {};
  readonly clock = new TestClock();
  /** where statistics views start: before anything was sent */
  private readonly since = new Date(this.clock.now().getTime() - HOUR_MS).toISOString();
  /** rows answered and requests failed per version, as the hub should count them */
  private readonly fed = new Map<string, { rows: number; errors: number }>();
  /** feature name -> column of the classifier's `numeric` input (from v1's reference profile) */
  columns = new Map<string, number>();
  readonly devices: FleetDevice[];
  private ports = { httpPort: 0, mqttPort: 0 };

  private constructor(
    readonly prefix: string,
    readonly rings: readonly RingSpec[],
    readonly hubDir: TempDir,
    readonly artifacts: ArtifactCounter,
    devices: FleetDevice[],
  ) {
    this.devices = devices;
  }

  /**
   * A hub, the rings in order (the first is the canary), the classifier trained on the reference
   * distribution as version 1 (and on `train`'s CSVs as those versions), the devices enrolled in
   * their rings, their agents started and all pinned to version 1 and serving it.
   */
  /** `hub`: options the test adds to the hub's (e.g. the console it serves) */
  static async start(prefix: string, rings: readonly RingSpec[], options: { train?: Record<string, Uint8Array>; hub?: Partial<HubOptions> } = {}): Promise<RolloutFleet> {
    const hubDir = await tempDir(`${prefix}-hub`);
    const artifacts = await startArtifactCounter();
    let seed = 1000;
    const devices: FleetDevice[] = [];
    for (const ring of rings) {
      for (let i = 1; i <= ring.size; i++) {
        const small = i <= (ring.small ?? 0);
        devices.push({
          id: `${prefix}-${ring.name}-${small ? 'small-' : ''}${String(i).padStart(2, '0')}`,
          ring: ring.name,
          ...(small ? { maxArtifactBytes: SMALL_DEVICE_MAX_BYTES } : {}),
          seed: seed++,
          secret: '',
          dir: await tempDir(`${prefix}-agent`),
          agent: null,
          drawn: 0,
          reports: [],
          events: [],
        });
      }
    }
    const fleet = new RolloutFleet(prefix, rings, hubDir, artifacts, devices);
    fleet.hubOptions = options.hub ?? {};
    try {
      await fleet.setUp(options.train ?? {});
    } catch (error) {
      // The test's afterAll never sees a fleet that failed to start: close what did start here.
      await fleet.close();
      throw error;
    }
    return fleet;
  }

  private async setUp(train: Record<string, Uint8Array>): Promise<void> {
    await this.startHub();
    for (const [position, ring] of this.rings.entries()) expect((await this.api('PUT', `/api/v1/rings/${ring.name}`, { position })).status).toBe(200);
    await this.train('1', machineCsv(3000, 1));
    // The other versions train (one after another, in the hub's training worker) while the fleet starts.
    const trained = Promise.all(Object.entries(train).map(([version, csv]) => this.train(version, csv)));
    const release = await this.api<{ manifest: { reference: { features: { name: string; source: { input: string; index: number } }[] } | null } }>('GET', `/api/v1/models/${MODEL}/versions/1`);
    this.columns = new Map((release.body.manifest.reference?.features ?? []).map((f) => [f.name, f.source.index]));
    expect([...this.columns.keys()].sort()).toEqual([...MACHINE_FEATURES].sort());
    // In parallel: each enrolment hashes a secret and each assignment signs a doc, on two cores.
    await Promise.all(
      this.devices.map(async (device) => {
        const enrolled = await this.api<{ secret: string }>('POST', '/api/v1/devices', { id: device.id, ring: device.ring });
        expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
        device.secret = enrolled.body.secret;
      }),
    );
    await this.startAgents(this.devices);
    await Promise.all(this.devices.map(async (device) => expect((await this.api('PUT', `/api/v1/devices/${device.id}/assignment`, { model: MODEL, version: '1' })).status).toBe(200)));
    await this.serving(this.devices, '1');
    await trained;
  }

  /** (Re)starts the hub on the same data dir, ports and clock; artifact URLs go through the counter. */
  async startHub(): Promise<void> {
    this.hub = await startHub({
      ...(await testDatabase(this.hubDir.path)),
      dataDir: this.hubDir.path,
      ...this.ports,
      host: '127.0.0.1',
      adminToken: 'test-admin-token',
      publicUrl: this.artifacts.url,
      now: this.clock.now,
      logger: testLogger,
      ...this.hubOptions,
    });
    this.ports = { httpPort: Number(new URL(this.hub.httpUrl).port), mqttPort: Number(new URL(this.hub.mqttUrl).port) };
    this.artifacts.setTarget(this.hub.httpUrl);
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.agent?.close()));
    // Not set when the hub itself failed to start.
    await (this.hub as Hub | undefined)?.close();
    await this.artifacts.close();
    await this.hubDir.remove();
    await Promise.all(this.devices.map((d) => d.dir.remove()));
  }

  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return api<T>(this.hub, method, path, body);
  }

  ring(name: string): FleetDevice[] {
    return this.devices.filter((d) => d.ring === name);
  }

  device(id: string): FleetDevice {
    const found = this.devices.find((d) => d.id === id);
    if (!found) throw new Error(`no device ${id}`);
    return found;
  }

  /** Trains the linear classifier on `csv` and registers it as `version`. */
  async train(version: string, csv: Uint8Array): Promise<void> {
    const upload = await api<{ id: string }>(this.hub, 'POST', `/api/v1/datasets?name=machines-${version}`, csv, { contentType: 'text/csv' });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    const run = await this.api<{ id: string }>('POST', '/api/v1/training-runs', { dataset: upload.body.id, target: MACHINE_TARGET, task: 'classification', trainer: 'linear', params: { epochs: 30 }, model: MODEL, version });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    const get = async () => (await this.api<TrainingRun>('GET', `/api/v1/training-runs/${run.body.id}`)).body;
    const done = await waitUntil(get, (r) => ['succeeded', 'failed', 'cancelled'].includes(r.status), `training run of ${version}`);
    expect(done.error).toBeNull();
    expect(done.resultVersion).toEqual({ model: MODEL, version });
  }

  /** Uploads an ONNX file as `version` (probe inputs drawn by the hub). */
  async upload(version: string, bytes: Uint8Array): Promise<string> {
    const reply = await this.api<{ sha256: string }>('POST', `/api/v1/models/${MODEL}/versions?version=${version}`, bytes);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.sha256;
  }

  async sha256Of(version: string): Promise<string> {
    return (await this.api<{ sha256: string }>('GET', `/api/v1/models/${MODEL}/versions/${version}`)).body.sha256;
  }

  /** Starts (or restarts, on the same data dir) the devices' agents, recording what they report. */
  async startAgents(which: readonly FleetDevice[]): Promise<void> {
    await Promise.all(
      which.map(async (device) => {
        const agent = await startAgent({
          hubUrl: this.hub.httpUrl,
          deviceId: device.id,
          deviceSecret: device.secret,
          dataDir: device.dir.path,
          port: 0,
          host: '127.0.0.1',
          now: this.clock.now,
          logger: testLogger,
          ...(device.maxArtifactBytes !== undefined ? { maxArtifactBytes: device.maxArtifactBytes } : {}),
          tuning: FAST_AGENT_TUNING,
        });
        agent.onReport((state) => device.reports.push(state));
        agent.onEvent((event) => device.events.push(event));
        device.agent = agent;
      }),
    );
  }

  async stopAgent(device: FleetDevice): Promise<void> {
    await device.agent?.close();
    device.agent = null;
  }

  agentOf(device: FleetDevice): Agent {
    if (!device.agent) throw new Error(`${device.id} has no running agent`);
    return device.agent;
  }

  /** Waits until every device's agent serves `version` (its own status, polled). */
  async serving(which: readonly FleetDevice[], version: string, timeout = SLOW_MS): Promise<void> {
    const behind = (): string[] =>
      which
        .filter((d) => {
          const s = this.agentOf(d).status();
          return !(s.phase === 'serving' && s.active?.version === version);
        })
        .map((d) => `${d.id}: ${JSON.stringify(this.agentOf(d).status())}`);
    await waitUntil(behind, (left) => left.length === 0, `${which.length} devices serving ${version}`, timeout);
  }

  /**
   * `rows` readings of each device's own stream (shifted by `shift` sds) through its local
   * API, `batch` rows a request; returns the failed requests. What the hub should count is noted,
   * per version: with `ramp`, requests carry keys and the candidate answers its share of them.
   */
  async feed(which: readonly FleetDevice[], rows: number, options: { batch?: number; shift?: Partial<Record<MachineFeature, number>>; ramp?: { candidate: string; share: number; keys?: number } } = {}): Promise<number> {
    const batch = options.batch ?? 10;
    let failures = 0;
    await Promise.all(
      which.map(async (device) => {
        const agent = this.agentOf(device);
        const serving = agent.status().active?.version;
        if (!serving) throw new Error(`${device.id} serves nothing`);
        const drawn = machineRows(device.drawn + rows, device.seed, options.shift ?? {}).slice(device.drawn);
        const first = device.drawn;
        device.drawn += rows;
        for (let at = 0; at < drawn.length; at += batch) {
          const chunk = drawn.slice(at, at + batch);
          // Ramp-up: each request carries a key (one of `keys` per device, when set, so keys come
          // back), and the key says which version answers it (device-core's rule).
          const ramp = options.ramp;
          const key = ramp ? `${device.id}:${ramp.keys === undefined ? first + at : (first + at) % ramp.keys}` : undefined;
          const version = ramp && routeToCandidate(ramp.share, key, Math.random) ? ramp.candidate : serving;
          const response = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { numeric: this.tensorOf(chunk) }, ...(key === undefined ? {} : { key }) }) });
          const body = (await response.json()) as { version?: string };
          const counted = this.fed.get(version) ?? { rows: 0, errors: 0 };
          if (response.status === 200) {
            expect(body.version, device.id).toBe(version);
            counted.rows += chunk.length;
          } else {
            counted.errors++;
            failures++;
          }
          this.fed.set(version, counted);
        }
      }),
    );
    return failures;
  }

  tensorOf(rows: readonly MachineRow[]): { type: 'float32'; dims: number[]; data: number[] } {
    const data = new Array<number>(rows.length * MACHINE_FEATURES.length).fill(0);
    rows.forEach((row, r) => {
      for (const name of MACHINE_FEATURES) data[r * MACHINE_FEATURES.length + (this.columns.get(name) as number)] = row.readings[name];
    });
    return { type: 'float32', dims: [rows.length, MACHINE_FEATURES.length], data };
  }

  /**
   * Jumps the clock to a minute past the next hour, so a rollout created now sees only its own
   * statistics (gates read the hourly buckets from the rollout's first hour on), then starts
   * fresh windows: a device's next window starts where its last sent one ended, and with the
   * clock jumped over idle agents that would be in an hour the gates no longer read.
   */
  async startNewHour(): Promise<void> {
    this.clock.nextHour();
    await this.freshWindows();
  }

  /**
   * Every running device serves one request and closes its window, so the windows that follow
   * start now. A bake counts the devices that sent a window starting after it began; in the
   * field the agents' one-minute timer closes windows, here the test clock jumps while real
   * time barely moves (and an agent does not send an empty window: the next one starts where
   * the last sent one ended).
   */
  async freshWindows(): Promise<void> {
    await this.feed(this.devices.filter((d) => d.agent !== null), 10);
    await this.flushStats();
  }

  /** Closes every running agent's statistics window and waits until the hub counted all that was fed. */
  async flushStats(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.agent?.flushStats()));
    for (const [version, expected] of this.fed) {
      const counted = async () => {
        const view = (await this.api<StatsView>('GET', `/api/v1/models/${MODEL}/versions/${version}/stats?from=${encodeURIComponent(this.since)}`)).body;
        return { rows: view.merged?.n ?? 0, errors: Object.values(view.merged?.errors ?? {}).reduce((a, b) => a + b, 0) };
      };
      await waitUntil(counted, (c) => c.rows === expected.rows && c.errors === expected.errors, `the hub to count ${JSON.stringify(expected)} on ${version}`);
    }
  }

  rollout(id: string): Promise<RolloutView> {
    return this.api<RolloutView>('GET', `/api/v1/rollouts/${id}`).then((r) => r.body);
  }

  /** One run of the rollout controller job, as its cron tick would do. */
  async tick(): Promise<void> {
    const run = await this.api<{ ok: boolean; error?: string }>('POST', '/api/v1/jobs/rollout-controller/run');
    expect(run.body.ok, run.body.error).toBe(true);
  }

  /**
   * Runs the controller until the rollout stops moving on its own (what time and statistics
   * allow); device-driven progress is awaited separately, on the devices' reports.
   */
  async settle(id: string): Promise<RolloutView> {
    let before = await this.rollout(id);
    for (let i = 0; i < 12; i++) {
      await this.tick();
      const after = await this.rollout(id);
      if (after.step === before.step && after.state === before.state) return after;
      before = after;
    }
    throw new Error(`rollout ${id} kept moving`);
  }

  async deviceView(id: string): Promise<DeviceView> {
    return (await this.api<DeviceView>('GET', `/api/v1/devices/${id}`)).body;
  }

  async audit(subject: string): Promise<AuditEntry[]> {
    const reply = await this.api<{ entries: AuditEntry[] }>('GET', `/api/v1/audit?subject=${encodeURIComponent(subject)}&limit=1000`);
    // newest first from the API: oldest first reads like the story
    return reply.body.entries.reverse();
  }
}
