/** The agent's HTTP calls to the hub: device credentials as HTTP Basic, bootstrap config. */
import { describeIssues } from '@edgefleet/protocol';
import { z } from 'zod';
import { AgentError } from '../errors';

export const basicAuth = (deviceId: string, secret: string): string => `Basic ${Buffer.from(`${deviceId}:${secret}`, 'utf8').toString('base64')}`;

// Loose on purpose: the hub may add fields; the trust envelope is verified separately.
const deviceConfigSchema = z.object({
  mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/\S+$/),
  wsUrl: z.string().optional(),
  trust: z.unknown(),
});
export type DeviceConfig = z.infer<typeof deviceConfigSchema>;

export async function fetchDeviceConfig(hubUrl: string, authorization: string, signal?: AbortSignal): Promise<DeviceConfig> {
  const url = `${hubUrl}/device/v1/config`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization, accept: 'application/json' }, signal: signal ?? AbortSignal.timeout(15_000) });
  } catch (cause) {
    // fetch says only "fetch failed"; the useful part (ECONNREFUSED, DNS) is in its cause.
    const detail = cause instanceof Error ? cause.message + (cause.cause instanceof Error ? ` (${cause.cause.message})` : '') : String(cause);
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: ${detail}`, { transient: true, cause });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AgentError('E_DOWNLOAD_FAILED', `GET ${url}: HTTP ${response.status}`, { transient: true });
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    throw new AgentError('E_BAD_JSON', `GET ${url}: body is not JSON`, { transient: true, cause });
  }
  const parsed = deviceConfigSchema.safeParse(json);
  if (!parsed.success) throw new AgentError('E_SCHEMA', `GET ${url}: ${describeIssues(parsed.error)}`, { transient: true });
  return parsed.data;
}
