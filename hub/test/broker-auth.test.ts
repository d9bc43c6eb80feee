/**
 * Device authentication under attack, on a real hub (aedes on an ephemeral port, its real
 * registry database, real mqtt.js clients and real HTTP), with the default limits of
 * core/auth-admission.
 * Attackers and the real device connect from different loopback addresses (127.0.0.x), which
 * the hub sees as different sources.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { randomBytes, scryptSync } from 'node:crypto';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { MqttClient, connectAsync } from 'mqtt';
import { DEFAULT_AUTH_LIMITS } from '../src/core/auth-admission';
import { devices } from '../src/adapters/db/schema';
import { openDatabase, type OpenedDb } from '../src/adapters/db/open';
import { testDatabase } from '../../test/support/test-database';
import type { Hub } from '../src/index';
import { api, basicAuth, enrol, makeTempDir, testHub, type TempDir } from './support';

const REAL = '127.0.0.1';
/**
 * How long a real device may take to get in, end to end, while a flood runs in this same process.
 * A keyed check is microseconds (measured: ~60 ms end to end); an old scrypt row waits for one of
 * the 2 running checks and then takes its own ~50 ms (measured: 0.1-1.6 s end to end on a loaded
 * 2-core machine, the rest being the flood's 300 clients on the event loop). Both stay well inside
 * the agent's 10 s connect timeout, so a real device never times out and pays again.
 */
const KEYED_BOUND_MS = 2_000;
const LEGACY_BOUND_MS = 8_000;
/** a refusal that needs no check at all; the flood's 300 clients share this process's event loop with the hub */
const REFUSAL_BOUND_MS = 10_000;

type BrokerStats = { broker: Record<string, number> };

/** A real mqtt.js client whose TCP connection starts from `localAddress`. */
function connectFrom(hub: Hub, localAddress: string, id: string, password: string): Promise<MqttClient> {
  const url = new URL(hub.mqttUrl);
  const client = new MqttClient(() => createConnection({ host: url.hostname, port: Number(url.port), localAddress }), {
    clientId: id,
    username: id,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('closed without CONNACK')));
  });
}

interface Attempt {
  /** the CONNACK return code of a refusal, or `connected` */
  code: number | 'connected' | string;
  ms: number;
}

async function attempt(hub: Hub, localAddress: string, id: string, password: string): Promise<Attempt> {
  const started = performance.now();
  try {
    const client = await connectFrom(hub, localAddress, id, password);
    client.end(true);
    return { code: 'connected', ms: performance.now() - started };
  } catch (error) {
    const code = error instanceof Error && 'code' in error && typeof error.code === 'number' ? error.code : String(error);
    return { code, ms: performance.now() - started };
  }
}

/** `total` wrong-secret connects for `id` from `localAddress`, `inFlight` at a time; `progress` sees each result. */
function flood(hub: Hub, localAddress: string, id: string, total: number, inFlight: number, progress: (done: number) => void = () => undefined): Promise<Attempt[]> {
  const results: Attempt[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      results.push(await attempt(hub, localAddress, id, `wrong-${randomBytes(8).toString('hex')}`));
      progress(results.length);
    }
  };
  return Promise.all(Array.from({ length: inFlight }, worker)).then(() => results);
}

/** Resolves once `count` reaches `target`: an event, not a sleep. */
function reached(target: number): { seen(count: number): void; promise: Promise<void> } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { seen: (count) => count >= target && resolve(), promise };
}

function httpFrom(hub: Hub, localAddress: string, path: string, authorization: string): Promise<{ status: number; headers: IncomingHttpHeaders; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = httpGet(`${hub.httpUrl}${path}`, { localAddress, agent: false, headers: { authorization } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, ms: performance.now() - started }));
    });
    request.on('error', reject);
  });
}

const tally = (results: Array<{ code: Attempt['code'] }>): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { code } of results) counts[String(code)] = (counts[String(code)] ?? 0) + 1;
  return counts;
};

