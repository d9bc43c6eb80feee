/**
 * Enrolment cost with broker provisioning (issue 12 item 3): `POST /api/v1/devices` one device
 * at a time through a hub that provisions a real Mosquitto 2.0 through its dynamic-security
 * plugin (EDGEFLEET_BROKER_PROVISIONING=mosquitto-dynsec), beside the same enrolments on a hub
 * with the embedded broker in the same run (the baseline: a database row and a keyed hash).
 * Medians over the first, middle and last 100 enrolments show how the cost grows with the
 * number of devices already provisioned: Mosquitto 2.0 rewrites the plugin's whole JSON file on
 * every change, so each enrolment costs time proportional to the fleet.
 *
 *   npx tsx fleet-sim/src/bench/provisioning-bench.ts [devices, default 2000]   (needs Debian's mosquitto)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type HubOptions } from '@edgefleet/hub';
import { startMosquitto } from '../../../test/support/mosquitto';
import { machineLine, median, silentLogger } from './measure';
import { fixed, table } from './report';

const TOKEN = 'provisioning-bench-admin-token';

/** Milliseconds per enrolment, in order, for `count` devices on a hub started with `options`. */
async function enrolmentTimes(count: number, options: Partial<HubOptions>): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-provisioning-bench-'));
  const hub = await startHub({ dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: TOKEN, logger: silentLogger, ...options });
  try {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const reply = await fetch(`${hub.httpUrl}/api/v1/devices`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: `dev-${i}` }) });
      if (reply.status !== 201) throw new Error(`enrolling dev-${i}: HTTP ${reply.status} ${await reply.text()}`);
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function provisioningSection(options: { devices: number }): Promise<string> {
  const count = Math.max(300, options.devices);
  const baseline = await enrolmentTimes(count, {});
  const mosquitto = await startMosquitto();
  let provisioned: number[];
  try {
    provisioned = await enrolmentTimes(count, { brokerUrl: mosquitto.hubUrl, brokerProvisioning: 'mosquitto-dynsec' });
  } finally {
    await mosquitto.close();
  }
  const windows = [0, Math.floor(count / 2) - 50, count - 100];
  const rows = windows.map((start) => {
    const withBroker = median(provisioned.slice(start, start + 100));
    const without = median(baseline.slice(start, start + 100));
    return [`${start}-${start + 99}`, `${fixed(without, 2)} ms`, `${fixed(withBroker, 2)} ms`, `${fixed(withBroker / without, 1)}x`];
  });
  const first = median(provisioned.slice(0, 100));
  const last = median(provisioned.slice(count - 100));
  const perDevice = (last - first) / (count - 100);
  return [
    `Enrolment with Mosquitto dynamic-security provisioning: ${count} devices one at a time (POST /api/v1/devices), medians per 100; ${machineLine()}`,
    table(['devices already enrolled', 'embedded broker (baseline)', 'Mosquitto dynsec', 'ratio'], rows),
    `growth: +${fixed(perDevice * 1000, 1)} us per enrolment for every device already provisioned (extrapolated: ${fixed(first + perDevice * 10_000, 0)} ms per enrolment at 10,000 devices)`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('provisioning-bench.ts')) {
  console.log(await provisioningSection({ devices: Number(process.argv[2] ?? 2000) }));
}
