/**
 * Issue 16, crash safety of the hub: SIGKILL during writes. The hub runs as `npm start` does
 * (hub/src/main.ts, its own process); three writers upload models and datasets, enrol devices,
 * rotate secrets, pin two real agents to versions and create and advance rollouts over offline
 * devices (support/crash-workload.ts), and the hub is killed in the middle of them: after a
 * number of acknowledged replies, the moment a write's log line says it committed (before its
 * reply leaves), and at seeded random moments. After each kill the SQLite file passes its checks;
 * the hub starts again on the same data dir and ports, and then:
 * - every write it acknowledged is there (versions with their bytes, datasets, devices that open
 *   the broker with the secret they were last given, pins at their seq, rollouts at their step);
 * - it is consistent: no half-written file, every stored file and every version's artifact hashes
 *   right, a write whose reply was lost happened fully or not at all, device seqs never went back
 *   (no agent ever rejected a doc), the retained docs were published again, and the agents, which
 *   kept answering while the hub was down, reconnect and serve what the hub says they should.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@edgefleet/agent';
import { TRUST_TOPIC, desiredTopic, mulberry32, type DeviceEvent } from '@edgefleet/protocol';
import { contentProblems, sqliteProblems, storedHash } from '../support/crash-checks';
import { CRASH_MODEL, PAPER_RINGS, PROBE_HINT, WRITE_KINDS, emptyLedger, tinyClassifier, workload, type Ledger } from '../support/crash-workload';
import { FAST_AGENT_TUNING, testLogger } from '../support/harness';
import { HubChild } from '../support/hub-child';
import { until } from '../support/process';

const TOKEN = 'crash-admin-token-0123456789';
const AGENTS = ['agent-0', 'agent-1'];
const SEED = 1616;

/** How each round's kill is chosen: the deterministic points first, then seeded random delays. */
type KillPoint = { kind: 'acks'; count: number } | { kind: 'log'; msg: string } | { kind: 'delay'; ms: number };

const random = mulberry32(SEED);
const KILL_POINTS: KillPoint[] = [
  { kind: 'acks', count: 6 },
  { kind: 'log', msg: 'model version registered' },
  { kind: 'log', msg: 'devices assigned' },
  { kind: 'log', msg: 'dataset stored' },
  { kind: 'log', msg: 'device secret rotated' },
  { kind: 'acks', count: 1 },
  ...Array.from({ length: 3 }, (): KillPoint => ({ kind: 'delay', ms: 200 + Math.round(random() * 2_500) })),
];

interface AuditEntry {
  subject: string;
  details: Record<string, unknown>;
}

interface DeviceView {
  id: string;
  online: boolean;
  assignment: { model: string; version: string; seq: number } | null;
}

