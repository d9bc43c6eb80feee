/**
 * A stand-in for an operator's broker (Mosquitto, EMQX...): a separate, plain aedes on a TCP
 * port, with its own user list and the ACL the README asks operators to configure. The hub is
 * only ever a client of it. It can be restarted on the same port (losing retained messages and
 * sessions, like a broker without persistence).
 */
import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { devicePublishDecision, deviceSubscribeDecision } from '../src/core/access-policy';

export const HUB_USER = { username: 'hub', password: 'hub-p@ss:word' };

export interface ThirdPartyBroker {
  port: number;
  /** the URL the hub is given, with its credentials (percent-encoded) */
  hubUrl: string;
  /** the broker's user list: a device id and its secret */
  addDevice(id: string, secret: string): void;
  /** drops a retained message, as if the broker had never had it */
  forgetRetained(topic: string): Promise<void>;
  /** stops and starts again on the same port, empty (no retained messages, no sessions) */
  restart(): Promise<void>;
  /** an outage: stops listening until `start` */
  stop(): Promise<void>;
  /** back after `stop`, on the same port, empty */
  start(): Promise<void>;
  close(): Promise<void>;
}

const refused = (): AuthenticateError => Object.assign(new Error('bad username or password'), { returnCode: 4 as const });

export async function startThirdPartyBroker(): Promise<ThirdPartyBroker> {
  const devices = new Map<string, string>();
  const isHub = (username: string | undefined): boolean => username === HUB_USER.username;
  const hubClients = new WeakSet<Client>();

  const start = async (port: number): Promise<{ aedes: Aedes; server: Server; port: number }> => {
    const aedes = await Aedes.createBroker({
      authenticate(client, username, password, done) {
        const secret = password?.toString('utf8');
        if (isHub(username) ? secret === HUB_USER.password : username === client.id && username !== undefined && devices.get(username) === secret) {
          if (isHub(username)) hubClients.add(client);
          done(null, true);
        } else {
          done(refused(), false);
        }
      },
      // The ACL of PROTOCOL.md: the hub user may do anything, a device only its own topics.
      authorizePublish(client, packet, callback) {
        if (!client || hubClients.has(client)) return callback(null);
        const decision = devicePublishDecision(client.id, packet.topic, packet.retain);
        callback(decision.allow ? null : new Error(decision.reason));
      },
      authorizeSubscribe(client, subscription, callback) {
        if (hubClients.has(client)) return callback(null, subscription);
        callback(null, deviceSubscribeDecision(client.id, subscription.topic).allow ? subscription : null);
      },
    });
    const server = createServer((socket) => aedes.handle(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    return { aedes, server, port: typeof address === 'object' && address ? address.port : port };
  };
  const stop = async (running: { aedes: Aedes; server: Server }): Promise<void> => {
    await new Promise<void>((resolve) => running.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => running.server.close(() => resolve()));
  };

  let running = await start(0);
  const port = running.port;
  return {
    port,
    hubUrl: `mqtt://${HUB_USER.username}:${encodeURIComponent(HUB_USER.password)}@127.0.0.1:${port}`,
    addDevice: (id, secret) => void devices.set(id, secret),
    forgetRetained: (topic) =>
      new Promise<void>((resolve, reject) =>
        running.aedes.publish({ cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 0, retain: true, dup: false }, (error) => (error ? reject(error) : resolve())),
      ),
    async restart() {
      await stop(running);
      running = await start(port);
    },
    stop: () => stop(running),
    async start() {
      running = await start(port);
    },
    close: () => stop(running),
  };
}
