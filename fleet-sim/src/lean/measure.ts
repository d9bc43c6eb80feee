/**
 * What a lean device costs: `npx tsx fleet-sim/src/lean/measure.ts [--devices 2000] [--interval 10]`.
 * A real hub in this process (temp dir, ephemeral ports), a classifier trained through the API,
 * N lean devices in ONE child process. Prints the child's RSS and CPU per device: before
 * connecting, connected and serving but idle (no predictions, no windows), and while reporting
 * (1 prediction/s per device, one statistics window per `--interval` s per device), plus the
 * rollout-to-serving and connect times it saw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startHub } from '@edgefleet/hub';
import { AdminApi, enrolDevices, pinDevices, trainMachineVersion } from './hub-api';
import { LeanFleet } from './lean-fleet';
import { connectTimes, delaysAfter } from './measures';
import type { ProcessUsage } from './ipc';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '2000' }, interval: { type: 'string', default: '10' }, seconds: { type: 'string', default: '30' } } });
const DEVICES = Number(values.devices);
const INTERVAL_S = Number(values.interval);
const WINDOW_S = Number(values.seconds);
const MB = 1024 * 1024;
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stdout.write(`${line}\n`);

async function cpuOver(fleet: LeanFleet, seconds: number): Promise<{ usage: ProcessUsage; cpuPercent: number }> {
  const [before] = await fleet.usage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const [after] = await fleet.usage();
  const [live] = await fleet.usage(true);
  if (after && live) Object.assign(live, { lagP99Ms: after.lagP99Ms, lagMaxMs: after.lagMaxMs });
  const elapsedMicros = (performance.now() - t0) * 1000;
  if (!before || !after || !live) throw new Error('no child usage');
  return { usage: live, cpuPercent: (100 * (after.cpuMicros - before.cpuMicros)) / elapsedMicros };
}

const line = (label: string, u: ProcessUsage, cpuPercent: number | null) =>
  `${label.padEnd(34)} RSS ${(u.rssBytes / MB).toFixed(0).padStart(5)} MB (${((u.rssBytes / DEVICES) / 1024).toFixed(1)} KB/device), heap ${(u.heapUsedBytes / MB).toFixed(0)} MB (${((u.heapUsedBytes / DEVICES) / 1024).toFixed(1)} KB/device)` +
  (cpuPercent === null ? '' : `, CPU ${cpuPercent.toFixed(1)}% of a core (${((cpuPercent * 10) / DEVICES).toFixed(3)} ms/s per device), loop lag p99 ${u.lagP99Ms.toFixed(0)} ms max ${u.lagMaxMs.toFixed(0)} ms`);

const dir = await mkdtemp(join(tmpdir(), 'edgefleet-lean-measure-'));
const hub = await startHub({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'lean-measure-admin-token', logger: quiet, rolloutSchedule: '0 0 1 1 *' });
let fleet: LeanFleet | null = null;
try {
  const api = new AdminApi(hub);
  const ids = Array.from({ length: DEVICES }, (_, i) => ({ id: `m-${i}`, ring: 'main' }));
  const t0 = Date.now();
  const [secrets] = await Promise.all([enrolDevices(api, ids, 32), trainMachineVersion(api, { model: 'measure', version: '1' })]);
  log(`${DEVICES} devices enrolled and a version trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  fleet = await LeanFleet.start({
    hubUrl: hub.httpUrl,
    devices: ids.map((d, i) => ({ ...d, secret: secrets.get(d.id) ?? '', group: 'default', seed: i })),
    maxDevicesPerProcess: DEVICES,
    groups: { default: { rowsPerSecond: 1 } },
    options: { statsIntervalS: INTERVAL_S },
  });
  const [fresh] = await fleet.usage(true);
  if (fresh) log(line('created, not connected', fresh, null));
  const c0 = Date.now();
  await fleet.connect(Math.min(30_000, DEVICES * 5));
  await fleet.waitFor((all) => all.every((d) => d.connected), 'all connected', 600_000);
  log(`connected in ${((Date.now() - c0) / 1000).toFixed(1)} s (ramp ${Math.min(30, DEVICES * 0.005)} s); connect ${JSON.stringify(connectTimes(await fleet.timings()))}`);
  await fleet.setStats(false, false);
  const [beforePin] = await fleet.usage();
  const pinnedAt = Date.now();
  await pinDevices(api, ids.map((d) => d.id), 'measure', '1', 32);
  await fleet.waitFor((all) => all.every((d) => d.phase === 'serving'), 'all serving', 600_000);
  const [afterPin] = await fleet.usage();
  const installMs = beforePin && afterPin ? (afterPin.cpuMicros - beforePin.cpuMicros) / 1000 / DEVICES : NaN;
  log(`pinned and serving: ${JSON.stringify(delaysAfter(await fleet.timings(), pinnedAt))}; device-side CPU ${installMs.toFixed(2)} ms per device (doc and manifest verified, artifact checked, 6 state reports, 3 events), loop lag max ${afterPin?.lagMaxMs.toFixed(0)} ms`);
  await sleep(5_000);
  const idle = await cpuOver(fleet, WINDOW_S);
  log(line('connected, serving, idle', idle.usage, idle.cpuPercent));
  await fleet.setStats(true, false);
  await sleep(INTERVAL_S * 1000);
  const busy = await cpuOver(fleet, WINDOW_S);
  const tally = await fleet.tally();
  log(line(`reporting (1 window/${INTERVAL_S} s/device)`, busy.usage, busy.cpuPercent));
  log(`windows acknowledged ${tally.versions['measure@1']?.acked.windows ?? 0}, queued ${tally.outbox.queued}; shared fetches ${JSON.stringify(tally.fetches)}; counters ${JSON.stringify(tally.counters)}`);
} finally {
  await fleet?.close();
  await hub.close();
  await rm(dir, { recursive: true, force: true });
}
