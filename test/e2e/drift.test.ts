/**
 * Issue 5, end to end: a hub trains a classifier on an uploaded CSV; six real agents serve it,
 * three fed rows from the training distribution and three with `vibration` shifted by 3
 * reference sds; their statistics windows travel over MQTT to the hub, which answers `drift`
 * naming `vibration` for the shifted devices (and their ring) and `ok` for the others. The
 * broker (embedded in the hub) is stopped while the agents keep predicting: their windows wait
 * in the on-disk outbox and, once the hub is back on the same data dir and ports, every one is
 * counted exactly once, also when one is delivered again.
 *
 * Window timing: the hub's deployment docs carry its fixed 60 s stats interval, and an agent
 * arms its first window timer at a random phase of it. Math.random is pinned just below 1 while
 * the agents start, so the first timer is due a whole interval later; the test closes every
 * window itself (flushStats), counts them, and checks the timer could not have cut one.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHub, type Hub } from '@edgefleet/hub';
import { startAgent, type Agent } from '@edgefleet/agent';
import type { ReleaseManifest, StatsWindow } from '@edgefleet/protocol';
import { MACHINE_FEATURES, MACHINE_TARGET, machineCsv, machineRows, type MachineFeature } from '../fixtures/machine-data';
import { api, assign, FAST_AGENT_TUNING, predict, tempDir, testLogger, waitForReport } from '../support/harness';
import { testDatabase } from '../support/test-database';

const MODEL = 'machine-health';
const SHIFTED_FEATURE: MachineFeature = 'vibration';
const SHIFT_SDS = 3;
/** windows each device closes with the hub up, then with it down; rows per window, per request */
const WINDOWS_ONLINE = 2;
const WINDOWS_OFFLINE = 2;
const ROWS_PER_WINDOW = 200;
const ROWS_PER_REQUEST = 100;
const WINDOWS_PER_DEVICE = WINDOWS_ONLINE + WINDOWS_OFFLINE;
const ROWS_PER_DEVICE = WINDOWS_PER_DEVICE * ROWS_PER_WINDOW;
/** the first window timer fires at floor(random x 60 s): pinned, it cannot come before this */
const PINNED_RANDOM = 0.9999;
const FIRST_TIMER_MS = Math.floor(PINNED_RANDOM * 60_000);
const OUTBOX_FILE = /^\d{12}\.json$/;

interface Device {
  id: string;
  ring: 'line-a' | 'line-b';
  shift: Partial<Record<MachineFeature, number>>;
  seed: number;
  secret: string;
  dir: Awaited<ReturnType<typeof tempDir>>;
  agent: Agent | null;
  /** rows the agent answered with 200, and windows it closed (flushStats with rows pending) */
  rows: number;
  windows: number;
  /** rows drawn so far from this device's seeded stream */
  drawn: number;
}

interface Run {
  status: string;
  error: unknown;
  metric: { name: string; beatsBaseline: boolean };
  resultVersion: { model: string; version: string } | null;
}

interface StatsView {
  devices: number;
  windows: number;
  merged: StatsWindow | null;
}

interface SignalReport {
  name: string;
  verdict: string;
  evidence: string;
}

interface DriftView {
  devices: number;
  windows: number;
  verdict: string;
  report: { verdict: string; drifting: string[]; warnings: string[]; n: number; features: SignalReport[]; outputs: SignalReport[]; ood: SignalReport | null; evidence: string } | null;
}

interface BrokerStats {
  ingest: { received: Record<string, number>; rejected: Record<string, number> };
}

