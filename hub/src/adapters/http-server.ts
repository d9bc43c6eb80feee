/** The hub's HTTP listener: plain HTTP, or HTTPS with the hub's certificate (then /mqtt is wss:// on it). */
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { createAdaptorServer } from '@hono/node-server';
import { serverTlsOptions, type CheckedTls, type SecureContextTarget } from './tls';

export type ApiServer = HttpServer | HttpsServer;

export function createHttpServer(fetch: (request: Request) => Response | Promise<Response>, host: string, tls: CheckedTls | null): ApiServer {
  if (!tls) return createAdaptorServer({ fetch, hostname: host }) as HttpServer;
  // A client that never finishes its handshake is dropped after 10 s, not Node's two minutes.
  return createAdaptorServer({ fetch, hostname: host, createServer: createHttpsServer, serverOptions: { ...serverTlsOptions(tls.material), handshakeTimeout: 10_000 } }) as HttpsServer;
}

/** The servers a certificate reload goes to: the HTTPS server and the MQTT TLS listener, when there. */
export function tlsTargets(server: ApiServer, mqtt: TlsServer | null): SecureContextTarget[] {
  const targets: SecureContextTarget[] = [];
  if ('setSecureContext' in server) targets.push(server);
  if (mqtt) targets.push(mqtt);
  return targets;
}

export function listen(server: ApiServer, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

export function closeHttp(server: ApiServer): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    // Keep-alive and in-flight downloads would otherwise hold close() open.
    server.closeAllConnections();
  });
}
