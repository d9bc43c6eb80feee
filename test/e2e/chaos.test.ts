/**
 * Chaos at small scale (issue 10): 45 lean devices in two processes and 3 real agents (each its
 * own `agent/src/main.ts` process) on version 1 of a trained classifier. While version 2 rolls
 * out (canary ring, then everyone): lean agents crash and restart, a fifth of the fleet drops
 * off the network, a real agent is killed (SIGKILL) in the middle of its update and started
 * again, the hub restarts (its embedded broker with it), and another address floods the broker
 * with 300 wrong secrets for a real agent's id.
 * Then: every device serves version 2, verified (the lean devices and the real agents check
 * every signature and hash), the rollout completed with every member serving, and the flood kept
 * a real device out for at most FLOOD_BOUND_MS (a fresh connect with the right secret during the
 * flood), and every statistics window a device had acknowledged is stored exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'node:net';
import { MqttClient, connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '@edgefleet/hub';
import { anySchema } from '../../fleet-sim/src/demo/api';
import { AdminApi, enrolDevices, trainMachineVersion } from '../../fleet-sim/src/lean/hub-api';
import { runScenario } from '../../fleet-sim/src/lean/runner';
import { defineScenario } from '../../fleet-sim/src/lean/scenario';
import { freePort, until } from '../support/process';
import { testDatabase } from '../support/test-database';

const MODEL = 'chaos';
const TOKEN = 'chaos-admin-token-0123456789';
const REAL = ['real-0', 'real-1', 'real-2'];
const FLEET_TAG = { fleet: 'chaos' };
/** how long a real device may wait to connect while the flood runs (measured: well under a second) */
const FLOOD_BOUND_MS = 3_000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface RealAgent {
  id: string;
  port: number;
  dir: string;
  secret: string;
  child: ChildProcess | null;
}

interface Status {
  phase: string;
  active: { version: string } | null;
}

