/**
 * The embedded MQTT broker: aedes on TCP and on WebSocket (`/mqtt` on the HTTP server), hardened
 * as THREATS "Broker (aedes) hardening" asks: per-device keyed-hash credentials behind fair
 * failure limits, the ACL of core/access-policy (a refused publish disconnects), wills checked,
 * a maximum packet size enforced from the fixed header, a connect timeout, a connection cap, a
 * drain timeout, and retained docs looked up by topic (retained-store.ts).
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer, type Server as NetServer } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import memoryPersistence from 'aedes-persistence';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { isValidDeviceId } from '@edgefleet/protocol';
import { topicMatches } from '../../core/topic-filter';
import { devicePublishDecision, deviceSubscribeDecision, deviceWillDecision, type AccessDecision } from '../../core/access-policy';
import type { AuthOutcome } from '../../core/auth-admission';
import type { Logger } from '../logger';
import { KeyedLogLimiter } from '../../core/log-limiter';
import { handshakePeers } from '../tls';
import { connectRefusalOf, type BrokerAdapter, type BrokerMessage, type EmbeddedBrokerCounters } from './broker';
import { withPacketSizeLimit } from './packet-size-guard';
import { RetainedStore, useRetainedStore } from './retained-store';

export interface BrokerOptions {
  /** `source`: the client's remote address, what failed attempts are counted against (core/auth-admission) */
  verifyCredentials(deviceId: string, secret: string, source: string): Promise<AuthOutcome>;
  logger: Logger;
  /** default 256 KiB */
  maxPacketBytes?: number;
  /**
   * TCP and WebSocket together; default 15,000: a 10,000-device fleet plus the connections a
   * reconnect storm opens before the old ones have closed, below a 20,000 open-file limit with room
   * for HTTP downloads (a cap of exactly 10,000 refused the 10,001st connection of a full fleet).
   */
  maxConnections?: number;
  /** default 10 s */
  connectTimeoutMs?: number;
  /** a subscriber that does not drain its socket within this is dropped; default 30 s */
  drainTimeoutMs?: number;
  /**
   * A CONNECT refused for its credentials (not for throttling), for the hub's rate-limited log
   * (services/auth-failures.ts); `malformed`: the username, client id or password was unusable.
   */
  onAuthFailure?(failure: { deviceId: string; source: string; malformed: boolean }): void;
  onDeviceConnected?(deviceId: string): void;
  onDeviceDisconnected?(deviceId: string): void;
  /** admission control for publishes the ACL allowed (rate limits); a refusal disconnects like the ACL's */
  admitPublish?(deviceId: string, topic: string): AccessDecision;
  /** MQTT over TLS instead of plain TCP (certificate, key, minimum version: adapters/tls.ts) */
  tls?: SecureContextOptions;
}

export interface EmbeddedBroker extends BrokerAdapter {
  /** `backlog`: the kernel's accept queue (capped by net.core.somaxconn); default 8192 */
  listen(port: number, host: string, backlog?: number): Promise<number>;
  /** wss:// when `server` is the HTTPS server */
  attachWebSocket(server: HttpServer | HttpsServer, path: string): void;
  /** The TCP listener's TLS server, for certificate reloads (setSecureContext); null without TLS. */
  tlsServer(): TlsServer | null;
  /**
   * Ends every MQTT-over-WebSocket session now. Upgraded sockets are no longer the HTTP server's
   * connections: its close() would wait for them (a browser device keeps one open) until they end.
   */
  terminateWebSockets(): void;
  counters(): EmbeddedBrokerCounters;
}

type MessageHandler = (message: BrokerMessage) => void | Promise<void>;

const badCredentials = (): AuthenticateError => Object.assign(new Error('bad username or password'), { returnCode: 4 as const });

