import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/adapters/webhook';

describe('postWebhook', () => {
  let server: Server;
  let url = '';
  const received: string[] = [];

  beforeAll(async () => {
    // A receiver that answers 200 at once, then trickles a body it never finishes.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200, { 'content-length': '1000000' });
        res.write('accepted');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("is done with the receiver's status without waiting for a body it does not use", async () => {
    const started = Date.now();
    const result = await postWebhook({ url, timeoutMs: 5000 }, 'delivery-1', 'alert.opened', '{"alert":1}');
    expect(result).toEqual({ ok: true, status: 200 });
    expect(received).toEqual(['{"alert":1}']);
    // Well before the 5 s timeout: the unfinished body held the delivery until then before.
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
