/**
 * The hub at fleet scale (issue 10): a hub in its own process, N lean devices (fleet-sim lean
 * mode: the agent's protocol, signatures and statistics, no onnxruntime) spread over child
 * processes of 2,000, and the table of the issue measured at each size:
 * - hub memory per connected device (after a full GC, idle, all connected vs none);
 * - a rollout of version 2 to every device and a rollback: p50/p99 from the API call until each
 *   device had its new deployment doc, hub CPU per device;
 * - the deployment doc's size;
 * - a reconnect storm (every connection cut at once) on a warm hub, and a restart of the hub
 *   (killed, started again on the same data dir and ports): p50/p99 until each device had its
 *   retained desired doc, hub CPU per device.
 * Baseline, same run and machine: a bare aedes holding one retained doc per device of the same
 * size, with plain MQTT clients doing the same (raw-fleet/).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connectAsync } from 'mqtt';
import { desiredTopic } from '@edgefleet/protocol';
import { anySchema } from '../demo/api';
import { AdminApi, enrolDevices, trainMachineVersion } from '../lean/hub-api';
import { LeanFleet } from '../lean/lean-fleet';
import type { DeviceSnapshot, DeviceTimings, LeanDeviceSpec } from '../lean/device-types';
import { HubProcess, type HubUsage } from '../hub-process';
import { machineLine, quantile } from './measure';
import { startRawFleet } from './raw-fleet';
import { fixed, goal, table, withGoal } from './report';

const MODEL = 'fleet';
const TOKEN = 'fleet-bench-admin-token-0123456789';
const DEVICES_PER_PROCESS = 2_000;
/** the lean devices' reconnect period (jittered 0.5-1.5x): short, so a storm measures the hub, not the wait */
const RECONNECT_MS = 250;
const GOALS = { stormP99S: 2, rolloutP99S: 30, rollbackP99S: 10, docKb: 4, memoryKb: 30 };

export interface FleetFigures {
  devices: number;
  processes: number;
  memoryPerDeviceKb: number;
  rawMemoryPerDeviceKb: number;
  docBytes: number;
  rollout: Delays;
  rollback: Delays;
  stormWarm: Delays;
  stormRestart: Delays & { restartMs: number };
  rawStorm: Delays;
  rawFanout: Delays;
}

interface Delays {
  p50S: number;
  p99S: number;
  maxS: number;
  /** devices that never got there before the deadline */
  missing: number;
  /** hub CPU over the phase per device, ms */
  cpuPerDeviceMs: number;
}

