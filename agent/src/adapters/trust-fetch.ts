/**
 * `GET /device/v1/trust/{version}`: one version of the hub's chain of trust documents, for a
 * device walking from the version it pinned (device-core trust-walk.ts). Read up to
 * MAX_TRUST_DOC_BYTES and not a byte more; the caller verifies every byte of it. A 404 is the
 * hub having no such version (null); the hub out of reach or failing is transient. The timeout is
 * short: a doc waiting on this in the device's message queue holds the messages after it.
 */
import { MAX_TRUST_DOC_BYTES } from '@edgefleet/protocol';
import { AgentError } from '../errors';
import { chunksUntilAborted } from './abortable';
import { getFromHub } from './hub-client';
import type { HubFetch } from './hub-http';

export async function fetchTrustVersion(hubUrl: string, authorization: string, version: number, http: HubFetch, signal?: AbortSignal): Promise<Uint8Array | null> {
  const url = `${hubUrl}/device/v1/trust/${version}`;
  const deadline = signal ?? AbortSignal.timeout(10_000);
  const response = await getFromHub(http, url, authorization, deadline);
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: HTTP ${response.status}`, { transient });
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of chunksUntilAborted(response.body, deadline)) {
      length += chunk.length;
      if (length > MAX_TRUST_DOC_BYTES) {
        throw new AgentError('E_TOO_LARGE', `GET ${url}: more than the ${MAX_TRUST_DOC_BYTES} bytes a trust document may have`);
      }
      chunks.push(chunk);
    }
  } catch (cause) {
    if (cause instanceof AgentError) throw cause;
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { transient: true, cause });
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
