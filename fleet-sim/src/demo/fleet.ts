/**
 * The simulated fleet: N real agents (startAgent, the same code as `npm run agent`) in this
 * process, each with its own data dir, its own local API on an ephemeral port and its own
 * device secret from enrolment. Rings: 10% canary, 30% early, the rest main (at least one each).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, type Agent, type AgentLogger } from '@edgefleet/agent';
import { anySchema, enrolledSchema, type AdminApi } from './api';

export const RINGS = ['canary', 'early', 'main'] as const;
export type Ring = (typeof RINGS)[number];
/**
 * The tags every simulated agent is enrolled with. The rollout plan's steps select devices by
 * them as well as by ring, so its `*` (whole fleet) steps leave the browsers of ring `web` alone.
 */
export const AGENT_TAGS: Readonly<Record<string, string>> = { demo: 'true' };

export interface SimDevice {
  id: string;
  ring: Ring;
  /** seed of its traffic stream (one per device, so devices see different rows) */
  seed: number;
  secret: string;
  agent: Agent | null;
}

/** How many devices each ring gets out of `total` (>= 3). */
export function ringSizes(total: number): Record<Ring, number> {
  const canary = Math.max(1, Math.round(total * 0.1));
  const early = Math.max(1, Math.round(total * 0.3));
  return { canary, early, main: Math.max(1, total - canary - early) };
}

/** Device ids like canary-01, early-03, main-17, in ring order. */
export function fleetLayout(total: number): Array<Pick<SimDevice, 'id' | 'ring' | 'seed'>> {
  const sizes = ringSizes(total);
  const width = String(total).length < 2 ? 2 : String(total).length;
  let seed = 1000;
  return RINGS.flatMap((ring) => Array.from({ length: sizes[ring] }, (_, i) => ({ id: `${ring}-${String(i + 1).padStart(width, '0')}`, ring, seed: seed++ })));
}

/** Rings in rollout order (position 0 is the canary), then the devices (each secret is shown once). */
export async function enrolFleet(api: AdminApi, total: number): Promise<SimDevice[]> {
  for (const [position, ring] of RINGS.entries()) {
    await api.put(`/api/v1/rings/${ring}`, anySchema, { json: { position, description: `demo ring ${ring}` } });
  }
  const devices: SimDevice[] = [];
  for (const d of fleetLayout(total)) {
    const enrolled = await api.post('/api/v1/devices', enrolledSchema, { json: { id: d.id, ring: d.ring, tags: { ...AGENT_TAGS } } });
    devices.push({ ...d, secret: enrolled.secret, agent: null });
  }
  return devices;
}

export interface FleetStartOptions {
  hubUrl: string;
  brokerUrl: string;
  dataRoot: string;
  logger: (deviceId: string) => Partial<AgentLogger>;
}

/** Starts every agent (in parallel: each resolves once its local API listens). */
export async function startFleet(devices: SimDevice[], options: FleetStartOptions): Promise<void> {
  await Promise.all(
    devices.map(async (device) => {
      const dataDir = join(options.dataRoot, device.id);
      await mkdir(dataDir, { recursive: true });
      device.agent = await startAgent({
        hubUrl: options.hubUrl,
        // The hub's own URL for its broker (127.0.0.1), rather than the public "localhost" it
        // advertises, which may resolve to ::1 first while the demo hub listens on IPv4.
        brokerUrl: options.brokerUrl,
        deviceId: device.id,
        deviceSecret: device.secret,
        dataDir,
        port: 0,
        host: '127.0.0.1',
        logger: options.logger(device.id),
        // Faster retries than production: a demo should not sit in a 60 s backoff.
        tuning: { retryBaseMs: 250, retryMaxMs: 5_000, bootstrapBaseMs: 250, bootstrapMaxMs: 2_000, mqttReconnectMs: 1_000 },
      });
    }),
  );
}

export async function closeFleet(devices: readonly SimDevice[]): Promise<void> {
  await Promise.all(
    devices.map(async (device) => {
      const agent = device.agent;
      device.agent = null;
      await agent?.close();
    }),
  );
}