export async function createEmbeddedBroker(options: BrokerOptions): Promise<EmbeddedBroker> {
  const { logger } = options;
  const maxPacketBytes = options.maxPacketBytes ?? 256 * 1024;
  const maxConnections = options.maxConnections ?? 15_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const counters: Omit<EmbeddedBrokerCounters, 'kind' | 'connections'> = {
    connectionsRefused: 0,
    authFailures: 0,
    publishDenied: 0,
    subscribeDenied: 0,
    willDenied: 0,
    oversizedPackets: 0,
    publishRateLimited: 0,
    authThrottled: 0,
    authBusy: 0,
    connectsRefused: { unsupportedProtocolVersion: 0, identifierRejected: 0, serverUnavailable: 0, badCredentials: 0, notAuthorized: 0, other: 0 },
  };
  // A client retrying an unsupported protocol every second is said once a minute per address.
  const protocolLog = new KeyedLogLimiter();
  const live = new Set<Duplex>();

  /**
   * The hub's subscriptions. aedes writes a QoS 1 PUBACK before it hands a publish to any
   * subscriber (lib/handlers/publish.js), so a message acknowledged to the device could still be
   * lost in a batch that never committed (a hub restart lost 1-7% of a fleet's statistics
   * windows that way). A device's publish is therefore handed to the hub from authorizePublish,
   * which aedes waits on before it acknowledges: the PUBACK goes out once the handlers' promises
   * are fulfilled (the batch committed). A refused promise (not stored) ends the connection
   * without a PUBACK, so the device sends the message again after reconnecting; a promise that
   * never settles (the hub closing) is never acknowledged. aedes reads no more of that
   * connection meanwhile, which paces a device to the hub's commits.
   */
  const routes: Array<{ filter: string; handler: MessageHandler }> = [];
  /** payloads already handed to the hub from authorizePublish; aedes' own delivery of them is skipped */
  const handedOver = new WeakSet<Buffer>();
  const runHandlers = (handlers: readonly MessageHandler[], message: BrokerMessage): true | Promise<boolean> => {
    const failed = (error: unknown): false => {
      logger.error('mqtt message handler failed', { topic: message.topic, error: String(error) });
      return false;
    };
    const holding: Promise<boolean>[] = [];
    for (const handler of handlers) {
      try {
        const handled = handler(message);
        if (handled) holding.push(handled.then(() => true, failed));
      } catch (error) {
        // A handler that throws has seen the message and cannot take it: acknowledged, as it always was.
        failed(error);
      }
    }
    return holding.length === 0 ? true : Promise.all(holding).then((stored) => stored.every(Boolean));
  };
  /** the handlers of each topic seen, so a filter is matched once per device and kind, not per message */
  const handlersByTopic = new Map<string, MessageHandler[]>();
  const handlersOf = (topic: string): MessageHandler[] => {
    let handlers = handlersByTopic.get(topic);
    if (!handlers) {
      handlers = routes.filter((route) => topicMatches(route.filter, topic)).map((route) => route.handler);
      // Bounded: a fleet has four publishing topics per device.
      if (handlersByTopic.size >= 100_000) handlersByTopic.clear();
      handlersByTopic.set(topic, handlers);
    }
    return handlers;
  };
  const handOver = (clientId: string, packet: PublishPacket, callback: (error: Error | null) => void): void => {
    const handlers = handlersOf(packet.topic);
    if (handlers.length === 0) return callback(null);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    // aedes passes this very buffer on to the subscribers it delivers to (aedes-packet).
    packet.payload = payload;
    handedOver.add(payload);
    const handled = runHandlers(handlers, { topic: packet.topic, payload, clientId });
    if (handled === true) return callback(null);
    void handled.then((stored) => callback(stored ? null : new Error('message not stored; not acknowledged')));
  };
  const pendingWills = new WeakMap<Client, { topic: string; retain: boolean }>();

  const retained = new RetainedStore();
  const persistence = memoryPersistence();
  useRetainedStore(persistence, retained);

  const aedes = await Aedes.createBroker({
    persistence,
    // No cap on messages in flight in aedes' emitter (default 100). Past the cap mqemitter queues
    // messages and starts each queued one from the previous one's completion, synchronously: in a
    // 5,000-device storm thousands of queued $SYS notices (which complete at once) ran one inside
    // the other and overflowed the stack. What is in flight stays bounded without it: aedes reads
    // no more of a connection until its last read is handled, the hub publishes docs in batches
    // of 500, and a device that does not drain its socket is dropped after drainTimeout.
    concurrency: 0,
    connectTimeout: connectTimeoutMs,
    drainTimeout: options.drainTimeoutMs ?? 30_000,
    // aedes' default of 23 is MQTT 3.1's limit; device ids may be 64 long.
    maxClientsIdLength: 64,
    maxTopicLevels: 16,
    preConnect(client, packet, callback) {
      // aedes refuses anything but 3.1 and 3.1.1 with CONNACK 1 (counted at 'connackSent'); said here, where the version is known.
      if (packet.protocolVersion !== 3 && packet.protocolVersion !== 4) {
        const source = remoteAddresses.get(client.conn) ?? 'unknown';
        const decision = protocolLog.admit(`protocol:${source}`, Date.now());
        if (decision.log) {
          logger.warn('mqtt connect refused: the embedded broker speaks MQTT 3.1.1 only (CONNACK 1, which MQTT 5 clients report as 132); connect with protocol version 4, or use an external broker for MQTT 5', {
            clientId: packet.clientId.slice(0, 64),
            source,
            protocolVersion: packet.protocolVersion,
            suppressed: decision.suppressed,
          });
        }
      }
      // Remembered for authenticate, which can then refuse with a proper CONNACK.
      if (packet.will) pendingWills.set(client, { topic: packet.will.topic, retain: packet.will.retain ?? false });
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const deviceId = client.id;
      // PROTOCOL: username = client id = device id, and the id pattern keeps `+ # /` out of topics.
      if (username !== deviceId || !isValidDeviceId(deviceId) || !password) {
        counters.authFailures++;
        options.onAuthFailure?.({ deviceId: deviceId || (username ?? ''), source: remoteAddresses.get(client.conn) ?? 'unknown', malformed: true });
        done(badCredentials(), false);
        return;
      }
      // A will is published on the device's behalf after it is gone: it must be its own online topic.
      const will = pendingWills.get(client);
      pendingWills.delete(client);
      const willDecision = will ? deviceWillDecision(deviceId, will) : null;
      if (willDecision && !willDecision.allow) {
        counters.willDenied++;
        logger.warn('mqtt connect refused: will not allowed', { clientId: deviceId, reason: willDecision.reason });
        done(Object.assign(new Error('not authorized'), { returnCode: 5 as const }), false);
        return;
      }
      options.verifyCredentials(deviceId, password.toString('utf8'), remoteAddresses.get(client.conn) ?? 'unknown').then(
        (outcome) => {
          switch (outcome.kind) {
            case 'ok':
              done(null, true);
              return;
            case 'invalid':
              counters.authFailures++;
              options.onAuthFailure?.({ deviceId, source: remoteAddresses.get(client.conn) ?? 'unknown', malformed: false });
              done(badCredentials(), false);
              return;
            // Too many recent failures from this address (or for this id from it): refused without
            // looking at the secret, an auth failure all the same.
            case 'throttled':
              counters.authFailures++;
              counters.authThrottled++;
              done(Object.assign(new Error('not authorized'), { returnCode: 5 as const }), false);
              return;
            // The slow (legacy scrypt) verification queue is full: come back later.
            case 'busy':
              counters.authBusy++;
              done(Object.assign(new Error('server unavailable'), { returnCode: 3 as const }), false);
              return;
          }
        },
        (error: unknown) => {
          logger.error('mqtt credential check failed', { clientId: deviceId, error: String(error) });
          done(Object.assign(new Error('server unavailable'), { returnCode: 3 as const }), false);
        },
      );
    },
    authorizePublish(client, packet, callback) {
      // client is null only for wills of a dead broker instance: those were checked at connect.
      if (!client) return callback(null);
      const decision = devicePublishDecision(client.id, packet.topic, packet.retain);
      if (decision.allow) {
        const admitted = options.admitPublish?.(client.id, packet.topic) ?? decision;
        if (admitted.allow) return handOver(client.id, packet, callback);
        counters.publishRateLimited++;
        // Not acknowledged, so the device keeps the message (its outbox) and sends it again after reconnecting.
        logger.info('mqtt publish over its rate limit; disconnecting', { clientId: client.id, reason: admitted.reason });
        return callback(new Error(admitted.reason));
      }
      counters.publishDenied++;
      logger.warn('mqtt publish refused; disconnecting', { clientId: client.id, reason: decision.reason });
      // An error makes aedes destroy the connection (lib/handlers/index.js -> client._onError).
      callback(new Error(decision.reason));
    },
    authorizeSubscribe(client, subscription, callback) {
      const decision = deviceSubscribeDecision(client.id, subscription.topic);
      if (decision.allow) return callback(null, subscription);
      counters.subscribeDenied++;
      logger.warn('mqtt subscribe refused', { clientId: client.id, reason: decision.reason });
      // null grants a failure return code (0x80) in SUBACK without dropping the connection.
      callback(null, null);
    },
  });

  // Who is connected under which id, for endSession (aedes keeps its own map, but untyped).
  const sessions = new Map<string, Client>();
  aedes.on('clientReady', (client: Client) => {
    sessions.set(client.id, client);
    options.onDeviceConnected?.(client.id);
  });
  aedes.on('clientDisconnect', (client: Client) => {
    // A connection that another one under the same id already replaced (a takeover, or a close
    // the broker handled late): the device is still online through the newer one.
    if (sessions.get(client.id) !== client) return;
    sessions.delete(client.id);
    options.onDeviceDisconnected?.(client.id);
  });
  aedes.on('connackSent', (packet: { returnCode?: number; reasonCode?: number }) => {
    const code = packet.returnCode ?? packet.reasonCode ?? 0;
    if (code !== 0) counters.connectsRefused[connectRefusalOf(code)]++;
  });
  aedes.on('clientError', (client: Client, error: Error) => logger.info('mqtt client dropped', { clientId: client.id, reason: error.message }));

  /** each connection's peer address, keyed by the stream aedes holds as `client.conn` */
  const remoteAddresses = new WeakMap<object, string>();
  const handleConnection = (conn: Duplex, req?: IncomingMessage): void => {
    if (live.size >= maxConnections) {
      counters.connectionsRefused++;
      conn.destroy();
      return;
    }
    const guarded = withPacketSizeLimit(conn, maxPacketBytes, (reason) => {
      counters.oversizedPackets++;
      logger.warn('mqtt packet too large; disconnecting', { reason });
    });
    // A TCP socket knows its peer; a WebSocket stream does not, its upgrade request's socket does.
    const address = req?.socket.remoteAddress ?? ('remoteAddress' in conn && typeof conn.remoteAddress === 'string' ? conn.remoteAddress : undefined);
    if (address !== undefined) remoteAddresses.set(guarded, address);
    live.add(guarded);
    guarded.once('close', () => live.delete(guarded));
    aedes.handle(guarded, req);
  };

  // With TLS a connection reaches aedes once its handshake is done ('secureConnection'), through
  // the same cap, size guard and address accounting. A peer that never finishes the handshake is
  // dropped after the connect timeout, not Node's two minutes.
  const tlsServer: TlsServer | null = options.tls ? createTlsServer({ ...options.tls, handshakeTimeout: connectTimeoutMs }, (socket) => handleConnection(socket)) : null;
  if (tlsServer) {
    // Handshakes cost CPU before a connection is counted in `live`: the cap covers them too.
    tlsServer.maxConnections = maxConnections;
    tlsServer.on('drop', () => counters.connectionsRefused++);
    // e.g. ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: a device that does not trust the hub's CA, and retries
    // for ever: a line per address a minute, with how many were held back.
    const peerOf = handshakePeers(tlsServer);
    tlsServer.on('tlsClientError', (error: Error & { code?: string }, socket) => {
      const source = peerOf(socket);
      const decision = protocolLog.admit(`tls:${source}`, Date.now());
      if (decision.log) logger.info('mqtt tls handshake failed', { source, reason: error.code ?? error.message, ...(decision.suppressed > 0 ? { suppressed: decision.suppressed } : {}) });
    });
  }
  const tcp: NetServer = tlsServer ?? createServer((socket) => handleConnection(socket));
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPacketBytes + 16 });
  let closed: Promise<void> | null = null;

  return {
    publish: (topic, payload, publishOptions) =>
      new Promise<void>((resolve, reject) => {
        aedes.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: publishOptions?.retain ?? false, dup: false },
          (error) => (error ? reject(error) : resolve()),
        );
      }),
    subscribe: (topicFilter, handler) =>
      new Promise<void>((resolve) => {
        routes.push({ filter: topicFilter, handler });
        handlersByTopic.clear();
        // What does not come through authorizePublish (the hub's own publishes, wills of a broker
        // instance that is gone) arrives here, already acknowledged: a refusal is only logged.
        // `done` is called in a later turn, as aedes' own deliveries do (lib/write.js): mqemitter
        // starts its next queued message from `done`, and a queue of thousands (a rollback's docs
        // ahead of the devices' reports) finished one inside the other overflowed the stack.
        const deliver = (packet: AedesPublishPacket, done: () => void): void => {
          const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
          if (handedOver.has(payload)) return void setImmediate(done);
          const clientId = 'clientId' in packet && typeof packet.clientId === 'string' ? packet.clientId : null;
          const handled = runHandlers([handler], { topic: packet.topic, payload, clientId });
          if (handled === true) setImmediate(done);
          else void handled.then(done);
        };
        aedes.subscribe(topicFilter, deliver, resolve);
      }),
    endSession: (clientId) =>
      new Promise<boolean>((resolve) => {
        const client = sessions.get(clientId);
        if (!client) return resolve(false);
        sessions.delete(clientId);
        client.close(() => resolve(true));
      }),
    seedRetained(entries) {
      for (const [topic, payload] of entries) retained.store(topic, Buffer.from(payload), 1);
    },
    listen: (port, host, backlog = 8192) =>
      new Promise<number>((resolve, reject) => {
        tcp.once('error', reject);
        // Node's default backlog of 511 overflowed 80,000 times in a 5,000-device reconnect storm.
        tcp.listen({ port, host, backlog }, () => {
          tcp.off('error', reject);
          const address = tcp.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    tlsServer: () => tlsServer,
    attachWebSocket(server, path) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname !== path) {
          socket.destroy();
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => handleConnection(createWebSocketStream(ws), req));
      });
    },
    terminateWebSockets() {
      for (const ws of wss.clients) ws.terminate();
    },
    counters: () => ({ kind: 'embedded', connections: live.size, ...counters, connectsRefused: { ...counters.connectsRefused } }),
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const conn of live) conn.destroy();
        for (const ws of wss.clients) ws.terminate();
        await Promise.all([new Promise<void>((resolve) => tcp.close(() => resolve())), new Promise<void>((resolve) => wss.close(() => resolve()))]);
      })();
      return closed;
    },
  };
}
