/**
 * Artifact download by content hash (THREATS 1, 13-16): streaming SHA-256, a hard cap at the
 * manifest's size, resume from a .part with Range, an overall deadline and a minimum
 * throughput. Only a file whose hash matches is renamed into the model cache.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgentError } from '../errors';
import { fsyncDir, isNotFound } from './atomic-file';
import { abortedBy, untilAborted } from './abortable';
import { plainFetch, type HubFetch } from './hub-http';

export interface DownloadRequest {
  url: string;
  sha256: string;
  /** the manifest's size: the exact number of bytes to accept */
  size: number;
  partPath: string;
  finalPath: string;
  headers: Record<string, string>;
  /** cancellation by the caller (a newer doc, shutdown) */
  signal?: AbortSignal;
  /** the whole download must finish within this many ms */
  deadlineMs: number;
  /** each window of `windowMs` must bring at least this many bytes per second */
  minBytesPerSec: number;
  windowMs: number;
  /** free disk space, checked before any byte is fetched */
  freeBytes?: () => Promise<number | undefined>;
  /** the agent's HTTP client for the hub (hub-http.ts: extra CAs); Node's fetch by default */
  fetch?: HubFetch;
}

export interface DownloadResult {
  /** bytes already on disk from an earlier attempt */
  resumedFrom: number;
  fetched: number;
}

export async function downloadArtifact(req: DownloadRequest): Promise<DownloadResult> {
  let offset = await sizeIfExists(req.partPath);
  if (offset > req.size) {
    await rm(req.partPath, { force: true });
    offset = 0;
  }
  const free = await req.freeBytes?.();
  if (free !== undefined && free < req.size - offset) {
    throw new AgentError('E_DOWNLOAD_FAILED', `not enough disk: ${req.size - offset} bytes needed, ${free} free`, { transient: true });
  }
  // A box, because a server that ignores Range makes the transfer (and the hash) start over.
  const hash = { current: createHash('sha256') };
  if (offset > 0) await hashFile(req.partPath, hash.current);

  const guard = new TransferGuard(req);
  try {
    const fetched = offset < req.size ? await fetchRest(req, offset, hash, guard) : { resumedFrom: offset, fetched: 0 };
    const digest = hash.current.digest('hex');
    if (digest !== req.sha256) {
      await rm(req.partPath, { force: true });
      // A resumed file may carry bytes from an older, different upload: retrying from zero can help.
      throw new AgentError('E_HASH_MISMATCH', `artifact sha256 is ${digest}, the manifest says ${req.sha256}; partial deleted`, {
        transient: fetched.resumedFrom > 0,
      });
    }
    await rename(req.partPath, req.finalPath);
    await fsyncDir(dirname(req.finalPath));
    return fetched;
  } finally {
    guard.stop();
  }
}

