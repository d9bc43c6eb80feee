import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadArtifact, type DownloadRequest } from '../../src/adapters/download';
import { AgentError } from '../../src/errors';

const body = randomBytes(64 * 1024);
const sha256 = createHash('sha256').update(body).digest('hex');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('downloadArtifact against a real HTTP server', () => {
  let server: Server;
  let base: string;
  let handler: Handler;
  const seen: Array<{ range: string | undefined; auth: string | undefined }> = [];
  let dir: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ range: req.headers.range, auth: req.headers.authorization });
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-dl-'));
    seen.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const request = (over: Partial<DownloadRequest> = {}): DownloadRequest => ({
    url: `${base}/artifacts/${sha256}`,
    sha256,
    size: body.length,
    partPath: join(dir, `${sha256}.part`),
    finalPath: join(dir, `${sha256}.onnx`),
    headers: { authorization: 'Basic abc' },
    deadlineMs: 10_000,
    minBytesPerSec: 1,
    windowMs: 5_000,
    ...over,
  });
  const failure = async (req: DownloadRequest): Promise<AgentError> => {
    const error = await downloadArtifact(req).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    return error as AgentError;
  };
  const exists = (path: string) => stat(path).then(() => true, () => false);

  /** Serves `bytes`, honouring Range the way the hub's artifact server does. */
  const serve = (bytes: Buffer): Handler => (req, res) => {
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const slice = bytes.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      'content-length': slice.length,
      ...(start > 0 ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    res.end(slice);
  };

  it('downloads, checks the hash and moves the file into place with the credentials sent', async () => {
    handler = serve(body);
    expect(await downloadArtifact(request())).toEqual({ resumedFrom: 0, fetched: body.length });
    expect(Buffer.compare(await readFile(join(dir, `${sha256}.onnx`)), body)).toBe(0);
    expect(await exists(join(dir, `${sha256}.part`))).toBe(false);
    expect(seen[0]?.auth).toBe('Basic abc');
  });

  it('a flipped byte is E_HASH_MISMATCH, the partial is deleted and nothing is cached', async () => {
    const tampered = Buffer.from(body);
    tampered[100] = (tampered[100] ?? 0) ^ 0xff;
    handler = serve(tampered);
    const error = await failure(request());
    expect(error.code).toBe('E_HASH_MISMATCH');
    expect(error.transient).toBe(false);
    expect(await exists(join(dir, `${sha256}.part`))).toBe(false);
    expect(await exists(join(dir, `${sha256}.onnx`))).toBe(false);
  });

  it('more bytes than the manifest says is E_TOO_LARGE (declared length)', async () => {
    handler = serve(Buffer.concat([body, Buffer.from('x')]));
    expect((await failure(request())).code).toBe('E_TOO_LARGE');
    expect(await exists(join(dir, `${sha256}.part`))).toBe(false);
  });

  it('an endless chunked stream is cut at size + 1 byte: E_TOO_LARGE', async () => {
    let sent = 0;
    handler = (_req, res) => {
      res.writeHead(200); // no content-length: only the byte count can catch it
      const timer = setInterval(() => {
        if (res.destroyed || sent > body.length * 4) {
          clearInterval(timer);
          res.end();
          return;
        }
        sent += 16 * 1024;
        res.write(randomBytes(16 * 1024));
      }, 1);
    };
    expect((await failure(request())).code).toBe('E_TOO_LARGE');
    expect(sent).toBeLessThan(body.length * 4);
    expect(await exists(join(dir, `${sha256}.part`))).toBe(false);
  });

  it('a response that ends at 50% is E_LENGTH_MISMATCH, then the next attempt resumes with Range', async () => {
    const half = body.length / 2;
    handler = (_req, res) => {
      res.writeHead(200); // chunked: the stream ends cleanly, just short
      res.end(body.subarray(0, half));
    };
    const error = await failure(request());
    expect(error.code).toBe('E_LENGTH_MISMATCH');
    expect(error.transient).toBe(true);
    expect((await stat(join(dir, `${sha256}.part`))).size).toBe(half);

    handler = serve(body);
    expect(await downloadArtifact(request())).toEqual({ resumedFrom: half, fetched: body.length - half });
    expect(seen.at(-1)?.range).toBe(`bytes=${half}-`);
    expect(Buffer.compare(await readFile(join(dir, `${sha256}.onnx`)), body)).toBe(0);
  });

  it('a connection reset mid-body is E_LENGTH_MISMATCH and whatever arrived is resumable', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, body.length / 2), () => res.destroy());
    };
    const error = await failure(request());
    expect(error).toMatchObject({ code: 'E_LENGTH_MISMATCH', transient: true });
    // Chunks still queued when the stream errors are dropped by fetch, so the partial may be shorter.
    expect((await stat(join(dir, `${sha256}.part`))).size).toBeLessThanOrEqual(body.length / 2);
    handler = serve(body);
    await downloadArtifact(request());
    expect(Buffer.compare(await readFile(join(dir, `${sha256}.onnx`)), body)).toBe(0);
  });

  it('a server that ignores Range makes the download start over cleanly', async () => {
    await writeFile(join(dir, `${sha256}.part`), body.subarray(0, 1000));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    };
    expect(await downloadArtifact(request())).toEqual({ resumedFrom: 0, fetched: body.length });
    expect(Buffer.compare(await readFile(join(dir, `${sha256}.onnx`)), body)).toBe(0);
  });

  it('a slow drip is cut by the throughput floor: E_SLOW_RETRIEVAL, partial kept for resume', async () => {
    handler = dripHandler();
    const error = await failure(request({ minBytesPerSec: 10_000, windowMs: 150 }));
    expect(error.code).toBe('E_SLOW_RETRIEVAL');
    expect(error.transient).toBe(true);
    expect(await exists(join(dir, `${sha256}.part`))).toBe(true);
    expect(await exists(join(dir, `${sha256}.onnx`))).toBe(false);
  });

  it('a slow drip is cut by the overall deadline: E_SLOW_RETRIEVAL', async () => {
    handler = dripHandler();
    const started = Date.now();
    expect((await failure(request({ deadlineMs: 300, minBytesPerSec: 1, windowMs: 10_000 }))).code).toBe('E_SLOW_RETRIEVAL');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('HTTP 404 is a permanent E_DOWNLOAD_FAILED, 503 a transient one', async () => {
    handler = (_req, res) => res.writeHead(404).end();
    expect(await failure(request())).toMatchObject({ code: 'E_DOWNLOAD_FAILED', transient: false });
    handler = (_req, res) => res.writeHead(503).end();
    expect(await failure(request())).toMatchObject({ code: 'E_DOWNLOAD_FAILED', transient: true });
  });

  it('refuses before fetching when the disk is too small', async () => {
    handler = serve(body);
    expect(await failure(request({ freeBytes: async () => 10 }))).toMatchObject({ code: 'E_DOWNLOAD_FAILED' });
    expect(seen).toHaveLength(0);
  });

  it('stops when the caller aborts', async () => {
    handler = dripHandler();
    const controller = new AbortController();
    const pending = downloadArtifact(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow(/cancelled/);
  });

  /** One byte every 20 ms, until the client goes away. */
  function dripHandler(): Handler {
    return (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || i >= body.length) return clearInterval(timer);
        res.write(body.subarray(i, i + 1));
        i++;
      }, 20);
      res.on('close', () => clearInterval(timer));
    };
  }
});