describe('chaos during a rollout', { timeout: 300_000 }, () => {
  let dir: string;
  let hub: Hub;
  let ports = { httpPort: 0, mqttPort: 0 };
  const agents: RealAgent[] = [];

  const start = async (): Promise<void> => {
    hub = await startHub({ ...(await testDatabase(dir)), dataDir: dir, ...ports, host: '127.0.0.1', adminToken: TOKEN, logger: quiet, statsIntervalS: 2 });
    ports = { httpPort: Number(new URL(hub.httpUrl).port), mqttPort: Number(new URL(hub.mqttUrl).port) };
  };
  const launch = (agent: RealAgent): void => {
    agent.child = spawn(process.execPath, ['--import', 'tsx', 'agent/src/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        EDGEFLEET_HUB_URL: hub.httpUrl,
        EDGEFLEET_DEVICE_ID: agent.id,
        EDGEFLEET_DEVICE_SECRET: agent.secret,
        EDGEFLEET_AGENT_DATA_DIR: agent.dir,
        EDGEFLEET_AGENT_PORT: String(agent.port),
      },
      stdio: 'ignore',
    });
  };
  const status = async (agent: RealAgent): Promise<Status | undefined> => {
    try {
      return (await (await fetch(`http://127.0.0.1:${agent.port}/v1/status`)).json()) as Status;
    } catch {
      return undefined;
    }
  };
  const killed = (child: ChildProcess | null): Promise<void> =>
    new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-chaos-'));
    await start();
    const api = new AdminApi({ httpUrl: hub.httpUrl, adminToken: TOKEN });
    for (const [version, seed] of [['1', 1], ['2', 2]] as const) await trainMachineVersion(api, { model: MODEL, version, seed });
    // The probe (a connect measured during the flood) carries no fleet tag: the rollout leaves it out.
    const secrets = await enrolDevices(api, [...REAL.map((id) => ({ id, ring: 'main', tags: FLEET_TAG })), { id: 'probe', ring: 'probes' }]);
    for (const id of REAL) await api.put(`/api/v1/devices/${id}/assignment`, anySchema, { json: { model: MODEL, version: '1' } });
    for (const id of REAL) agents.push({ id, port: await freePort(), dir: await mkdtemp(join(tmpdir(), `edgefleet-chaos-${id}-`)), secret: secrets.get(id) ?? '', child: null });
    agents.push({ id: 'probe', port: 0, dir: '', secret: secrets.get('probe') ?? '', child: null });
    for (const agent of agents.slice(0, REAL.length)) launch(agent);
  }, 240_000);

  afterAll(async () => {
    for (const agent of agents) await killed(agent.child);
    await hub?.close();
    for (const agent of agents) if (agent.dir) await rm(agent.dir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('every device ends on version 2, verified; the rollout is consistent; the flood delays no real device', async () => {
    const real = agents.slice(0, REAL.length);
    const [victim] = real;
    if (!victim) throw new Error('no real agents');
    const scenario = defineScenario({
      name: 'chaos during a rollout',
      given: {
        idPrefix: 'chaos',
        fleet: [
          { ring: 'canary', size: 5, tags: FLEET_TAG },
          { ring: 'main', size: 40, tags: FLEET_TAG },
        ],
        groups: { default: { rowsPerSecond: 10 } },
        serving: { model: MODEL, version: '1' },
        connect: { rampS: 1, withinS: 120 },
        lean: { statsIntervalS: 1, reconnectMs: 300, retry: { baseMs: 200, maxMs: 2_000, maxAttempts: 4 } },
        devicesPerProcess: 25,
      },
      when: [
        { atS: 0, label: 'rollout', do: { kind: 'rollout', model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary', tags: FLEET_TAG }, { kind: 'ring', ring: '*', tags: FLEET_TAG }] } } },
        { atS: 0.5, label: 'crash', do: { kind: 'crash', select: { fraction: 0.2 }, downS: 1 } },
        { atS: 0.5, label: 'churn', do: { kind: 'churn', select: { fraction: 0.2 }, downS: 2, rampS: 1 } },
        { atS: 2, label: 'hub-restart', do: { kind: 'restart-hub' } },
      ],
      then: [
        { kind: 'rollout', state: 'completed', withinS: 180 },
        { kind: 'serving', model: MODEL, version: '2', select: {}, withinS: 120 },
        // Every window a device had acknowledged is stored exactly once, across the crashes, the
        // churn and the hub restart (the real agents serve no predictions: the windows are the lean devices').
        { kind: 'stats-exact', model: MODEL, version: '1', withinS: 60 },
        { kind: 'stats-exact', model: MODEL, version: '2', withinS: 60 },
      ],
    });

    const realOnOne = until(async () => ((await Promise.all(real.map(status))).every((s) => s?.phase === 'serving' && s.active?.version === '1') ? true : undefined), 'real agents on 1', 150_000);

    let markRestarted = (): void => undefined;
    const hubRestarted = new Promise<void>((resolve) => (markRestarted = resolve));
    // Beside the scenario: kill a real agent mid-update, flood the broker, measure a real connect.
    const sideshow = (async () => {
      await realOnOne;
      await until(async () => ((await status(victim))?.phase === 'downloading' || (await status(victim))?.active?.version === '2' ? true : undefined), 'the victim updating', 150_000);
      await killed(victim.child);
      launch(victim);
      // The flood and the measured connect go to the restarted hub: a connect cut by the restart
      // measures nothing (and its ECONNRESET is not what this checks).
      await hubRestarted;
      const flood = Array.from({ length: 300 }, () => wrongSecretFrom('127.0.0.9', hub.mqttUrl, victim.id));
      const probe = agents[REAL.length] as RealAgent;
      const t0 = performance.now();
      const client = await connectAsync(hub.mqttUrl, { clientId: probe.id, username: probe.id, password: probe.secret, reconnectPeriod: 0, connectTimeout: 10_000 });
      const connectMs = performance.now() - t0;
      await client.endAsync();
      return { connectMs, flood: await Promise.all(flood) };
    })();
    // Awaited after the scenario; until then a failure must not surface as an unhandled rejection.
    sideshow.catch(() => undefined);

    const report = await runScenario(scenario, {
      hubUrl: `http://127.0.0.1:${ports.httpPort}`,
      adminToken: TOKEN,
      restartHub: async () => {
        await hub.close();
        await start();
        markRestarted();
      },
    });
    expect(report.passed, JSON.stringify({ error: report.error, steps: report.steps, failed: report.expectations.filter((e) => !e.ok) }, null, 1)).toBe(true);
    const side = await sideshow;
    expect(side.flood.every((outcome) => outcome === 'refused')).toBe(true);
    expect(side.connectMs).toBeLessThan(FLOOD_BOUND_MS);

    // Real agents, the killed one included, serve 2.
    await until(async () => ((await Promise.all(real.map(status))).every((s) => s?.phase === 'serving' && s.active?.version === '2') ? true : undefined), 'real agents on 2', 120_000);

    // The rollout is consistent: completed, and (once the controller saw the last reports) every
    // member serving, the real agents among them.
    const api = new AdminApi({ httpUrl: hub.httpUrl, adminToken: TOKEN });
    type RolloutList = { rollouts?: Array<{ version: string; state: string; devices: Record<string, number>; members: Array<{ device: string; status: string }> }> };
    const rollout = await until(
      async () => {
        const found = ((await api.get('/api/v1/rollouts', anySchema)) as RolloutList).rollouts?.find((r) => r.version === '2');
        return found && found.devices['serving'] === 45 + REAL.length ? found : undefined;
      },
      'every rollout member serving',
      30_000,
    );
    expect(rollout.state).toBe('completed');
    expect(rollout.devices).toEqual({ serving: 45 + REAL.length });
    expect(rollout.members.filter((m) => REAL.includes(m.device)).map((m) => m.status)).toEqual(REAL.map(() => 'serving'));
  });
});

/** One connect with a wrong secret from another loopback address: 'refused' or 'connected'. */
function wrongSecretFrom(localAddress: string, mqttUrl: string, id: string): Promise<'refused' | 'connected'> {
  const url = new URL(mqttUrl);
  const socket = (): ReturnType<typeof createConnection> => {
    const raw = createConnection({ host: url.hostname, port: Number(url.port), localAddress });
    // The broker resets refused connections; mqtt.js stops listening once the client ended.
    raw.on('error', () => undefined);
    return raw;
  };
  const client = new MqttClient(socket, { clientId: id, username: id, password: 'wrong', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.end(true);
      resolve('connected');
    });
    const refused = (): void => {
      client.end(true);
      resolve('refused');
    };
    // `on`, not `once`: a refused connection may also be reset, and a second error must not go unhandled.
    client.on('error', refused);
    client.on('close', refused);
  });
}