describe('device authentication under a flood of wrong secrets', () => {
  let dir: TempDir;
  let hub: Hub;
  // The hub's own database (SQLite file or PostgreSQL, as the suite runs), opened beside it.
  let registry: OpenedDb;
  const secrets: Record<string, string> = {};

  const stats = async (): Promise<Record<string, number>> => (await api<BrokerStats>(hub, 'GET', '/api/v1/broker/stats')).body.broker;
  const storedHash = async (id: string): Promise<string | undefined> => (await registry.db.select({ hash: devices.secretHash }).from(devices).where(eq(devices.id, id)).get())?.hash;
  /** Puts the device back to how the hub stored secrets before: a salted scrypt hash. */
  const makeLegacy = async (id: string): Promise<void> => {
    const salt = randomBytes(16);
    const hash = scryptSync(secrets[id] ?? '', salt, 32, { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    await registry.db
      .update(devices)
      .set({ secretHash: ['scrypt', 16_384, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$') })
      .where(eq(devices.id, id));
  };

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path);
    for (const id of ['dev-real', 'dev-http', 'dev-ws', 'legacy-mqtt', 'legacy-http']) secrets[id] = await enrol(hub, id);
    const { databaseUrl } = await testDatabase(dir.path);
    registry = await openDatabase(databaseUrl === undefined ? { path: join(dir.path, 'edgefleet.db') } : { url: databaseUrl });
  });
  afterAll(async () => {
    await registry?.close();
    await hub?.close();
    await dir?.remove();
  });

  it('a device with a keyed secret connects at once while another address floods its id; the flood is refused fast', async () => {
    const before = await stats();
    const halfway = reached(150);
    const running = flood(hub, '127.0.0.2', 'dev-real', 300, 30, halfway.seen);
    await halfway.promise;
    const real = await attempt(hub, REAL, 'dev-real', secrets['dev-real'] ?? '');
    const results = await running;

    expect(real.code).toBe('connected');
    expect(real.ms).toBeLessThan(KEYED_BOUND_MS);
    // The id's failure burst is checked (CONNACK 4), then that address is refused for the id
    // without any check (CONNACK 5). A refill of 0.1/s may let one more through.
    const counts = tally(results);
    expect(Object.keys(counts).sort()).toEqual(['4', '5']);
    expect(counts['4']).toBeGreaterThanOrEqual(DEFAULT_AUTH_LIMITS.perDevice.capacity);
    expect(counts['4']).toBeLessThanOrEqual(DEFAULT_AUTH_LIMITS.perDevice.capacity + 2);
    expect(counts['5']).toBe(300 - (counts['4'] ?? 0));
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length * 0.95)]).toBeLessThan(KEYED_BOUND_MS);

    const after = await stats();
    expect((after.authFailures ?? 0) - (before.authFailures ?? 0)).toBe(300);
    expect((after.authThrottled ?? 0) - (before.authThrottled ?? 0)).toBe(counts['5']);
    // Still fine afterwards, from its own address.
    expect((await attempt(hub, REAL, 'dev-real', secrets['dev-real'] ?? '')).code).toBe('connected');
  });

  it('MQTT over WebSocket counts failures against the connecting address too', async () => {
    const overWs = async (localAddress: string, password: string): Promise<number | 'connected'> => {
      try {
        const client = await connectAsync(hub.wsUrl, { clientId: 'dev-ws', username: 'dev-ws', password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, wsOptions: { localAddress } });
        await client.endAsync(true);
        return 'connected';
      } catch (error) {
        return error instanceof Error && 'code' in error && typeof error.code === 'number' ? error.code : -1;
      }
    };
    const codes = [];
    for (let i = 0; i < DEFAULT_AUTH_LIMITS.perDevice.capacity + 2; i++) codes.push(await overWs('127.0.0.7', 'wrong'));
    expect(codes).toEqual([...Array<number>(DEFAULT_AUTH_LIMITS.perDevice.capacity).fill(4), 5, 5]);
    expect(await overWs(REAL, secrets['dev-ws'] ?? '')).toBe('connected');
  });

  it('an old scrypt row gets its turn ahead of a flood that fills the slow queue, and is upgraded', async () => {
    await makeLegacy('legacy-mqtt');
    const before = await stats();
    // All at once: far more than the slow queue holds.
    const running = flood(hub, '127.0.0.3', 'legacy-mqtt', 300, 300);
    await expect.poll(async () => (await stats()).authBusy ?? 0, { timeout: 10_000, interval: 20 }).toBeGreaterThan(before.authBusy ?? 0);
    // The queue is full now: first come, first served would answer the device CONNACK 3.
    const real = await attempt(hub, REAL, 'legacy-mqtt', secrets['legacy-mqtt'] ?? '');
    const results = await running;

    expect(real.code).toBe('connected');
    expect(real.ms).toBeLessThan(LEGACY_BOUND_MS);
    expect(await storedHash('legacy-mqtt')).toMatch(/^hmac-sha256\$[0-9a-f]{16}\$[A-Za-z0-9_-]{43}$/);

    const counts = tally(results);
    expect(Object.keys(counts).every((code) => ['3', '4', '5'].includes(code))).toBe(true);
    expect(counts['3']).toBeGreaterThan(0);
    // Each CONNACK 4 was one scrypt (or, after the upgrade, a keyed check). Waiters are checked
    // against the limits again when their turn comes, so the id's failure limit caps them.
    expect(counts['4'] ?? 0).toBeGreaterThanOrEqual(DEFAULT_AUTH_LIMITS.perDevice.capacity);
    expect(counts['4'] ?? 0).toBeLessThanOrEqual(DEFAULT_AUTH_LIMITS.perDevice.capacity + DEFAULT_AUTH_LIMITS.slow.concurrency + 1);
    expect(counts['5']).toBeGreaterThan(0);
    // Refusals without a check (queue full, or limit reached) do not wait for any scrypt.
    const unchecked = results.filter((r) => r.code === 3 || r.code === 5).map((r) => r.ms).sort((a, b) => a - b);
    expect(unchecked[Math.floor(unchecked.length / 2)]).toBeLessThan(REFUSAL_BOUND_MS);
    const after = await stats();
    expect((after.authBusy ?? 0) - (before.authBusy ?? 0)).toBe(counts['3']);

    // Upgraded: the next connect takes the keyed path.
    expect((await attempt(hub, REAL, 'legacy-mqtt', secrets['legacy-mqtt'] ?? '')).code).toBe('connected');
  });

  it('HTTP: 401 while the id has failures left, then 429 with Retry-After for that address only', async () => {
    const wrong = basicAuth('dev-http', 'wrong-secret');
    const statuses: number[] = [];
    let throttled: IncomingHttpHeaders | null = null;
    for (let i = 0; i < DEFAULT_AUTH_LIMITS.perDevice.capacity + 3; i++) {
      const reply = await httpFrom(hub, '127.0.0.4', '/device/v1/config', wrong);
      statuses.push(reply.status);
      if (reply.status === 429) throttled = reply.headers;
      else expect(reply.headers['www-authenticate']).toMatch(/^Basic/);
    }
    expect(statuses.slice(0, DEFAULT_AUTH_LIMITS.perDevice.capacity)).toEqual(Array<number>(DEFAULT_AUTH_LIMITS.perDevice.capacity).fill(401));
    expect(statuses.slice(-2)).toEqual([429, 429]);
    expect(Number(throttled?.['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await httpFrom(hub, REAL, '/device/v1/config', basicAuth('dev-http', secrets['dev-http'] ?? ''))).status).toBe(200);

    // dev-real's failures were used up by the MQTT flood: a new address gets one check, then is
    // refused for that id; the device's own address is unaffected.
    const late = [];
    for (let i = 0; i < 3; i++) late.push((await httpFrom(hub, '127.0.0.6', '/device/v1/config', basicAuth('dev-real', 'wrong'))).status);
    expect(late).toEqual([401, 429, 429]);
    expect((await httpFrom(hub, REAL, '/device/v1/config', basicAuth('dev-real', secrets['dev-real'] ?? ''))).status).toBe(200);
  });

  it('HTTP: a full slow queue answers 503 with Retry-After, and a real old-row device still gets through', async () => {
    await makeLegacy('legacy-http');
    const wrong = basicAuth('legacy-http', 'wrong-secret');
    let firstBusy: () => void = () => undefined;
    const busyNow = new Promise<void>((resolve) => (firstBusy = resolve));
    const replies = Promise.all(
      Array.from({ length: 200 }, () =>
        httpFrom(hub, '127.0.0.5', '/device/v1/config', wrong).then((reply) => {
          if (reply.status === 503) firstBusy();
          return reply;
        }),
      ),
    );
    // The real device asks once the queue is full (or, failing that, once the flood is over).
    await Promise.race([busyNow, replies]);
    const real = await httpFrom(hub, REAL, '/device/v1/config', basicAuth('legacy-http', secrets['legacy-http'] ?? ''));
    expect(real.status).toBe(200);
    expect(real.ms).toBeLessThan(LEGACY_BOUND_MS);
    expect(await storedHash('legacy-http')).toMatch(/^hmac-sha256\$/);

    const flooded = await replies;
    const busy = flooded.filter((reply) => reply.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const reply of busy) expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(flooded.every((reply) => [401, 429, 503].includes(reply.status))).toBe(true);
  });
});
