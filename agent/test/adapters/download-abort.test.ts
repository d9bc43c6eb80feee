/**
 * A download aborted mid-body (a newer doc, shutdown) always ends. Node 20's fetch can leave a
 * body read pending for ever when the abort lands between two reads, while the chunk before is
 * being written (nodejs/node#56917): about 1 in 40 such aborts hung the agent's install step, and
 * with it every later doc (seen in CI as canary agents stuck in `downloading`). Hundreds of
 * aborts at spread-out moments against a real server: each must settle within seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadArtifact } from '../../src/adapters/download';
import { AgentError } from '../../src/errors';

const body = randomBytes(1_200_000);
const sha256 = createHash('sha256').update(body).digest('hex');
const ABORTS = 300;
const SETTLE_MS = 3000;

describe('downloadArtifact aborted mid-body', () => {
  let server: Server;
  let base = '';
  let dir = '';

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'agent-dl-abort-'));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it(`settles every one of ${ABORTS} downloads, finished or cancelled, never pending`, { timeout: 120_000 }, async () => {
    const outcomes = { finished: 0, cancelled: 0, pending: 0 };
    for (let i = 0; i < ABORTS; i++) {
      const controller = new AbortController();
      const part = join(dir, `${i}.part`);
      const download = downloadArtifact({
        url: `${base}/artifacts/${sha256}`,
        sha256,
        size: body.length,
        partPath: part,
        finalPath: join(dir, `${i}.onnx`),
        headers: {},
        signal: controller.signal,
        deadlineMs: 60_000,
        minBytesPerSec: 1,
        windowMs: 60_000,
      }).then(
        () => 'finished' as const,
        (error: unknown) => {
          expect(error).toBeInstanceOf(AgentError);
          expect((error as AgentError).code).toBe('E_DOWNLOAD_FAILED');
          return 'cancelled' as const;
        },
      );
      // Spread over the transfer: before the reply, between reads, near the end.
      setTimeout(() => controller.abort(), i % 11);
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([download, new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), SETTLE_MS)))]);
      clearTimeout(timer);
      outcomes[outcome]++;
    }
    expect(outcomes.pending).toBe(0);
    // Both ends were reached: some aborts came too late to stop the transfer, most did not.
    expect(outcomes.cancelled).toBeGreaterThan(0);
    expect(outcomes.finished + outcomes.cancelled).toBe(ABORTS);
  });
});
