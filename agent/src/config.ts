/**
 * Agent options, their defaults, and the one place the environment is parsed (CONTRACT
 * "Environment (agent)"). Everything downstream receives a fully resolved `ResolvedOptions`.
 */
import { deviceIdSchema, describeIssues } from '@edgefleet/protocol';
import { z } from 'zod';
import type { AgentLogger } from './logger';

export interface AgentOptions {
  /** EDGEFLEET_HUB_URL: base URL of the hub, e.g. http://127.0.0.1:8080 */
  hubUrl: string;
  /** EDGEFLEET_BROKER_URL: MQTT broker; default: learned from GET /device/v1/config and cached on disk */
  brokerUrl?: string;
  /** EDGEFLEET_DEVICE_ID: also the MQTT client id and username */
  deviceId: string;
  /** EDGEFLEET_DEVICE_SECRET: MQTT password and HTTP Basic password; never logged */
  deviceSecret: string;
  /** EDGEFLEET_AGENT_DATA_DIR: state, trust and model files; default ./agent-data */
  dataDir: string;
  /** EDGEFLEET_AGENT_PORT: local inference API port; default 8181; 0 picks a free port */
  port?: number;
  /** local API bind address; default 127.0.0.1 (the API has no authentication) */
  host?: string;
  /** clock for expiry checks and timestamps; default () => new Date() */
  now?: () => Date;
  /** structured logger; default JSON lines on stdout */
  logger?: Partial<AgentLogger>;
  /** refuse artifacts larger than this before downloading; default 512 MiB */
  maxArtifactBytes?: number;
  /** timing knobs; defaults suit production, tests shorten them */
  tuning?: Partial<AgentTuning>;
}

export interface AgentTuning {
  /** first retry delay of a failed install step (doubles up to retryMaxMs) */
  retryBaseMs: number;
  retryMaxMs: number;
  /** transient failures tolerated per deployment seq before giving up and reporting */
  maxInstallAttempts: number;
  /** backoff for fetching the hub config / trust on first use */
  bootstrapBaseMs: number;
  bootstrapMaxMs: number;
  /** download: fixed allowance on top of size / minBytesPerSec for the overall deadline */
  downloadBaseDeadlineMs: number;
  /** download: minimum throughput, measured over each window (E_SLOW_RETRIEVAL below it) */
  downloadMinBytesPerSec: number;
  downloadWindowMs: number;
  /** how often the expiry of the current deployment doc is checked */
  staleCheckMs: number;
  /** mqtt.js reconnect period */
  mqttReconnectMs: number;
  /** statistics windows kept on disk while offline before the oldest are merged (or dropped) */
  statsOutboxMaxWindows: number;
  /** requests waiting for the shadow model; more are dropped and counted (the serve path never waits) */
  shadowQueueMax: number;
  /**
   * how often the state is reported again though nothing changed, so the hub's view heals from a
   * report it never committed (e.g. one queued by the broker for a hub replica that died)
   */
  stateRefreshMs: number;
}

export const DEFAULT_TUNING: AgentTuning = {
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  maxInstallAttempts: 4,
  bootstrapBaseMs: 1_000,
  bootstrapMaxMs: 60_000,
  downloadBaseDeadlineMs: 60_000,
  downloadMinBytesPerSec: 16 * 1024,
  downloadWindowMs: 10_000,
  staleCheckMs: 30_000,
  mqttReconnectMs: 2_000,
  statsOutboxMaxWindows: 500,
  shadowQueueMax: 32,
  stateRefreshMs: 5 * 60_000,
};

export const DEFAULT_PORT = 8181;
export const DEFAULT_MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

export interface ResolvedOptions {
  hubUrl: string;
  brokerUrl: string | null;
  deviceId: string;
  deviceSecret: string;
  dataDir: string;
  port: number;
  host: string;
  now: () => Date;
  maxArtifactBytes: number;
  tuning: AgentTuning;
}

const brokerUrlSchema = z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL');

export function resolveOptions(options: AgentOptions): ResolvedOptions {
  if (!deviceIdSchema.safeParse(options.deviceId).success) throw new Error(`invalid deviceId: must match ^[A-Za-z0-9_-]{1,64}$`);
  if (!/^https?:\/\//.test(options.hubUrl)) throw new Error('invalid hubUrl: must be an http:// or https:// URL');
  if (options.deviceSecret.length === 0) throw new Error('invalid deviceSecret: must not be empty');
  return {
    hubUrl: options.hubUrl.replace(/\/+$/, ''),
    brokerUrl: options.brokerUrl ?? null,
    deviceId: options.deviceId,
    deviceSecret: options.deviceSecret,
    dataDir: options.dataDir,
    port: options.port ?? DEFAULT_PORT,
    host: options.host ?? '127.0.0.1',
    now: options.now ?? (() => new Date()),
    maxArtifactBytes: options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES,
    tuning: { ...DEFAULT_TUNING, ...options.tuning },
  };
}

// An empty variable counts as unset, the way shells and .env files are usually written.
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const envSchema = z.object({
  EDGEFLEET_HUB_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  EDGEFLEET_BROKER_URL: optional(brokerUrlSchema),
  EDGEFLEET_DEVICE_ID: deviceIdSchema,
  EDGEFLEET_DEVICE_SECRET: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  EDGEFLEET_AGENT_DATA_DIR: optional(z.string()),
  EDGEFLEET_AGENT_PORT: optional(z.coerce.number().int().min(0).max(65_535)),
});

/** Reads the agent's environment; throws one error naming every bad variable (never its value). */
export function agentOptionsFromEnv(env: NodeJS.ProcessEnv): AgentOptions {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new Error(`invalid agent environment: ${describeIssues(result.error)}`);
  const parsed = result.data;
  return {
    hubUrl: parsed.EDGEFLEET_HUB_URL,
    ...(parsed.EDGEFLEET_BROKER_URL === undefined ? {} : { brokerUrl: parsed.EDGEFLEET_BROKER_URL }),
    deviceId: parsed.EDGEFLEET_DEVICE_ID,
    deviceSecret: parsed.EDGEFLEET_DEVICE_SECRET,
    dataDir: parsed.EDGEFLEET_AGENT_DATA_DIR ?? './agent-data',
    port: parsed.EDGEFLEET_AGENT_PORT ?? DEFAULT_PORT,
  };
}
