/** A counting proxy in front of the hub's artifact route: tells whether a device downloaded anything. */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ArtifactRequest {
  sha256: string;
  /** the device named by the request's Basic credentials */
  device: string;
}

/** An HTTP proxy to the hub that notes every GET /artifacts/<sha256> and who asked. */
export interface ArtifactCounter {
  url: string;
  requests: ArtifactRequest[];
  setTarget(httpUrl: string): void;
  close(): Promise<void>;
}

export async function startArtifactCounter(): Promise<ArtifactCounter> {
  let target: URL | null = null;
  const requests: ArtifactRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const match = /^\/artifacts\/([0-9a-f]{64})/.exec(req.url ?? '');
    if (match && req.method === 'GET') {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const device = basic ? Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':')[0] ?? '' : '';
      requests.push({ sha256: match[1] as string, device });
    }
    if (!target) {
      res.writeHead(502).end();
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    // The hub restarting under a download: the agent sees a failed request and retries.
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setTarget: (httpUrl) => {
      target = new URL(httpUrl);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
