/**
 * A CPU profile of the hub through a reconnect storm, the phase the fleet benchmark finds
 * slowest: a hub in its own process started with `--cpu-prof`, N lean devices connected and
 * serving version 1, every connection cut at once, then the hub stopped cleanly (Node writes the
 * profile on exit, not on a kill). Open the largest `.cpuprofile` in Chrome DevTools.
 *
 *   npx tsx fleet-sim/src/bench/hub-profile.ts [devices, default 5000] [profile dir, default ./hub-profile]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { anySchema } from '../demo/api';
import { HubProcess } from '../hub-process';
import { AdminApi, enrolDevices, trainMachineVersion } from '../lean/hub-api';
import { LeanFleet } from '../lean/lean-fleet';

const TOKEN = 'hub-profile-admin-token-0123456789';
const argsSchema = z.tuple([z.coerce.number().int().min(1).max(20_000).default(5_000), z.string().min(1).default('hub-profile')]);

const parsed = argsSchema.safeParse([process.argv[2], process.argv[3]]);
if (!parsed.success) {
  console.error(`usage: hub-profile.ts [devices 1-20000] [profile dir]: ${parsed.error.issues.map((i) => `argument ${Number(i.path[0]) + 1}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const [size, out] = parsed.data;
const profileDir = resolve(out);
const dir = await mkdtemp(join(tmpdir(), 'edgefleet-hub-profile-'));
const hub = new HubProcess({ dataDir: dir, adminToken: TOKEN, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
let fleet: LeanFleet | null = null;
try {
  await hub.start();
  const api = new AdminApi({ httpUrl: hub.httpUrl, adminToken: TOKEN });
  await trainMachineVersion(api, { model: 'fleet', version: '1', seed: 1 });
  const ids = Array.from({ length: size }, (_, i) => `fleet-${String(i).padStart(5, '0')}`);
  const secrets = await enrolDevices(api, ids.map((id) => ({ id, ring: 'main' })), 32);
  await api.post('/api/v1/rollouts', anySchema, { json: { model: 'fleet', version: '1', plan: { steps: [{ kind: 'ring', ring: '*' }] } } });
  fleet = await LeanFleet.start({ hubUrl: hub.httpUrl, devices: ids.map((id, i) => ({ id, secret: secrets.get(id) ?? '', ring: 'main', group: 'default', seed: i + 1 })), maxDevicesPerProcess: 2_000, options: { reconnectMs: 250, statsIntervalS: 3_600 } });
  await fleet.connect(Math.min(60_000, size * 3));
  await fleet.waitFor((devices) => devices.every((d) => d.phase === 'serving' && d.active?.version === '1'), 'every device serving version 1', 15 * 60_000);
  console.log(`${size} devices serving; cutting every connection`);
  const before = await hub.usage();
  const stormAt = Date.now();
  await fleet.apply({ kind: 'disconnect', ids, downMs: 0, rampMs: 0 });
  for (const deadline = Date.now() + 15 * 60_000; ; ) {
    const back = (await fleet.timings()).filter((t) => t.sessions.some((s) => s.startedAt >= stormAt && s.desiredAt !== null)).length;
    if (back >= size) break;
    if (Date.now() > deadline) throw new Error(`only ${back} of ${size} devices had their doc again within 15 minutes`);
    await new Promise((done) => setTimeout(done, 500));
  }
  const after = await hub.usage();
  console.log(`storm: every device had its doc again after ${((Date.now() - stormAt) / 1000).toFixed(1)} s; hub CPU ${((after.cpuMicros - before.cpuMicros) / 1000 / size).toFixed(2)} ms per device`);
} finally {
  await fleet?.close();
  await hub.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(`profile written to ${profileDir} (the largest .cpuprofile is the hub's main thread)`);