describe('the hub killed (SIGKILL) during writes', { timeout: 600_000 }, () => {
  let dir = '';
  let hub: HubChild;
  const agents = new Map<string, { agent: Agent; dir: string }>();
  const events: DeviceEvent[] = [];
  const ledger: Ledger = emptyLedger();

  const api = async <T>(method: string, path: string, json?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${hub.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) }, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-crash-'));
    hub = new HubChild({ dataDir: dir, adminToken: TOKEN });
    await hub.start();
    const first = await fetch(`${hub.httpUrl}/api/v1/models/${CRASH_MODEL}/versions?version=v0&probe=${encodeURIComponent(PROBE_HINT)}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' }, body: Buffer.from(tinyClassifier(0)) });
    expect(first.status, await first.clone().text()).toBe(201);
    ledger.versions.set('v0', { sha256: ((await first.json()) as { sha256: string }).sha256, outcome: 'acked' });
    for (const [position, ring] of ['agents', ...PAPER_RINGS].entries()) expect((await api('PUT', `/api/v1/rings/${ring}`, { position })).status).toBe(200);
    for (const id of AGENTS) {
      const enrolled = await api<{ secret: string }>('POST', '/api/v1/devices', { id, ring: 'agents', tags: {} });
      expect(enrolled.status).toBe(201);
      const agentDir = await mkdtemp(join(tmpdir(), `edgefleet-crash-${id}-`));
      const agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: id, deviceSecret: enrolled.body.secret, dataDir: agentDir, port: 0, host: '127.0.0.1', logger: testLogger, tuning: FAST_AGENT_TUNING });
      agent.onEvent((event) => events.push(event));
      agents.set(id, { agent, dir: agentDir });
      expect((await api('PUT', `/api/v1/devices/${id}/assignment`, { model: CRASH_MODEL, version: 'v0' })).status).toBe(200);
    }
    await until(async () => ([...agents.values()].every(({ agent }) => agent.status().active?.version === 'v0') ? true : undefined), 'the agents serving v0', 120_000);
  }, 300_000);

  afterAll(async () => {
    // The hub is killed and its dir removed even when an agent fails to close.
    try {
      for (const { agent, dir: agentDir } of agents.values()) {
        await agent.close();
        await rm(agentDir, { recursive: true, force: true });
      }
    } finally {
      await hub?.kill();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  const writersFor = (round: number, onAck?: (count: number) => void) =>
    workload({ httpUrl: hub.httpUrl, adminToken: TOKEN, ledger, agents: AGENTS, seed: SEED + round, concurrency: 3, ...(onAck ? { onAck } : {}) });

  /** Runs the writers until `point` kills the hub; resolves once it is gone and every write has its outcome. */
  const roundUntilKilled = async (point: KillPoint, round: number): Promise<void> => {
    let stopLog = (): void => undefined;
    if (point.kind === 'log') stopLog = hub.onLog((line) => line.msg === point.msg && hub.killNow());
    const writers = writersFor(round, point.kind === 'acks' ? (count) => count === point.count && hub.killNow() : undefined);
    writers.start();
    const timer = point.kind === 'delay' ? setTimeout(() => hub.killNow(), point.ms) : null;
    await hub.whenExited();
    if (timer) clearTimeout(timer);
    stopLog();
    await writers.stop();
  };

  /** Every acknowledged write is there; a lost reply's write happened fully or not at all. */
  const checkWrites = async (): Promise<void> => {
    for (const [label, { sha256, outcome }] of ledger.versions) {
      const { status, body } = await api<{ sha256?: string }>('GET', `/api/v1/models/${CRASH_MODEL}/versions/${label}`);
      if (outcome === 'acked' || status === 200) {
        expect({ label, status, sha256: body.sha256 }).toEqual({ label, status: 200, sha256 });
        expect(await storedHash(dir, 'artifacts', sha256), label).toBe(sha256);
      } else {
        expect({ label, status }).toEqual({ label, status: 404 });
        ledger.versions.delete(label);
      }
    }
    for (const [id, { outcome }] of ledger.datasets) {
      const { status } = await api('GET', `/api/v1/datasets/${id}`);
      if (outcome === 'acked' || status === 200) {
        expect({ id, status }).toEqual({ id, status: 200 });
        expect(await storedHash(dir, 'datasets', id), id).toBe(id);
      } else {
        expect({ id, status }).toEqual({ id, status: 404 });
        ledger.datasets.delete(id);
      }
    }
    for (const [id, device] of ledger.devices) {
      const { status } = await api('GET', `/api/v1/devices/${id}`);
      if (device.outcome === 'unknown' && status === 404) {
        ledger.devices.delete(id);
        continue;
      }
      expect({ id, status }).toEqual({ id, status: 200 });
      // Enrolled whole (a row without a usable secret would be half an enrolment), and the last secret given out opens the broker.
      if (device.secret !== null) expect(await brokerAccepts(hub.mqttUrl, id, device.secret), `${id} with its last secret`).toBe(true);
    }
    // Each write and its audit entry commit together: whatever is there was audited.
    const audited = async (action: string): Promise<AuditEntry[]> => (await api<{ entries: AuditEntry[] }>('GET', `/api/v1/audit?action=${action}&limit=1000`)).body.entries;
    const uploads = new Set((await audited('model.version.uploaded')).map((e) => e.details.version));
    for (const label of ledger.versions.keys()) expect(uploads.has(label), `audit of ${label}`).toBe(true);
    const datasets = new Set((await audited('dataset.uploaded')).filter((e) => e.details.created === true).map((e) => e.subject));
    for (const id of ledger.datasets.keys()) expect(datasets.has(`dataset:${id}`), `audit of dataset ${id}`).toBe(true);
    const enrolled = new Set((await audited('device.enrolled')).map((e) => e.subject));
    for (const id of ledger.devices.keys()) expect(enrolled.has(`device:${id}`), `audit of ${id}`).toBe(true);
    for (const [id, { step }] of ledger.rollouts) {
      const { status, body } = await api<{ step: number }>('GET', `/api/v1/rollouts/${id}`);
      expect({ id, status }).toEqual({ id, status: 200 });
      expect(body.step, `rollout ${id} step`).toBeGreaterThanOrEqual(step);
    }
  };

  /** Artifacts of every stored version hash right; seqs never go back; agents converge on their pins. */
  const checkDevices = async (): Promise<void> => {
    const { body: models } = await api<{ models: Array<{ name: string; versions: Array<{ version: string; sha256: string }> }> }>('GET', '/api/v1/models');
    for (const version of models.models.flatMap((m) => m.versions)) expect(await storedHash(dir, 'artifacts', version.sha256), version.version).toBe(version.sha256);
    for (const id of AGENTS) {
      const { body: device } = await api<DeviceView>('GET', `/api/v1/devices/${id}`);
      const writes = ledger.assignments.get(id) ?? [];
      const acked = writes.filter((w) => w.outcome === 'acked').sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)).at(-1);
      const agent = agents.get(id)?.agent;
      if (!device.assignment || !agent) throw new Error(`${id} has no assignment`);
      // Never behind what the agent acted on, nor what an acknowledged reply said.
      expect(device.assignment.seq, id).toBeGreaterThanOrEqual(Math.max(agent.status().seq, acked?.seq ?? 0));
      if (acked && device.assignment.seq === acked.seq) expect(device.assignment.version, id).toBe(acked.version);
      // Past the last acknowledged pin only through one whose reply the kill lost.
      else if (acked) expect(writes.some((w) => w.outcome === 'unknown' && w.version === device.assignment?.version), `${id} at seq ${device.assignment.seq}`).toBe(true);
      const want = device.assignment;
      await until(async () => (agent.status().hub.state === 'connected' && agent.status().seq === want.seq && agent.status().active?.version === want.version ? true : undefined), `${id} serving ${want.version} at seq ${want.seq}`, 120_000, () => JSON.stringify(agent.status()));
      expect(await answers(agent), id).toBe(true);
    }
    // Retained messages came back with the restart: an offline device finds the trust document,
    // and its deployment doc at its seq when a rollout assigned it one.
    const offline = [...ledger.devices].filter(([, d]) => d.secret !== null && d.outcome === 'acked');
    let checked = false;
    for (const [id, { secret }] of offline) {
      const { body: first } = await api<DeviceView>('GET', `/api/v1/devices/${id}`);
      if (secret === null || (first.assignment === null && id !== offline.at(-1)?.[0])) continue;
      // The rollout controller may assign the device meanwhile: compared with the hub's view of the moment.
      const seen = { want: null as number | null, got: null as Awaited<ReturnType<typeof retained>> | null };
      await until(
        async () => {
          const { body: device } = await api<DeviceView>('GET', `/api/v1/devices/${id}`);
          seen.want = device.assignment?.seq ?? null;
          seen.got = await retained(hub.mqttUrl, id, secret, seen.want !== null);
          return seen.got.trust && seen.got.seq === seen.want ? true : undefined;
        },
        `${id}'s retained trust document and deployment doc`,
        60_000,
        () => JSON.stringify(seen),
      );
      checked = true;
      break;
    }
    expect(checked, 'an offline device to look at the retained messages with').toBe(true);
    const rejected = events.filter((e) => e.kind === 'doc-rejected');
    expect(rejected, 'docs the agents rejected').toEqual([]);
  };

  it('loses no acknowledged write and restarts consistent, whatever the moment of the kill', async () => {
    // One write of each kind acknowledged before the first kill, then checked after every one.
    const first = writersFor(-1);
    for (const kind of WRITE_KINDS) await first.write(kind);
    for (const kind of WRITE_KINDS) expect(ledger.counts[`${kind} acked`] ?? 0, JSON.stringify(ledger.counts)).toBe(1);
    for (const [round, point] of KILL_POINTS.entries()) {
      await roundUntilKilled(point, round);
      // The agents keep answering while the hub is gone.
      for (const [id, { agent }] of agents) expect(await answers(agent), `${id} with the hub down`).toBe(true);
      if (Object.keys(await hub.database()).length === 0) expect(sqliteProblems(dir), `round ${round}`).toEqual([]);
      await hub.start();
      expect(await contentProblems(dir), `round ${round}`).toEqual([]);
      await checkWrites();
      await checkDevices();
    }
    expect(ledger.problems).toEqual([]);
    // Every kill cut writes short: their replies were lost, and what they did was checked above.
    const unknown = Object.entries(ledger.counts).filter(([key]) => key.endsWith(' unknown')).reduce((n, [, c]) => n + c, 0);
    expect(unknown, JSON.stringify(ledger.counts)).toBeGreaterThanOrEqual(KILL_POINTS.length);
  });
});

