/**
 * The page's HTTP calls to the hub, with the device's credentials as HTTP Basic: enrolment (the
 * one anonymous call), the bootstrap config, trust versions, release manifests by hash, and model
 * files and probe blobs by hash. Every body is read up to the size the caller expects and not a byte more, while
 * it streams (THREATS 14); bytes that are then handed on were checked against their signed
 * SHA-256 and size first (THREATS 1). Network and server failures are transient, a refusal is not.
 */
import { checkModelBytes } from '@edgefleet/device-core';
import { describeIssues, deviceConfigSchema, enrolResponseSchema, MAX_TRUST_DOC_BYTES, type DeviceConfig, type EnrolResponse, type ReleaseRef } from '@edgefleet/protocol';
import type { z } from 'zod';
import { WebRuntimeError } from '../errors';

/** JSON answers (enrolment, config) are small; anything larger is not the hub talking. */
const MAX_JSON_BYTES = 256 * 1024;

const utf8Base64 = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
export const basicAuth = (deviceId: string, secret: string): string => `Basic ${utf8Base64(`${deviceId}:${secret}`)}`;

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, cache: 'no-store', credentials: 'omit' });
  } catch (cause) {
    throw new WebRuntimeError('E_DOWNLOAD_FAILED', `${init.method ?? 'GET'} ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { transient: true, cause });
  }
}

/** Reads at most `limit` bytes (exactly `exact` when given), failing as soon as the body says more. */
async function readBounded(url: string, response: Response, limit: number, exact: boolean, onProgress?: (received: number) => void): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new WebRuntimeError('E_TOO_LARGE', `GET ${url}: ${declared} bytes, at most ${limit} expected`);
  }
  const out = new Uint8Array(limit);
  let length = 0;
  const reader = response.body?.getReader();
  if (!reader) throw new WebRuntimeError('E_DOWNLOAD_FAILED', `GET ${url}: no body`, { transient: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > limit) {
        await reader.cancel();
        throw new WebRuntimeError('E_TOO_LARGE', `GET ${url}: more than the ${limit} bytes expected`);
      }
      out.set(value, length);
      length += value.length;
      onProgress?.(length);
    }
  } catch (cause) {
    if (cause instanceof WebRuntimeError) throw cause;
    throw new WebRuntimeError('E_DOWNLOAD_FAILED', `GET ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { transient: true, cause });
  }
  if (exact && length !== limit) throw new WebRuntimeError('E_LENGTH_MISMATCH', `GET ${url}: ${length} bytes, ${limit} expected`, { transient: true });
  return exact ? out : out.slice(0, length);
}

function failure(url: string, response: Response): WebRuntimeError {
  void response.body?.cancel();
  const transient = response.status >= 500 || response.status === 408 || response.status === 429;
  return new WebRuntimeError('E_DOWNLOAD_FAILED', `GET ${url}: HTTP ${response.status}`, { transient });
}

async function readJson<T>(url: string, response: Response, schema: z.ZodType<T>): Promise<T> {
  const bytes = await readBounded(url, response, MAX_JSON_BYTES, false);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new WebRuntimeError('E_BAD_JSON', `${url}: the answer is not JSON`, { transient: true, cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new WebRuntimeError('E_SCHEMA', `${url}: ${describeIssues(parsed.error)}`, { transient: true });
  return parsed.data;
}

/**
 * Trades an enrolment token for this browser's device credentials. A refusal (unknown, expired,
 * revoked or used-up token: the hub deliberately does not say which) is E_ENROLMENT_REFUSED.
 */
export async function enrol(hubUrl: string, token: string): Promise<EnrolResponse> {
  const url = `${hubUrl}/device/v1/enrol`;
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (response.status === 401 || response.status === 400) {
    await response.body?.cancel();
    throw new WebRuntimeError('E_ENROLMENT_REFUSED', 'the hub refused the enrolment token: it is unknown, expired, revoked or used up');
  }
  if (response.status === 429) {
    await response.body?.cancel();
    throw new WebRuntimeError('E_ENROLMENT_REFUSED', `too many failed enrolments from this address; try again in ${response.headers.get('retry-after') ?? 'a few'} s`, { transient: true });
  }
  if (response.status !== 201) throw failure(url, response);
  return readJson(url, response, enrolResponseSchema);
}

export class HubHttp {
  constructor(
    private readonly hubUrl: string,
    private readonly authorization: string,
  ) {}

  async config(signal?: AbortSignal): Promise<DeviceConfig> {
    const url = `${this.hubUrl}/device/v1/config`;
    const response = await request(url, { headers: { authorization: this.authorization, accept: 'application/json' }, signal: signal ?? AbortSignal.timeout(15_000) });
    if (!response.ok) throw failure(url, response);
    return readJson(url, response, deviceConfigSchema);
  }

  /** The manifest bytes a deployment doc names; the caller checks their hash (protocol openReleaseRef). */
  async release(ref: ReleaseRef): Promise<Uint8Array> {
    const url = `${this.hubUrl}/device/v1/releases/${ref.sha256}`;
    const response = await request(url, { headers: { authorization: this.authorization }, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw failure(url, response);
    return readBounded(url, response, ref.size, true);
  }

  /**
   * One version of the hub's trust chain (null: the hub has none), for walking from the pinned
   * one; verified by the caller. A short timeout, as the agent's (trust-fetch.ts): a doc waiting
   * on this in the device's message queue holds the messages after it.
   */
  async trust(version: number): Promise<Uint8Array | null> {
    const url = `${this.hubUrl}/device/v1/trust/${version}`;
    const response = await request(url, { headers: { authorization: this.authorization }, signal: AbortSignal.timeout(10_000) });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) throw failure(url, response);
    return readBounded(url, response, MAX_TRUST_DOC_BYTES, false);
  }

  /**
   * A model file or probe blob by hash from this hub's `/artifacts/<sha256>`: exactly `size` bytes
   * whose SHA-256 is `sha256`, or E_TOO_LARGE / E_LENGTH_MISMATCH / E_HASH_MISMATCH. Content is
   * named by its hash, so the page asks its own hub (the origin its CSP allows) whatever host the
   * manifest's URL names.
   */
  async verifiedBytes(artifact: { sha256: string; size: number }, signal: AbortSignal, onProgress?: (received: number) => void): Promise<Uint8Array> {
    const url = `${this.hubUrl}/artifacts/${artifact.sha256}`;
    const response = await request(url, { headers: { authorization: this.authorization }, signal });
    if (!response.ok) throw failure(url, response);
    const bytes = await readBounded(url, response, artifact.size, true, onProgress);
    const verdict = await checkModelBytes(artifact, bytes);
    if (!verdict.ok) throw new WebRuntimeError('E_HASH_MISMATCH', `GET ${url}: SHA-256 ${verdict.sha256.slice(0, 12)}..., the signed manifest says ${artifact.sha256.slice(0, 12)}...`);
    return bytes;
  }
}
