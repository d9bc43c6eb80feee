/**
 * Given a hub that serves only TLS (HTTPS, mqtts://) with a certificate from a private CA made by
 * openssl at test time, a real agent told to trust that CA (EDGEFLEET_CA_FILE, read as the
 * program reads its environment) bootstraps, downloads Silero VAD over https and serves it with the
 * same numbers as onnxruntime-node; an agent that does not trust the CA (none given, or
 * EDGEFLEET_CA_FILE naming another CA) serves nothing and says why: the hub's certificate is not
 * trusted and EDGEFLEET_CA_FILE is the fix (E_TLS_UNTRUSTED), not merely an unreachable hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { agentOptionsFromEnv, startAgent, type Agent, type AgentLogger } from '@edgefleet/agent';
import { startHub, type Hub } from '@edgefleet/hub';
import { Agent as Dispatcher, fetch as undiciFetch } from 'undici';
import { FAST_AGENT_TUNING, models, predict, runDirect, sileroInputs, sileroProbeQuery, tempDir, testLogger, waitForReport, type TempDir } from '../support/harness';
import { until } from '../support/process';
import { testDatabase } from '../support/test-database';
import { createTestCa, type TestCa } from '../support/tls-certs';

describe('agents and a hub over TLS with a private CA', () => {
  let dirs: TempDir[] = [];
  let ca: TestCa;
  let hub: Hub;
  let trusting: Dispatcher;
  const agents: Agent[] = [];

  /** The admin API through a client that trusts the test CA (Node's own fetch would not). */
  async function admin<T>(method: string, path: string, body?: Uint8Array | object): Promise<{ status: number; body: T }> {
    const bytes = body instanceof Uint8Array;
    const response = await undiciFetch(`${hub.httpUrl}${path}`, {
      method,
      dispatcher: trusting,
      headers: { authorization: `Bearer ${hub.adminToken}`, ...(body === undefined ? {} : { 'content-type': bytes ? 'application/octet-stream' : 'application/json' }) },
      ...(body === undefined ? {} : { body: bytes ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async function enrol(id: string): Promise<string> {
    const enrolled = await admin<{ secret: string }>('POST', '/api/v1/devices', { id });
    expect(enrolled.status).toBe(201);
    return enrolled.body.secret;
  }

  beforeAll(async () => {
    const [hubDir, certDir] = [await tempDir('tls-hub'), await tempDir('tls-certs')];
    dirs = [hubDir, certDir];
    ca = await createTestCa(certDir.path);
    const issued = await ca.issue('hub');
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger, tls: { cert: issued.cert, key: issued.key } });
    trusting = new Dispatcher({ connect: { ca: ca.ca } });
    const upload = await admin('POST', `/api/v1/models/vad/versions?version=1&probe=${sileroProbeQuery}`, new Uint8Array(await readFile(models.sileroV5)));
    expect(upload.status).toBe(201);
  });

  afterAll(async () => {
    for (const agent of agents) await agent.close();
    await trusting?.close();
    await hub?.close();
    for (const dir of dirs) await dir.remove();
  });

  /** An agent configured as the program is, from its environment: EDGEFLEET_CA_FILE names the CA file when given. */
  async function agentFor(id: string, secret: string, caFile: string | undefined, logger: Partial<AgentLogger> = testLogger): Promise<Agent> {
    const dir = await tempDir(`tls-${id}`);
    dirs.push(dir);
    const { options } = await agentOptionsFromEnv({
      EDGEFLEET_HUB_URL: hub.httpUrl,
      EDGEFLEET_DEVICE_ID: id,
      EDGEFLEET_DEVICE_SECRET: secret,
      EDGEFLEET_AGENT_DATA_DIR: dir.path,
      EDGEFLEET_AGENT_PORT: '0',
      ...(caFile === undefined ? {} : { EDGEFLEET_CA_FILE: caFile }),
    });
    const agent = await startAgent({ ...options, host: '127.0.0.1', logger, tuning: FAST_AGENT_TUNING });
    agents.push(agent);
    return agent;
  }

  /** A logger keeping its lines as JSON, to read what an operator would. */
  function keptLines(): { lines: string[]; logger: AgentLogger } {
    const lines: string[] = [];
    const keep = (level: string) => (message: string, fields?: object) => void lines.push(JSON.stringify({ level, message, ...fields }));
    return { lines, logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') } };
  }

  /** The agent refuses the hub's certificate as such: its own code in the status and an error line naming EDGEFLEET_CA_FILE, never "hub not reachable". */
  async function expectUntrusted(agent: Agent, lines: readonly string[]): Promise<void> {
    const refused = await until(async () => agent.status().hub.lastError ?? undefined, 'the agent to report why it cannot reach the hub', 10_000);
    expect(refused.code).toBe('E_TLS_UNTRUSTED');
    expect(refused.message).toMatch(/the hub's TLS certificate is not trusted \(unable to verify the first certificate, UNABLE_TO_VERIFY_LEAF_SIGNATURE\): .*EDGEFLEET_CA_FILE/);
    expect(agent.status().hub.state).toBe('connecting');
    const errors = lines.map((line) => JSON.parse(line) as { level: string; message: string; code?: string }).filter((line) => line.level === 'error');
    expect(errors).toContainEqual(expect.objectContaining({ code: 'E_TLS_UNTRUSTED', message: expect.stringContaining('EDGEFLEET_CA_FILE') }));
    expect(lines.join('\n')).not.toContain('hub not reachable');
    expect((await predict(agent, sileroInputs(1))).status).toBe(503);
  }

  it('an agent trusting the CA downloads Silero VAD over https, takes its docs over mqtts, and serves it', async () => {
    expect(hub.httpUrl).toMatch(/^https:/);
    expect(hub.mqttUrl).toMatch(/^mqtts:/);
    const secret = await enrol('tls-edge');
    const agent = await agentFor('tls-edge', secret, ca.caFile);
    const serving = waitForReport(agent, (state) => state.phase === 'serving' && state.active?.version === '1', 'serving vad@1 over TLS');
    expect((await admin('PUT', '/api/v1/devices/tls-edge/assignment', { model: 'vad', version: '1' })).status).toBe(200);
    await serving;

    expect(agent.status().hub.state).toBe('connected');
    const inputs = sileroInputs(1);
    const response = await predict(agent, inputs);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model: 'vad', version: '1' });
    expect(response.body.outputs.output?.data).toEqual((await runDirect(models.sileroV5, inputs)).output?.data);
    // The hub heard it over mqtts: its view of the device is the agent's.
    await until(async () => ((await admin<{ state: { phase: string } | null }>('GET', '/api/v1/devices/tls-edge')).body.state?.phase === 'serving' ? true : undefined), 'the hub to see tls-edge serving', 10_000);
  });

  it('an agent without the CA serves nothing and says the certificate is not trusted, and what to do', async () => {
    const secret = await enrol('tls-stranger');
    const { lines, logger } = keptLines();
    const agent = await agentFor('tls-stranger', secret, undefined, logger);
    expect((await admin('PUT', '/api/v1/devices/tls-stranger/assignment', { model: 'vad', version: '1' })).status).toBe(200);
    await expectUntrusted(agent, lines);
    expect((await admin<{ state: unknown }>('GET', '/api/v1/devices/tls-stranger')).body.state).toBeNull();
  });

  it('an agent whose EDGEFLEET_CA_FILE holds another CA is refused the same way', async () => {
    const otherDir = await tempDir('tls-other-ca');
    dirs.push(otherDir);
    const other = await createTestCa(otherDir.path, 'another CA');
    const secret = await enrol('tls-wrong-ca');
    const { lines, logger } = keptLines();
    const agent = await agentFor('tls-wrong-ca', secret, other.caFile, logger);
    await expectUntrusted(agent, lines);
  });
});