async function fetchRest(req: DownloadRequest, offset: number, hash: { current: Hash }, guard: TransferGuard): Promise<DownloadResult> {
  let response: Response;
  try {
    response = await untilAborted(
      (req.fetch ?? plainFetch)(req.url, {
        headers: { ...req.headers, ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        signal: guard.signal,
      }),
      guard.aborted,
    );
  } catch (cause) {
    throw guard.failure() ?? new AgentError('E_DOWNLOAD_FAILED', `GET ${req.url}: ${describe(cause)}`, { transient: true, cause });
  }
  let resumedFrom = offset;
  if (response.status === 200 && offset > 0) {
    // The server ignored Range: start over, the stream begins at byte 0.
    resumedFrom = 0;
    hash.current = createHash('sha256');
  } else if (response.status === 206) {
    const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
    if (Number(start) !== offset) {
      await rm(req.partPath, { force: true });
      throw new AgentError('E_DOWNLOAD_FAILED', `server resumed at ${start ?? '?'} instead of ${offset}; partial deleted`, { transient: true });
    }
  } else if (response.status !== 200) {
    await response.body?.cancel();
    if (response.status === 416) await rm(req.partPath, { force: true });
    const transient = response.status >= 500 || response.status === 408 || response.status === 429 || response.status === 416;
    // 401: the secret was replaced since the session began (rotation); said so, not "HTTP 401" alone.
    const why = response.status === 401 ? ': the hub does not accept this device id and secret' : '';
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${req.url}: HTTP ${response.status}${why}`, { transient });
  }

  const expected = req.size - resumedFrom;
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > expected) {
    await response.body?.cancel();
    await rm(req.partPath, { force: true });
    throw new AgentError('E_TOO_LARGE', `server announces ${declared} bytes, the manifest allows ${expected} more`);
  }

  const file = await open(req.partPath, resumedFrom > 0 ? 'a' : 'w', 0o600);
  let received = 0;
  try {
    const reader = response.body?.getReader();
    for (;;) {
      const chunk = reader ? await readChunk(reader, guard, req, resumedFrom + received) : null;
      if (chunk === null) break;
      if (received + chunk.length > expected) {
        // THREATS 14: stop at the first byte past the declared size; never store it.
        await reader?.cancel().catch(() => {});
        await file.close();
        await rm(req.partPath, { force: true });
        throw new AgentError('E_TOO_LARGE', `server sent more than the manifest's ${req.size} bytes; partial deleted`);
      }
      received += chunk.length;
      guard.count(chunk.length);
      hash.current.update(chunk);
      await writeAll(file, chunk);
    }
    await file.sync();
  } finally {
    await file.close().catch(() => {});
  }
  if (received < expected) {
    // THREATS 15: keep the partial; the next attempt resumes it with Range.
    throw new AgentError('E_LENGTH_MISMATCH', `got ${resumedFrom + received} of ${req.size} bytes`, { transient: true });
  }
  return { resumedFrom, fetched: received };
}

async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  guard: TransferGuard,
  req: DownloadRequest,
  have: number,
): Promise<Uint8Array | null> {
  try {
    const { done, value } = await untilAborted(reader.read(), guard.aborted);
    return done ? null : value;
  } catch (cause) {
    // The read itself may stay pending after an abort (abortable.ts): let go of the stream.
    if (guard.failure()) reader.cancel().catch(() => {});
    throw guard.failure() ?? new AgentError('E_LENGTH_MISMATCH', `connection lost after ${have} of ${req.size} bytes: ${describe(cause)}`, { transient: true, cause });
  }
}

/** The deadline, the throughput floor and the caller's cancellation, as one AbortSignal. */
class TransferGuard {
  private readonly controller = new AbortController();
  /** rejected with the reason once the transfer is aborted: what every network await races */
  readonly aborted = abortedBy(this.controller.signal);
  private readonly timers: NodeJS.Timeout[] = [];
  private reason: Error | null = null;
  private windowBytes = 0;
  private readonly onAbort = () => this.fail(new AgentError('E_DOWNLOAD_FAILED', 'download cancelled', { transient: true }));

  constructor(private readonly req: DownloadRequest) {
    this.timers.push(setTimeout(() => this.fail(slow(`not finished within the ${req.deadlineMs} ms deadline`)), req.deadlineMs));
    const floor = (req.minBytesPerSec * req.windowMs) / 1000;
    this.timers.push(
      setInterval(() => {
        if (this.windowBytes < floor) this.fail(slow(`${this.windowBytes} bytes in ${req.windowMs} ms, below ${req.minBytesPerSec} B/s`));
        this.windowBytes = 0;
      }, req.windowMs),
    );
    if (req.signal?.aborted) this.onAbort();
    else req.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  count(bytes: number): void {
    this.windowBytes += bytes;
  }

  failure(): Error | null {
    return this.reason;
  }

  private fail(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller.abort(reason);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.req.signal?.removeEventListener('abort', this.onAbort);
  }
}

const slow = (message: string) => new AgentError('E_SLOW_RETRIEVAL', message, { transient: true });

async function sizeIfExists(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let written = 0;
  while (written < chunk.length) written += (await file.write(chunk, written, chunk.length - written)).bytesWritten;
}

const describe = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return (error instanceof Error ? error.message : String(error)) + cause;
};
