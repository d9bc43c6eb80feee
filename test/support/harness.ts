/** Small helpers the end-to-end scenarios share: temp dirs, a hub with one device, admin API calls, waiting on agents. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '@edgefleet/agent';
import { startHub, type Hub, type HubOptions } from '@edgefleet/hub';
import type { ErrorCode, TensorJson } from '@edgefleet/protocol';
import { expect } from 'vitest';
import { nextEvent, nextReport } from '../fixtures/wait';
import { sileroInputs as sileroFeeds } from '../fixtures/silero';
import { SILERO_LEGACY, SILERO_PROBE_HINT, SILERO_V5, SILERO_V6 } from '../fixtures/silero';
import { testDatabase } from './test-database';

export { nextEvent as waitForEvent, nextReport as waitForReport } from '../fixtures/wait';
export { runDirect, sileroInputs } from '../fixtures/silero';

/** The real third-party models shipped by @ricky0123/vad-web 0.0.31. */
export const models = { sileroV5: SILERO_V5, sileroV6: SILERO_V6, sileroLegacy: SILERO_LEGACY };
export const sileroProbeQuery = encodeURIComponent(JSON.stringify(SILERO_PROBE_HINT));

/** Quiet by default; EDGEFLEET_TEST_LOG=1 shows the hub's and agents' logs while debugging. */
const print = (stream: NodeJS.WriteStream) => (message: string, fields?: object) => stream.write(`${JSON.stringify({ message, ...fields })}\n`);
export const testLogger = process.env.EDGEFLEET_TEST_LOG
  ? { debug: print(process.stderr), info: print(process.stderr), warn: print(process.stderr), error: print(process.stderr) }
  : { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Agent retry and reconnect delays for tests: a fleet that recovers within the test's deadlines. */
export const FAST_AGENT_TUNING = { retryBaseMs: 20, retryMaxMs: 200, bootstrapBaseMs: 20, bootstrapMaxMs: 200, mqttReconnectMs: 100 };

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `edgefleet-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A hub on free local ports in a temp dir, and a temp dir for the agent of the one device a scenario follows. */
export interface Scenario {
  hub: Hub;
  hubDir: TempDir;
  agentDir: TempDir;
  /** Starts the device's agent against the hub (again, after a close, to restart it from its dir). */
  startAgent(deviceId: string, deviceSecret: string): Promise<Agent>;
  /** Closes the last agent started and the hub, and removes both dirs. */
  close(): Promise<void>;
}

/** `over` adds what a scenario needs of the hub beyond the shared test settings (e.g. publicUrl). */
export async function startScenario(over: Partial<Omit<HubOptions, 'dataDir'>> = {}): Promise<Scenario> {
  const hubDir = await tempDir('hub');
  const agentDir = await tempDir('agent');
  const hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger, ...over });
  let agent: Agent | undefined;
  return {
    hub,
    hubDir,
    agentDir,
    async startAgent(deviceId, deviceSecret) {
      agent = await startAgent({ hubUrl: hub.httpUrl, deviceId, deviceSecret, dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger });
      return agent;
    },
    async close() {
      await agent?.close();
      await hub.close();
      await hubDir.remove();
      await agentDir.remove();
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export async function api<T = Record<string, unknown>>(
  hub: Pick<Hub, 'httpUrl' | 'adminToken'>,
  method: string,
  path: string,
  body?: unknown,
  init: { token?: string | null; contentType?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? hub.adminToken : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) {
    payload = body as BodyInit;
    headers['content-type'] = init.contentType ?? 'application/octet-stream';
  } else if (typeof body === 'string') {
    payload = body;
    headers['content-type'] = init.contentType ?? 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${hub.httpUrl}${path}`, { method, headers, body: payload ?? null });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function uploadModel(hub: Hub, model: string, file: string, version: string): Promise<{ sha256: string; version: string }> {
  const bytes = new Uint8Array(await readFile(file));
  const res = await api<{ sha256: string; version: string }>(hub, 'POST', `/api/v1/models/${model}/versions?version=${version}&probe=${sileroProbeQuery}`, bytes);
  if (res.status !== 201) throw new Error(`upload ${model}@${version} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function enrol(hub: Hub, id: string): Promise<string> {
  const res = await api<{ id: string; secret: string }>(hub, 'POST', '/api/v1/devices', { id });
  if (res.status !== 201) throw new Error(`enrol ${id} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.secret;
}

export async function assign(hub: Hub, device: string, model: string, version: string): Promise<ApiResponse> {
  return api(hub, 'PUT', `/api/v1/devices/${device}/assignment`, { model, version });
}

export interface PredictResponse {
  model: string;
  version: string;
  outputs: Record<string, TensorJson>;
}

export async function predict(agent: Agent, inputs: Record<string, TensorJson>): Promise<ApiResponse<PredictResponse>> {
  const response = await fetch(`${agent.localUrl}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs }),
  });
  return { status: response.status, body: (await response.json()) as PredictResponse };
}

/**
 * `deliver` makes the agent refuse something with `code`: it must report the code in its state
 * and as an event, keep serving `version`, and answer a prediction exactly as it did before
 * (only the prediction ids differ: they are unique per request).
 */
export async function expectRefusedAndServing(agent: Agent, code: ErrorCode, version: string, deliver: () => Promise<unknown>): Promise<void> {
  const inputs = sileroFeeds(3);
  const before = await predict(agent, inputs);
  const reported = nextReport(agent, (s) => s.error?.code === code, `reported ${code}`);
  const event = nextEvent(agent, (e) => e.error?.code === code, `event ${code}`);
  await deliver();
  const state = await reported;
  await event;
  expect(state.active?.version).toBe(version);
  const after = await predict(agent, inputs);
  expect(after.status).toBe(200);
  expect({ ...after.body, predictionIds: null }).toEqual({ ...before.body, predictionIds: null });
  expect(agent.status().active?.version).toBe(version);
}
