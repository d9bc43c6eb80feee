/**
 * What the devices of one process fetch from the hub once and share (PERF: thousands of devices
 * per process must not each pull the same bytes):
 * - the bootstrap config (`GET /device/v1/config`: broker URL and trust envelope), once per
 *   process; every device still verifies the trust envelope itself;
 * - release manifest envelopes (`GET /device/v1/releases/<sha256>`), once per sha256; every
 *   device checks them against its doc's reference in `verifyDeployment` (hash, size, signature);
 * - model artifacts (`GET /artifacts/<sha256>`, the manifest's URL), once per sha256 and size;
 *   every device checks size and SHA-256 of the bytes it installs.
 * All with the Basic credentials of the device that asked first. A failed fetch is forgotten,
 * so the next device (or retry) fetches again.
 *
 * Hashing: `hashOf` memoises results per buffer identity (a WeakMap), so 2,000 devices checking
 * the one shared buffer cost one SHA-256; a device with a corrupted download gets another
 * buffer, hashed on its own, which then fails the check.
 */
import { createHash } from 'node:crypto';
import type { ReleaseRef } from '@edgefleet/protocol';
import { fetchDeviceConfig, fetchReleaseManifest, type DeviceConfig } from '../../../agent/src/adapters/hub-client';
import { AgentError } from '../../../agent/src/errors';

export interface FetchCounters {
  config: number;
  releases: number;
  artifacts: number;
  hashes: number;
}

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message + (cause.cause instanceof Error ? ` (${cause.cause.message})` : '') : String(cause));

export class SharedFetches {
  readonly counters: FetchCounters = { config: 0, releases: 0, artifacts: 0, hashes: 0 };
  private configPromise: Promise<DeviceConfig> | null = null;
  private readonly releases = new Map<string, Promise<Uint8Array>>();
  private readonly artifacts = new Map<string, Promise<Uint8Array>>();
  private readonly corruptedCopies = new Map<string, Uint8Array>();
  private readonly hashes = new WeakMap<Uint8Array, string>();

  constructor(private readonly hubUrl: string) {}

  config(authorization: string): Promise<DeviceConfig> {
    this.configPromise ??= this.once(() => {
      this.counters.config++;
      return fetchDeviceConfig(this.hubUrl, authorization);
    }, () => (this.configPromise = null));
    return this.configPromise;
  }

  /** The exact bytes the hub serves for a release reference (the agent's fetch; each device checks them). */
  release(ref: ReleaseRef, authorization: string): Promise<Uint8Array> {
    let pending = this.releases.get(ref.sha256);
    if (!pending) {
      pending = this.once(() => {
        this.counters.releases++;
        return fetchReleaseManifest(this.hubUrl, authorization, ref);
      }, () => this.releases.delete(ref.sha256));
      this.releases.set(ref.sha256, pending);
    }
    return pending;
  }

  /** An artifact's bytes, at most `size` of them (THREATS 14: more is E_TOO_LARGE). */
  artifact(url: string, sha256: string, size: number, authorization: string): Promise<Uint8Array> {
    const key = `${sha256}:${size}`;
    let pending = this.artifacts.get(key);
    if (!pending) {
      pending = this.once(() => {
        this.counters.artifacts++;
        return getBytes(url, authorization, size);
      }, () => this.artifacts.delete(key));
      this.artifacts.set(key, pending);
    }
    return pending;
  }

  /** The fault "corrupted download": the artifact with one byte flipped (one copy per artifact). */
  corrupted(sha256: string, bytes: Uint8Array): Uint8Array {
    let copy = this.corruptedCopies.get(sha256);
    if (!copy) {
      copy = bytes.slice();
      if (copy.length > 0) copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0xff;
      this.corruptedCopies.set(sha256, copy);
    }
    return copy;
  }

  /** SHA-256 of `bytes`, memoised per buffer identity. */
  hashOf(bytes: Uint8Array): string {
    let hex = this.hashes.get(bytes);
    if (hex === undefined) {
      this.counters.hashes++;
      hex = createHash('sha256').update(bytes).digest('hex');
      this.hashes.set(bytes, hex);
    }
    return hex;
  }

  private once<T>(run: () => Promise<T>, forget: () => void): Promise<T> {
    const promise = run();
    promise.catch(forget);
    return promise;
  }
}

async function getBytes(url: string, authorization: string, maxBytes: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(60_000) });
  } catch (cause) {
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: ${describe(cause)}`, { transient: true, cause });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: HTTP ${response.status}`, { transient: response.status >= 500 || [408, 416, 429].includes(response.status) });
  }
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    await response.body?.cancel();
    throw new AgentError('E_TOO_LARGE', `GET ${url}: ${declared} bytes announced, at most ${maxBytes} accepted`);
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body?.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array> | undefined;
    try {
      chunk = await reader?.read();
    } catch (cause) {
      throw new AgentError('E_LENGTH_MISMATCH', `GET ${url}: connection lost after ${received} bytes: ${describe(cause)}`, { transient: true, cause });
    }
    if (!chunk || chunk.done) break;
    received += chunk.value.length;
    if (received > maxBytes) {
      await reader?.cancel().catch(() => {});
      throw new AgentError('E_TOO_LARGE', `GET ${url}: more than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
