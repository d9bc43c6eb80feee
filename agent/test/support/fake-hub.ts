/**
 * A small stand-in for the hub, built to the interface the agent talks to: GET /device/v1/config,
 * /device/v1/releases/<sha256>, /device/v1/trust/<version> and /artifacts/<sha256> (Basic auth,
 * Range) over node:http, and a real aedes broker on port 0
 * that authenticates the device and refuses publishes outside its own topics.
 */
import { Aedes, type Client } from 'aedes';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { DEVICE_PUBLISH_KINDS, desiredTopic, parseDeviceTopic, type Envelope } from '@edgefleet/protocol';

export interface FakeHub {
  httpUrl: string;
  mqttUrl: string;
  artifacts: Map<string, Uint8Array>;
  /** GET /artifacts/<sha> count per hash */
  downloads: Map<string, number>;
  /** release manifest envelope bytes by the hash deployment docs name them with */
  releases: Map<string, Uint8Array>;
  /** GET /device/v1/releases/<sha> count per hash */
  releaseFetches: Map<string, number>;
  configFetches: number;
  /** what devices published, by topic */
  published: Array<{ topic: string; payload: unknown; retain: boolean }>;
  refusedPublishes: string[];
  /** hashes answered with 503, as a hub under maintenance would */
  unavailable: Set<string>;
  /**
   * hashes whose GET /artifacts/<sha> a test answers itself (after the credential check, counted
   * in `downloads`): a hostile or broken server that drips, streams on, or cuts the connection
   */
  artifactHandlers: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** the hub's chain of trust documents by version (GET /device/v1/trust/<version>; 404 for the others) */
  trustVersions: Map<number, Uint8Array>;
  publish(topic: string, payload: string | Uint8Array, retain?: boolean): Promise<void>;
  publishDesired(deviceId: string, envelope: Envelope): Promise<void>;
  /** resolves with the first publish (already received or future) on `topic` matching `predicate` */
  nextPublish(topic: string, predicate: (payload: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  /**
   * resolves when `clientId` next subscribes (after this call), once the broker has its
   * subscriptions in place: aedes handles the packets of one read at once, so a publish the
   * client sent after its SUBSCRIBE may be seen before the subscription exists
   */
  nextSubscribe(clientId: string, timeoutMs?: number): Promise<void>;
  /** closes the MQTT listener and drops every client connection (the broker is "down") */
  stopMqtt(): Promise<void>;
  /** listens again on the same port */
  startMqtt(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeHub(opts: { deviceId: string; secret: string; trust: Envelope }): Promise<FakeHub> {
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      done(null, client.id === opts.deviceId && username === opts.deviceId && password?.toString() === opts.secret);
    },
    authorizePublish: (client: Client | null, packet, done) => {
      const parsed = parseDeviceTopic(packet.topic);
      const allowed = !client || (parsed !== null && parsed.deviceId === client.id && DEVICE_PUBLISH_KINDS.includes(parsed.kind) && !packet.retain);
      if (!allowed) hub.refusedPublishes.push(packet.topic);
      done(allowed ? null : new Error('not allowed'));
    },
  });
  const sockets = new Set<Socket>();
  const mqttServer: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve) => mqttServer.listen(0, '127.0.0.1', resolve));
  const mqttPort = (mqttServer.address() as AddressInfo).port;
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const publishWaiters = new Set<(message: { topic: string; payload: unknown }) => void>();
  const subscribeWaiters = new Set<(clientId: string) => void>();
  broker.on('subscribe', (_subscriptions, client) => {
    for (const waiter of [...subscribeWaiters]) waiter(client.id);
  });

  const expectedAuth = `Basic ${Buffer.from(`${opts.deviceId}:${opts.secret}`).toString('base64')}`;
  const http: HttpServer = createHttpServer((req, res) => {
    if (req.headers.authorization !== expectedAuth) return void res.writeHead(401).end();
    if (req.url === '/device/v1/config') {
      hub.configFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ mqttUrl, wsUrl: 'ws://unused', trust: opts.trust }));
    }
    const trustVersion = /^\/device\/v1\/trust\/(\d{1,15})$/.exec(req.url ?? '')?.[1];
    if (trustVersion) {
      const doc = hub.trustVersions.get(Number(trustVersion));
      if (!doc) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': doc.length });
      return void res.end(doc);
    }
    const release = /^\/device\/v1\/releases\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
    if (release) {
      hub.releaseFetches.set(release, (hub.releaseFetches.get(release) ?? 0) + 1);
      const manifest = hub.releases.get(release);
      if (hub.unavailable.has(release)) return void res.writeHead(503).end();
      if (!manifest) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': manifest.length });
      return void res.end(manifest);
    }
    const sha = /^\/artifacts\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
    const bytes = sha ? hub.artifacts.get(sha) : undefined;
    if (sha && hub.unavailable.has(sha)) return void res.writeHead(503).end();
    const handler = sha ? hub.artifactHandlers.get(sha) : undefined;
    if (sha && handler) {
      hub.downloads.set(sha, (hub.downloads.get(sha) ?? 0) + 1);
      return void handler(req, res);
    }
    if (!sha || !bytes) return void res.writeHead(404).end();
    hub.downloads.set(sha, (hub.downloads.get(sha) ?? 0) + 1);
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    res.writeHead(start > 0 ? 206 : 200, {
      'content-length': bytes.length - start,
      ...(start > 0 ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    res.end(bytes.subarray(start));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

  broker.on('publish', (packet, client) => {
    if (!client) return;
    let payload: unknown;
    try {
      payload = JSON.parse(packet.payload.toString());
    } catch {
      payload = packet.payload.toString();
    }
    hub.published.push({ topic: packet.topic, payload, retain: packet.retain });
    for (const waiter of [...publishWaiters]) waiter({ topic: packet.topic, payload });
  });

  const hub: FakeHub = {
    httpUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    mqttUrl,
    artifacts: new Map(),
    downloads: new Map(),
    releases: new Map(),
    releaseFetches: new Map(),
    configFetches: 0,
    published: [],
    refusedPublishes: [],
    unavailable: new Set(),
    artifactHandlers: new Map(),
    trustVersions: new Map(),
    publish: (topic, payload, retain = true) =>
      new Promise<void>((resolve, reject) =>
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (error) => (error ? reject(error) : resolve())),
      ),
    publishDesired: (deviceId, envelope) => hub.publish(desiredTopic(deviceId), JSON.stringify(envelope)),
    nextPublish: (topic, predicate, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const seen = hub.published.find((m) => m.topic === topic && predicate(m.payload));
        if (seen) return resolve(seen.payload);
        const timer = setTimeout(() => {
          publishWaiters.delete(waiter);
          reject(new Error(`timed out waiting for a publish on ${topic}`));
        }, timeoutMs);
        const waiter = (message: { topic: string; payload: unknown }) => {
          if (message.topic !== topic || !predicate(message.payload)) return;
          clearTimeout(timer);
          publishWaiters.delete(waiter);
          resolve(message.payload);
        };
        publishWaiters.add(waiter);
      }),
    nextSubscribe: (clientId, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          subscribeWaiters.delete(waiter);
          reject(new Error(`timed out waiting for ${clientId} to subscribe`));
        }, timeoutMs);
        const waiter = (id: string) => {
          if (id !== clientId) return;
          clearTimeout(timer);
          subscribeWaiters.delete(waiter);
          resolve();
        };
        subscribeWaiters.add(waiter);
      }),
    stopMqtt: async () => {
      const closed = new Promise<void>((resolve) => mqttServer.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    startMqtt: () => new Promise<void>((resolve) => mqttServer.listen(mqttPort, '127.0.0.1', resolve)),
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      mqttServer.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return hub;
}