async function answers(agent: Agent): Promise<boolean> {
  try {
    const prediction = await agent.predict({ numeric: { type: 'float32', dims: [1, 4], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) } });
    return Object.keys(prediction.outputs).length > 0;
  } catch {
    return false;
  }
}

/** Whether the broker takes a CONNECT with this secret. */
async function brokerAccepts(mqttUrl: string, id: string, secret: string): Promise<boolean> {
  try {
    const client = await connectAsync(mqttUrl, { clientId: id, username: id, password: secret, reconnectPeriod: 0, connectTimeout: 15_000 });
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

/** What a device finds retained on subscribing: its deployment doc's seq (null: none) and whether a trust document is there. */
async function retained(mqttUrl: string, id: string, secret: string, withDoc: boolean): Promise<{ seq: number | null; trust: boolean }> {
  const client = await connectAsync(mqttUrl, { clientId: id, username: id, password: secret, reconnectPeriod: 0, connectTimeout: 15_000 });
  try {
    const found = new Map<string, Buffer>();
    const both = new Promise<void>((resolve) =>
      client.on('message', (topic, payload) => {
        found.set(topic, payload);
        if (found.size === (withDoc ? 2 : 1)) resolve();
      }),
    );
    await client.subscribeAsync([desiredTopic(id), TRUST_TOPIC], { qos: 1 });
    // Retained messages come right after the SUBACK; the deadline only bounds a missing one.
    await Promise.race([both, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    const doc = found.get(desiredTopic(id));
    const envelope = doc ? (JSON.parse(doc.toString()) as { payload: string }) : null;
    return { seq: envelope ? (JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as { seq: number }).seq : null, trust: found.has(TRUST_TOPIC) };
  } finally {
    await client.endAsync();
  }
}
