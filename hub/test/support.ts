/** Shared pieces of the hub's integration tests: a real hub on ephemeral ports in a temp dir. */
import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReleaseRef, ReportedState } from '@edgefleet/protocol';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { startHub, type Hub, type HubOptions, type Logger } from '../src/index';
import { jsonLogger } from '../src/adapters/logger';
import { SILERO_PROBE_HINT } from '../../test/fixtures/silero';
import { testDatabase } from '../../test/support/test-database';

export { SILERO_V5 } from '../../test/fixtures/silero';
export const SILERO_PROBE = encodeURIComponent(JSON.stringify(SILERO_PROBE_HINT));

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function makeTempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'edgefleet-hub-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function testHub(dataDir: string, overrides: Partial<HubOptions> = {}): Promise<Hub> {
  return startHub({ ...(await testDatabase(dataDir)), dataDir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token-0123456789', logger: process.env.HUB_TEST_LOG ? jsonLogger((line) => process.stderr.write(line)) : silentLogger, ...overrides });
}

export type TempDir = Awaited<ReturnType<typeof makeTempDir>>;

/**
 * A hub of its own for a test file: started in beforeAll (then `onStart` receives it), closed and
 * its data dir removed in afterAll.
 */
export function useTestHub(onStart: (started: { hub: Hub; dir: TempDir }) => void, overrides: Partial<HubOptions> = {}): void {
  let started: { hub: Hub; dir: TempDir } | undefined;
  beforeAll(async () => {
    const dir = await makeTempDir();
    started = { dir, hub: await testHub(dir.path, overrides) };
    onStart(started);
  });
  afterAll(async () => {
    await started?.hub.close();
    await started?.dir.remove();
  });
}

export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** An admin API call; `token: null` sends none. */
export async function api<T = Record<string, unknown>>(
  hub: Hub,
  method: string,
  path: string,
  options: { json?: unknown; bytes?: Uint8Array; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? hub.adminToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | null = null;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (options.bytes) {
    body = options.bytes as BodyInit;
    headers['content-type'] = 'application/octet-stream';
  }
  const response = await fetch(`${hub.httpUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

export async function enrol(hub: Hub, id: string): Promise<string> {
  const reply = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { json: { id } });
  if (reply.status !== 201) throw new Error(`enrol ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.secret;
}

export const basicAuth = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** What an agent does for a release its doc names by reference: GET /device/v1/releases/<sha256> with its credentials. */
export const releaseFetcher =
  (hub: Hub, id: string, secret: string) =>
  async (ref: ReleaseRef): Promise<Uint8Array> => {
    const response = await fetch(`${hub.httpUrl}/device/v1/releases/${ref.sha256}`, { headers: { authorization: basicAuth(id, secret) } });
    if (!response.ok) throw new Error(`GET /device/v1/releases/${ref.sha256}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };

export function connectDevice(hub: Hub, id: string, secret: string, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
  return connectAsync(hub.mqttUrl, { clientId: id, username: id, password: secret, reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 5_000, ...extra });
}

/** Resolves with the first message on `topic` (retained ones included). */
export function nextMessage(client: MqttClient, topic: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const onMessage = (received: string, payload: Buffer): void => {
      if (received !== topic) return;
      client.off('message', onMessage);
      resolve(payload);
    };
    client.on('message', onMessage);
  });
}

export const closed = (client: MqttClient): Promise<void> => new Promise((resolve) => (client.disconnected ? resolve() : client.once('close', () => resolve())));

/** A valid reported state for `device`, as an agent would publish it. */
export const report = (device: string, overrides: Partial<ReportedState> = {}): ReportedState => ({
  device,
  seq: 0,
  phase: 'idle',
  active: null,
  previous: null,
  error: null,
  agent: { version: '0.1.0', runtime: '1.30.0' },
  at: new Date().toISOString(),
  ...overrides,
});

export { freePort } from '../../test/support/process';