const delays = (values: readonly number[], expected: number, cpuMicros: number): Delays => ({
  p50S: quantile(values, 0.5) / 1000,
  p99S: quantile(values, 0.99) / 1000,
  maxS: Math.max(0, ...values) / 1000,
  missing: expected - values.length,
  cpuPerDeviceMs: cpuMicros / 1000 / Math.max(1, expected),
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`fleet bench: ${what} not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Per device: when it first received a doc for `version` after `since` (the seq's arrival). */
function docArrivals(timings: readonly DeviceTimings[], version: string, since: number): number[] {
  return timings.flatMap((t) => {
    const seq = t.seqs.find((s) => s.version === version && s.receivedAt >= since);
    return seq ? [seq.receivedAt - since] : [];
  });
}

/** Per device: when its first session started after `since` had its retained desired doc. */
function retainedArrivals(timings: readonly DeviceTimings[], since: number, from: (session: { startedAt: number }) => number): number[] {
  return timings.flatMap((t) => {
    const session = t.sessions.find((s) => s.startedAt >= since && s.desiredAt !== null) ?? t.sessions.find((s) => s.desiredAt !== null && s.desiredAt >= since);
    return session?.desiredAt ? [session.desiredAt - from(session)] : [];
  });
}

const serving = (version: string) => (devices: readonly DeviceSnapshot[]) => devices.every((d) => d.phase === 'serving' && d.active?.version === version);

async function cpuOver<T>(hub: { usage(): Promise<Pick<HubUsage, 'cpuMicros'>> }, run: () => Promise<T>): Promise<{ result: T; cpuMicros: number }> {
  const before = await hub.usage();
  const result = await run();
  const after = await hub.usage();
  return { result, cpuMicros: after.cpuMicros - before.cpuMicros };
}

/** RSS once the process settled: a second idle, then a full GC where the process allows it. */
async function idleRss(target: { gc?: () => Promise<void>; usage(): Promise<Pick<HubUsage, 'rssBytes'>> }): Promise<number> {
  await sleep(1_000);
  await target.gc?.();
  return (await target.usage()).rssBytes;
}

/** The size of the retained doc a device receives, read by an extra enrolled device. */
async function docSize(hub: HubProcess, api: AdminApi): Promise<number> {
  const [secret] = [...(await enrolDevices(api, [{ id: 'observer', ring: 'observers' }])).values()];
  await api.put('/api/v1/devices/observer/assignment', anySchema, { json: { model: MODEL, version: '2' } });
  const client = await connectAsync(hub.mqttUrl, { clientId: 'observer', username: 'observer', password: secret ?? '', reconnectPeriod: 0 });
  try {
    const doc = new Promise<number>((resolve) => client.once('message', (_topic, payload) => resolve(payload.length)));
    await client.subscribeAsync(desiredTopic('observer'), { qos: 1 });
    return await doc;
  } finally {
    await client.endAsync();
  }
}

export async function measureFleet(size: number): Promise<FleetFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-fleet-bench-'));
  const hub = new HubProcess({ dataDir: dir, adminToken: TOKEN, log: 'silent' });
  await hub.start();
  let fleet: LeanFleet | null = null;
  try {
    const api = new AdminApi({ httpUrl: hub.httpUrl, adminToken: TOKEN });
    await trainMachineVersion(api, { model: MODEL, version: '1', seed: 1 });
    await trainMachineVersion(api, { model: MODEL, version: '2', seed: 2 });
    const ids = Array.from({ length: size }, (_, i) => `fleet-${String(i).padStart(5, '0')}`);
    const secrets = await enrolDevices(api, ids.map((id) => ({ id, ring: 'main' })), 32);
    // Everyone on version 1 before any device connects: docs wait retained.
    await api.post('/api/v1/rollouts', anySchema, { json: { model: MODEL, version: '1', plan: { steps: [{ kind: 'ring', ring: '*' }] } } });
    const specs: LeanDeviceSpec[] = ids.map((id, i) => ({ id, secret: secrets.get(id) ?? '', ring: 'main', group: 'default', seed: i + 1 }));
    const memoryNone = await idleRss(hub);

    fleet = await LeanFleet.start({ hubUrl: hub.httpUrl, devices: specs, maxDevicesPerProcess: DEVICES_PER_PROCESS, options: { reconnectMs: RECONNECT_MS, statsIntervalS: 3_600 } });
    await fleet.connect(Math.min(60_000, size * 3));
    await fleet.waitFor(serving('1'), 'every device serving version 1', 15 * 60_000);
    const memoryAll = await idleRss(hub);

    // Rollout of version 2 to every device at once, then its rollback.
    const rolloutStart = Date.now();
    const rollout = await cpuOver(hub, async () => {
      const created = await api.post('/api/v1/rollouts', anySchema, { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: '*' }] }, supersede: true } });
      await fleet?.waitFor(serving('2'), 'every device serving version 2', 15 * 60_000);
      return created as { id: string };
    });
    const rolloutDelays = delays(docArrivals(await fleet.timings(), '2', rolloutStart), size, rollout.cpuMicros);
    const rollbackStart = Date.now();
    const rollback = await cpuOver(hub, async () => {
      await api.post(`/api/v1/rollouts/${rollout.result.id}/rollback`, anySchema, { json: {} });
      await fleet?.waitFor(serving('1'), 'every device back on version 1', 15 * 60_000);
    });
    const rollbackDelays = delays(docArrivals(await fleet.timings(), '1', rollbackStart), size, rollback.cpuMicros);

    // A reconnect storm on the warm hub: every connection cut at once, back at once.
    const stormStart = Date.now();
    const storm = await cpuOver(hub, async () => {
      await fleet?.apply({ kind: 'disconnect', ids, downMs: 0, rampMs: 0 });
      await until('every device has its desired doc after the storm', async () => retainedArrivals((await fleet?.timings()) ?? [], stormStart, () => stormStart).length >= size, 15 * 60_000);
    });
    const stormDelays = delays(retainedArrivals(await fleet.timings(), stormStart, (s) => s.startedAt), size, storm.cpuMicros);

    // The hub killed under its fleet and started again on the same data dir and ports.
    await hub.kill();
    const restartAt = Date.now();
    await hub.start();
    const ready = Date.now();
    const restart = await cpuOver(hub, async () => {
      await until('every device has its desired doc after the restart', async () => retainedArrivals((await fleet?.timings()) ?? [], ready, () => ready).length >= size, 15 * 60_000);
    });
    const restartDelays = { ...delays(retainedArrivals(await fleet.timings(), ready, () => ready), size, restart.cpuMicros), restartMs: ready - restartAt };
    const docBytes = await docSize(hub, api);
    // Shown before the baseline runs (progress on a long run; kept if the baseline fails).
    process.stderr.write(`fleet bench, ${size} devices, hub measured: ${JSON.stringify({ rollout: rolloutDelays, rollback: rollbackDelays, stormWarm: stormDelays, stormRestart: restartDelays, memoryPerDeviceKb: (memoryAll - memoryNone) / 1024 / size, docBytes })}\n`);
    await fleet.close();
    fleet = null;
    await hub.stop();

    // Baseline: a bare aedes and plain clients, same devices and doc size.
    const raw = await startRawFleet(ids, { docBytes, devicesPerProcess: DEVICES_PER_PROCESS });
    try {
      const rawIdle = await idleRss(raw);
      const rawStormStart = Date.now();
      const rawStorm = await cpuOver(raw, async () => {
        await raw.connect();
        return collectArrivals(raw, rawStormStart, size);
      });
      const rawAll = await idleRss(raw);
      const fanoutStart = Date.now();
      const fanout = await cpuOver(raw, async () => {
        await raw.publishAll();
        return collectArrivals(raw, fanoutStart, size);
      });
      return {
        devices: size,
        processes: Math.ceil(size / DEVICES_PER_PROCESS),
        memoryPerDeviceKb: (memoryAll - memoryNone) / 1024 / size,
        rawMemoryPerDeviceKb: (rawAll - rawIdle) / 1024 / size,
        docBytes,
        rollout: rolloutDelays,
        rollback: rollbackDelays,
        stormWarm: stormDelays,
        stormRestart: restartDelays,
        rawStorm: delays(rawStorm.result, size, rawStorm.cpuMicros),
        rawFanout: delays(fanout.result, size, fanout.cpuMicros),
      };
    } finally {
      await raw.close();
    }
  } finally {
    await fleet?.close();
    await hub.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** First arrival per device after `since`, polled until every device has one (or 5 minutes pass). */
async function collectArrivals(raw: Awaited<ReturnType<typeof startRawFleet>>, since: number, size: number): Promise<number[]> {
  const first = new Map<string, number>();
  const deadline = Date.now() + 5 * 60_000;
  while (first.size < size && Date.now() < deadline) {
    for (const [device, times] of await raw.arrivals()) {
      const at = times.find((t) => t >= since);
      if (at !== undefined && !first.has(device)) first.set(device, at - since);
    }
    if (first.size < size) await sleep(200);
  }
  return [...first.values()];
}

const seconds = (d: Delays): string => `${fixed(d.p50S, 2)} / ${fixed(d.p99S, 2)} s${d.missing > 0 ? `, ${d.missing} missing` : ''}`;

export function fleetTable(figures: readonly FleetFigures[]): string {
  const rows = figures.flatMap((f) => {
    const n = f.devices.toLocaleString('en-US');
    return [
      [n, 'reconnect storm, warm hub: p50 / p99 until each has its doc', withGoal(seconds(f.stormWarm), goal(`p99 <= ${GOALS.stormP99S} s`, f.stormWarm.p99S <= GOALS.stormP99S && f.stormWarm.missing === 0)), `${fixed(f.stormWarm.cpuPerDeviceMs, 2)} ms`, `bare aedes: ${seconds(f.rawStorm)}, ${fixed(f.rawStorm.cpuPerDeviceMs, 2)} ms`],
      [n, `hub killed and restarted (${fixed(f.stormRestart.restartMs / 1000, 1)} s to listen): p50 / p99 from listening`, withGoal(seconds(f.stormRestart), goal(`p99 <= ${GOALS.stormP99S} s`, f.stormRestart.p99S <= GOALS.stormP99S && f.stormRestart.missing === 0)), `${fixed(f.stormRestart.cpuPerDeviceMs, 2)} ms`, ''],
      [n, 'rollout to every device: p50 / p99 until each has its doc', withGoal(seconds(f.rollout), goal(`p99 <= ${GOALS.rolloutP99S} s`, f.rollout.p99S <= GOALS.rolloutP99S && f.rollout.missing === 0)), `${fixed(f.rollout.cpuPerDeviceMs, 2)} ms`, `bare aedes fan-out: ${seconds(f.rawFanout)}, ${fixed(f.rawFanout.cpuPerDeviceMs, 3)} ms`],
      [n, 'rollback of the same', withGoal(seconds(f.rollback), goal(`p99 <= ${GOALS.rollbackP99S} s`, f.rollback.p99S <= GOALS.rollbackP99S && f.rollback.missing === 0)), `${fixed(f.rollback.cpuPerDeviceMs, 2)} ms`, ''],
      [n, 'deployment doc size', withGoal(`${fixed(f.docBytes / 1024, 2)} KB`, goal(`<= ${GOALS.docKb} KB`, f.docBytes / 1024 <= GOALS.docKb)), '', ''],
      [n, 'hub memory per connected device (RSS, idle, after GC)', withGoal(`${fixed(f.memoryPerDeviceKb, 1)} KB`, goal(`<= ${GOALS.memoryKb} KB`, f.memoryPerDeviceKb <= GOALS.memoryKb)), '', `bare aedes: ${fixed(f.rawMemoryPerDeviceKb, 1)} KB`],
    ];
  });
  return table(['devices', 'measure', 'edgefleet', 'hub CPU per device', 'baseline (same run)'], rows);
}

export async function fleetSection(options: { sizes: readonly number[] }): Promise<string> {
  const figures: FleetFigures[] = [];
  for (const size of options.sizes) {
    figures.push(await measureFleet(size));
    // Shown as each size completes: a 10,000-device run takes about half an hour.
    process.stderr.write(`${fleetTable(figures.slice(-1))}\n`);
  }
  return [
    `The hub at fleet scale: a hub in its own process, lean devices in processes of ${DEVICES_PER_PROCESS} (the agent's protocol and checks, no onnxruntime), reconnect period ${RECONNECT_MS} ms jittered 0.5-1.5x; sizes run: ${options.sizes.join(', ')}`,
    machineLine(),
    fleetTable(figures),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = (process.argv[2] ?? '1000').split(',').map(Number);
  fleetSection({ sizes }).then(
    (section) => console.log(section),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
