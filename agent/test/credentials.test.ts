/**
 * A refused device credential against the real hub is said to be one, in the log (its own code,
 * not "hub not reachable") and in GET /v1/status (`hub.credentialsRejected`), over HTTP (a wrong
 * secret at the first start: 401 on GET /device/v1/config) and over MQTT (the secret rotated on
 * the hub while the agent runs: CONNACK 4). The agent keeps trying, slowly, and a restart with
 * the right secret connects again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentOptions } from '../src';
import { startAgent } from '../src/agent';
import type { LocalStatus } from '../src/hub-link';
import { api, enrol, FAST_AGENT_TUNING, tempDir, testLogger, type TempDir } from '../../test/support/harness';
import { until } from '../../test/support/process';
import { testDatabase } from '../../test/support/test-database';
import { startHub, type Hub } from '@edgefleet/hub';

const REFUSED_LINE = "the hub refused this device's id and secret";

describe('refused device credentials against the real hub', () => {
  let hub: Hub;
  let hubDir: TempDir;
  const dirs: TempDir[] = [];
  const agents: Agent[] = [];

  beforeAll(async () => {
    hubDir = await tempDir('cred-hub');
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
  });
  afterAll(async () => {
    for (const agent of agents) await agent.close();
    await hub?.close();
    for (const dir of [...dirs, hubDir]) await dir?.remove();
  });

  /** An agent of `deviceId` in `dir`, its log lines kept (as JSON of message and fields). */
  async function start(deviceId: string, deviceSecret: string, dir: TempDir, logs: string[]): Promise<Agent> {
    const keep = (message: string, fields?: object) => logs.push(JSON.stringify({ message, ...fields }));
    const logger: AgentOptions['logger'] = { debug: () => {}, info: keep, warn: keep, error: keep };
    const agent = await startAgent({ hubUrl: hub.httpUrl, deviceId, deviceSecret, dataDir: dir.path, port: 0, logger, tuning: { ...FAST_AGENT_TUNING, credentialRetryMs: 250 } });
    agents.push(agent);
    return agent;
  }
  const localStatus = async (agent: Agent): Promise<LocalStatus> => (await (await fetch(`${agent.localUrl}/v1/status`)).json()) as LocalStatus;

  it('a wrong secret at the first start: 401 said as a refused credential, retried slowly, fine after a restart with the right one', async () => {
    const secret = await enrol(hub, 'cred-http');
    const dir = await tempDir('cred-http');
    dirs.push(dir);
    const logs: string[] = [];
    const wrong = await start('cred-http', 'not-the-secret-at-all', dir, logs);

    const refused = await until(async () => {
      const status = await localStatus(wrong);
      return status.hub.credentialsRejected ? status : undefined;
    }, 'the agent to show the refused credential', 10_000);
    expect(refused.hub).toMatchObject({ state: 'credentials-rejected', lastError: { code: 'E_CREDENTIALS_REJECTED' } });
    expect(refused.hub.lastError?.message).toContain('HTTP 401');
    expect(refused.phase).toBe('idle');
    // Still trying, slowly: another refusal a retry period later, each one logged as what it is.
    await until(async () => (logs.filter((line) => line.includes(REFUSED_LINE)).length >= 2 ? true : undefined), 'a second refused attempt', 10_000);
    const refusals = logs.filter((line) => line.includes(REFUSED_LINE));
    expect(JSON.parse(refusals[0] ?? '{}')).toMatchObject({ code: 'E_CREDENTIALS_REJECTED', device: 'cred-http', retryInMs: 250 });
    expect(refusals[0]).toContain('EDGEFLEET_DEVICE_ID');
    expect(logs.some((line) => line.includes('hub not reachable'))).toBe(false);
    expect(logs.join('\n')).not.toContain('not-the-secret-at-all');
    await wrong.close();

    const right = await start('cred-http', secret, dir, []);
    const connected = await until(async () => {
      const status = await localStatus(right);
      return status.hub.state === 'connected' ? status : undefined;
    }, 'the agent with the right secret to connect', 15_000);
    expect(connected.hub).toMatchObject({ credentialsRejected: false, lastError: null });
  });

  it('the secret rotated while connected: the MQTT refusal shows the same way, and the new secret connects', async () => {
    const secret = await enrol(hub, 'cred-mqtt');
    const dir = await tempDir('cred-mqtt');
    dirs.push(dir);
    const logs: string[] = [];
    const agent = await start('cred-mqtt', secret, dir, logs);
    await until(async () => ((await localStatus(agent)).hub.state === 'connected' ? true : undefined), 'the agent to connect', 15_000);

    const rotated = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices/cred-mqtt/secret');
    expect(rotated.status).toBe(200);
    const refused = await until(async () => {
      const status = await localStatus(agent);
      return status.hub.credentialsRejected ? status : undefined;
    }, 'the MQTT refusal to show', 15_000);
    expect(refused.hub.lastError?.message).toContain('MQTT CONNACK');
    // mqtt.js would stop after a refused CONNACK; the agent tries again a retry period later.
    await until(async () => (logs.filter((line) => line.includes(REFUSED_LINE) && line.includes('MQTT CONNACK')).length >= 2 ? true : undefined), 'a second MQTT refusal', 10_000);
    expect(logs.join('\n')).not.toContain(secret);
    await agent.close();

    const renewed = await start('cred-mqtt', rotated.body.secret, dir, []);
    await until(async () => ((await localStatus(renewed)).hub.state === 'connected' ? true : undefined), 'the new secret to connect', 15_000);
  });
});
