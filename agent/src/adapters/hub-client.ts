/** The agent's HTTP calls to the hub: device credentials as HTTP Basic, bootstrap config. */
import { describeIssues, type ReleaseRef } from '@edgefleet/protocol';
import { z } from 'zod';
import { describeUntrusted, untrustedCertificate } from '../core/tls-errors';
import { AgentError } from '../errors';
import { abortedBy, chunksUntilAborted, untilAborted } from './abortable';
import { plainFetch, type HubFetch } from './hub-http';

export const basicAuth = (deviceId: string, secret: string): string => `Basic ${Buffer.from(`${deviceId}:${secret}`, 'utf8').toString('base64')}`;

// Loose on purpose: the hub may add fields; the trust envelope is verified separately.
const deviceConfigSchema = z.object({
  mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/\S+$/),
  wsUrl: z.string().optional(),
  trust: z.unknown(),
});
export type DeviceConfig = z.infer<typeof deviceConfigSchema>;

/**
 * A GET with the device's credentials; a failure to reach the hub is a transient
 * E_DOWNLOAD_FAILED (E_TLS_UNTRUSTED when its certificate is what failed), a 401 (or 429) the hub refusing the id and secret (E_CREDENTIALS_REJECTED,
 * tried again slowly: the operator may fix it on the hub).
 */
export async function getFromHub(http: HubFetch, url: string, authorization: string, signal: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await untilAborted(http(url, { headers: { authorization, accept: 'application/json' }, signal }), abortedBy(signal));
  } catch (cause) {
    // Transient all the same: the operator may fix the certificate on the hub while we wait.
    const untrusted = untrustedCertificate(cause);
    if (untrusted !== null) throw new AgentError('E_TLS_UNTRUSTED', `GET ${url}: ${describeUntrusted('the hub', untrusted)}`, { transient: true, cause });
    // fetch says only "fetch failed"; the useful part (ECONNREFUSED, DNS) is in its cause.
    const detail = cause instanceof Error ? cause.message + (cause.cause instanceof Error ? ` (${cause.cause.message})` : '') : String(cause);
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: ${detail}`, { transient: true, cause });
  }
  const refusal = REFUSALS.get(response.status);
  if (refusal !== undefined) {
    await response.body?.cancel();
    throw new AgentError('E_CREDENTIALS_REJECTED', `GET ${url}: HTTP ${response.status}: ${refusal}`, { transient: true });
  }
  return response;
}

/**
 * Device-route answers that refuse the credential. The hub never limits a correct secret: a 429
 * comes after this id failed too often from this address, and passes again some time after the
 * secret is right.
 */
const REFUSALS: ReadonlyMap<number, string> = new Map([
  [401, 'the hub does not accept this device id and secret'],
  [429, 'too many failed logins for this device from this address'],
]);

/** `http`: the agent's client for the hub (hub-http.ts: extra CAs); Node's fetch by default. */
export async function fetchDeviceConfig(hubUrl: string, authorization: string, signal?: AbortSignal, http: HubFetch = plainFetch): Promise<DeviceConfig> {
  const url = `${hubUrl}/device/v1/config`;
  const deadline = signal ?? AbortSignal.timeout(15_000);
  const response = await getFromHub(http, url, authorization, deadline);
  if (!response.ok) {
    await response.body?.cancel();
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: HTTP ${response.status}`, { transient: true });
  }
  let json: unknown;
  try {
    json = await untilAborted(response.json(), abortedBy(deadline));
  } catch (cause) {
    throw new AgentError('E_BAD_JSON', `GET ${url}: body is not JSON`, { transient: true, cause });
  }
  const parsed = deviceConfigSchema.safeParse(json);
  if (!parsed.success) throw new AgentError('E_SCHEMA', `GET ${url}: ${describeIssues(parsed.error)}`, { transient: true });
  return parsed.data;
}

/**
 * A release manifest a deployment doc names by reference: `GET /device/v1/releases/<sha256>`,
 * read up to the size the signed doc states and not a byte more (THREATS 14). The caller checks
 * the hash (protocol `openReleaseRef`). Network and server failures are transient: the doc is
 * tried again; a 4xx is not (the hub does not have it).
 */
export async function fetchReleaseManifest(hubUrl: string, authorization: string, ref: ReleaseRef, signal?: AbortSignal, http: HubFetch = plainFetch): Promise<Uint8Array> {
  const url = `${hubUrl}/device/v1/releases/${ref.sha256}`;
  const deadline = signal ?? AbortSignal.timeout(30_000);
  const response = await getFromHub(http, url, authorization, deadline);
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const transient = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: HTTP ${response.status}`, { transient });
  }
  const out = new Uint8Array(ref.size);
  let length = 0;
  try {
    for await (const chunk of chunksUntilAborted(response.body, deadline)) {
      if (length + chunk.length > ref.size) {
        throw new AgentError('E_TOO_LARGE', `GET ${url}: more than the ${ref.size} bytes the deployment doc states`);
      }
      out.set(chunk, length);
      length += chunk.length;
    }
  } catch (cause) {
    if (cause instanceof AgentError) throw cause;
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { transient: true, cause });
  }
  if (length !== ref.size) throw new AgentError('E_LENGTH_MISMATCH', `GET ${url}: ${length} bytes, the deployment doc states ${ref.size}`, { transient: true });
  return out;
}