describe('drift end to end: a trained model on six agents, one feature shifted on three, a broker outage', () => {
  let hubDir: Awaited<ReturnType<typeof tempDir>>;
  let hub: Hub;
  let ports: { httpPort: number; mqttPort: number } = { httpPort: 0, mqttPort: 0 };
  let runId = '';
  let version = '';
  /** feature name -> column of the `numeric` input, from the release's reference profile */
  let columns: Map<string, number>;
  let agentsStartedAt = 0;
  const devices: Device[] = [
    ...[1, 2, 3].map((i) => ({ id: `line-a-${i}`, ring: 'line-a' as const, shift: {}, seed: 100 + i })),
    ...[1, 2, 3].map((i) => ({ id: `line-b-${i}`, ring: 'line-b' as const, shift: { [SHIFTED_FEATURE]: SHIFT_SDS }, seed: 200 + i })),
  ].map((d) => ({ ...d, secret: '', dir: { path: '', remove: async () => {} }, agent: null, rows: 0, windows: 0, drawn: 0 }));
  const normal = devices.filter((d) => d.ring === 'line-a');
  const shifted = devices.filter((d) => d.ring === 'line-b');

  const startTheHub = async (): Promise<Hub> =>
    startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, ...ports, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });

  const path = (what: 'stats' | 'drift', query: Record<string, string> = {}): string => {
    const search = new URLSearchParams(query).toString();
    return `/api/v1/models/${MODEL}/versions/${version}/${what}${search ? `?${search}` : ''}`;
  };
  const stats = async (query: Record<string, string> = {}): Promise<StatsView> => {
    const reply = await api<StatsView>(hub, 'GET', path('stats', query));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const drift = async (query: Record<string, string> = {}): Promise<DriftView> => {
    const reply = await api<DriftView>(hub, 'GET', path('drift', query));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const brokerStats = async (): Promise<BrokerStats> => (await api<BrokerStats>(hub, 'GET', '/api/v1/broker/stats')).body;
  const outboxFiles = async (device: Device): Promise<string[]> => (await readdir(join(device.dir.path, 'outbox'))).filter((name) => OUTBOX_FILE.test(name)).sort();
  const agentOf = (device: Device): Agent => {
    if (!device.agent) throw new Error(`${device.id} has no running agent`);
    return device.agent;
  };

  /**
   * Starts the devices' agents with the window timer's phase pinned (see the header): the agent
   * reads Math.random once, while it starts. One pin around all of them, so no start can see
   * another's restore.
   */
  const startAgents = async (which: Device[]): Promise<void> => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(PINNED_RANDOM);
    try {
      await Promise.all(
        which.map(async (device) => {
          device.agent = await startAgent({
            hubUrl: hub.httpUrl,
            deviceId: device.id,
            deviceSecret: device.secret,
            dataDir: device.dir.path,
            port: 0,
            host: '127.0.0.1',
            logger: testLogger,
            tuning: FAST_AGENT_TUNING,
          });
        }),
      );
    } finally {
      random.mockRestore();
    }
  };

  /** One window: ROWS_PER_WINDOW rows of the device's stream through its local API, then closed. */
  const feedWindow = async (device: Device): Promise<void> => {
    const agent = agentOf(device);
    // One seeded stream per device: draw past what it already sent, so windows never repeat rows.
    const rows = machineRows(device.drawn + ROWS_PER_WINDOW, device.seed, device.shift).slice(device.drawn);
    device.drawn += ROWS_PER_WINDOW;
    for (let at = 0; at < rows.length; at += ROWS_PER_REQUEST) {
      const batch = rows.slice(at, at + ROWS_PER_REQUEST);
      const data = new Array<number>(batch.length * MACHINE_FEATURES.length).fill(0);
      batch.forEach((row, r) => {
        for (const name of MACHINE_FEATURES) data[r * MACHINE_FEATURES.length + (columns.get(name) as number)] = row.readings[name];
      });
      const reply = await predict(agent, { numeric: { type: 'float32', dims: [batch.length, MACHINE_FEATURES.length], data } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body).toMatchObject({ model: MODEL, version });
      device.rows += batch.length;
    }
    await agent.flushStats();
    device.windows++;
  };

  /** Every window the agents closed is in the hub (polled over HTTP) and off their disks. */
  const delivered = async (windows: number): Promise<void> => {
    await expect.poll(async () => (await stats()).windows, { timeout: 20_000, interval: 50 }).toBe(windows);
    for (const device of devices) await expect.poll(() => outboxFiles(device), { timeout: 20_000, interval: 50 }).toEqual([]);
  };

  const expectCountedOnce = async (): Promise<void> => {
    for (const device of devices) {
      const view = await stats({ device: device.id });
      expect(view, device.id).toMatchObject({ devices: 1, windows: device.windows, merged: { n: device.rows, device: device.id } });
      // Nothing merged in an outbox or lost on the way: each window arrived as itself.
      expect(view.merged?.merged ?? 0, device.id).toBe(0);
      expect(view.merged?.lost ?? 0, device.id).toBe(0);
    }
    const fleet = await stats();
    expect(fleet.devices).toBe(devices.length);
    expect(fleet.windows).toBe(devices.reduce((sum, d) => sum + d.windows, 0));
    expect(fleet.merged?.n).toBe(devices.reduce((sum, d) => sum + d.rows, 0));
  };

  beforeAll(async () => {
    hubDir = await tempDir('hub');
    for (const device of devices) device.dir = await tempDir(`agent-${device.id}`);
    hub = await startTheHub();
    ports = { httpPort: Number(new URL(hub.httpUrl).port), mqttPort: Number(new URL(hub.mqttUrl).port) };

    const upload = await api<{ id: string; rows: number }>(hub, 'POST', '/api/v1/datasets?name=machines', machineCsv(3000, 1), { contentType: 'text/csv' });
    expect(upload.status, JSON.stringify(upload.body)).toBe(201);
    expect(upload.body.rows).toBe(3000);
    const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', {
      dataset: upload.body.id,
      target: MACHINE_TARGET,
      task: 'classification',
      trainer: 'linear',
      params: { epochs: 30 },
      model: MODEL,
    });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    runId = run.body.id;

    for (const device of devices) {
      const enrolled = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id: device.id, ring: device.ring });
      expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
      device.secret = enrolled.body.secret;
    }
  });

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.agent?.close()));
    await hub?.close();
    await hubDir?.remove();
    await Promise.all(devices.map((d) => d.dir.remove()));
  });

  it('a linear classifier trained on the uploaded CSV beats its baseline and carries a reference profile of the four readings', { timeout: 45_000 }, async () => {
    const get = async () => (await api<Run>(hub, 'GET', `/api/v1/training-runs/${runId}`)).body;
    await expect.poll(async () => (await get()).status, { timeout: 40_000, interval: 100 }).toMatch(/^(succeeded|failed|cancelled)$/);
    const done = await get();
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.metric.beatsBaseline).toBe(true);
    expect(done.resultVersion?.model).toBe(MODEL);
    version = done.resultVersion?.version ?? '';

    const release = await api<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${version}`);
    expect(release.status).toBe(200);
    const reference = release.body.manifest.reference;
    expect(reference?.features.map((f) => f.name).sort()).toEqual([...MACHINE_FEATURES].sort());
    expect(reference?.ood?.score).toBe('max-softmax');
    columns = new Map((reference?.features ?? []).map((f) => [f.name, f.source.index]));
    for (const f of reference?.features ?? []) expect(f.source.input).toBe('numeric');
  });

  it('six agents serve it and every window they close reaches the hub', async () => {
    agentsStartedAt = Date.now();
    await startAgents(devices);
    await Promise.all(
      devices.map(async (device) => {
        const agent = agentOf(device);
        const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.model === MODEL && s.active.version === version, `${device.id} serving ${MODEL}@${version}`, 20_000);
        expect((await assign(hub, device.id, MODEL, version)).status).toBe(200);
        await serving;
      }),
    );
    for (let w = 0; w < WINDOWS_ONLINE; w++) await Promise.all(devices.map(feedWindow));
    await delivered(devices.length * WINDOWS_ONLINE);
    await expectCountedOnce();
    expect((await brokerStats()).ingest.rejected).toEqual({});
  });

  /** one device's first window closed while the broker was down, as it sat in the outbox */
  let heldWindow: { device: Device; name: string; bytes: Buffer } | null = null;

  it('with the broker down the agents keep serving; their windows wait on disk and each arrives exactly once after the restart', async () => {
    await hub.close();
    for (let w = 0; w < WINDOWS_OFFLINE; w++) await Promise.all(devices.map(feedWindow));
    // The window timer cannot have cut a window: every one was closed by the flushes counted above.
    expect(Date.now() - agentsStartedAt, 'the test outran the pinned first window timer').toBeLessThan(FIRST_TIMER_MS);
    for (const device of devices) {
      const files = await outboxFiles(device);
      expect(files, device.id).toHaveLength(WINDOWS_OFFLINE);
      const queued = (JSON.parse(await readFile(join(device.dir.path, 'outbox', files[0] as string), 'utf8')) as { window: StatsWindow }).window;
      expect(queued).toMatchObject({ device: device.id, model: MODEL, version, n: ROWS_PER_WINDOW });
    }
    const first = devices[0] as Device;
    const name = (await outboxFiles(first))[0] as string;
    heldWindow = { device: first, name, bytes: await readFile(join(first.dir.path, 'outbox', name)) };

    hub = await startTheHub();
    expect(hub.httpUrl).toBe(`http://127.0.0.1:${ports.httpPort}`);
    await delivered(devices.length * WINDOWS_PER_DEVICE);
    await expectCountedOnce();
    for (const device of devices) expect(device).toMatchObject({ rows: ROWS_PER_DEVICE, windows: WINDOWS_PER_DEVICE });
    // The restarted hub received exactly the windows held while it was down, and refused none.
    const counters = await brokerStats();
    expect(counters.ingest.received['stats']).toBe(devices.length * WINDOWS_OFFLINE);
    expect(counters.ingest.rejected).toEqual({});
  });

  it('a window delivered again (an agent that crashed between PUBACK and deleting it) is not counted twice', async () => {
    if (!heldWindow) throw new Error('the outage test above keeps a window');
    const { device, name, bytes } = heldWindow;
    await agentOf(device).close();
    device.agent = null;
    await writeFile(join(device.dir.path, 'outbox', name), bytes);
    await startAgents([device]);
    expect(agentOf(device).status().active).toMatchObject({ model: MODEL, version });
    await expect.poll(async () => (await brokerStats()).ingest.rejected['E_DUPLICATE'], { timeout: 20_000, interval: 50 }).toBe(1);
    // Acknowledged, so gone from its disk; counted once.
    await expect.poll(() => outboxFiles(device), { timeout: 20_000, interval: 50 }).toEqual([]);
    await expectCountedOnce();
  });

  it('shifted devices drift naming the shifted feature, the others are ok; ring and fleet views agree', async () => {
    for (const device of shifted) {
      const view = await drift({ device: device.id });
      expect(view.verdict, `${device.id}: ${view.report?.evidence}`).toBe('drift');
      expect(view.report?.n).toBe(ROWS_PER_DEVICE);
      expect(view.report?.drifting).toContain(SHIFTED_FEATURE);
      // Only the shifted reading drifts among the inputs; the other three stay ok.
      const features = view.report?.features ?? [];
      expect(features.filter((f) => f.verdict === 'drift').map((f) => f.name)).toEqual([SHIFTED_FEATURE]);
      for (const f of features.filter((f) => f.name !== SHIFTED_FEATURE)) expect(f.verdict, `${device.id} ${f.name}: ${f.evidence}`).toBe('ok');
    }
    for (const device of normal) {
      const view = await drift({ device: device.id });
      expect(view.verdict, `${device.id}: ${view.report?.evidence}`).toBe('ok');
      expect(view.report).toMatchObject({ n: ROWS_PER_DEVICE, drifting: [], warnings: [] });
      // Enough rows for a verdict on every input (minimum count and expected count per bin).
      for (const f of view.report?.features ?? []) expect(f.verdict, `${device.id} ${f.name}: ${f.evidence}`).toBe('ok');
    }

    const lineA = await drift({ ring: 'line-a' });
    expect(lineA, lineA.report?.evidence).toMatchObject({ devices: normal.length, windows: normal.length * WINDOWS_PER_DEVICE, verdict: 'ok' });
    const lineB = await drift({ ring: 'line-b' });
    expect(lineB, lineB.report?.evidence).toMatchObject({ devices: shifted.length, windows: shifted.length * WINDOWS_PER_DEVICE, verdict: 'drift' });
    expect(lineB.report?.drifting).toContain(SHIFTED_FEATURE);
    const fleet = await drift();
    expect(fleet).toMatchObject({ devices: devices.length, windows: devices.length * WINDOWS_PER_DEVICE, verdict: 'drift' });
    expect(fleet.report?.n).toBe(devices.length * ROWS_PER_DEVICE);
    expect(fleet.report?.drifting).toContain(SHIFTED_FEATURE);
  });
});
