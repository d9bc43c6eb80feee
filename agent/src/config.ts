/**
 * Agent options, their defaults, and the one place the environment is parsed (CONTRACT
 * "Environment (agent)"). Everything downstream receives a fully resolved `ResolvedOptions`.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { deviceIdSchema, describeIssues } from '@edgefleet/protocol';
import { z } from 'zod';
import { caCertificates } from './core/ca-bundle';
import { normalizeOrigin } from './core/local-access';
import { AgentError } from './errors';
import type { AgentLogger } from './logger';

export interface AgentOptions {
  /** EDGEFLEET_HUB_URL: base URL of the hub, e.g. http://127.0.0.1:8080 */
  hubUrl: string;
  /** EDGEFLEET_BROKER_URL: MQTT broker; default: learned from GET /device/v1/config and cached on disk */
  brokerUrl?: string;
  /** EDGEFLEET_DEVICE_ID: also the MQTT client id and username */
  deviceId: string;
  /** EDGEFLEET_DEVICE_SECRET or the file EDGEFLEET_DEVICE_SECRET_FILE names: MQTT password and HTTP Basic password; never logged */
  deviceSecret: string;
  /**
   * EDGEFLEET_AGENT_DATA_DIR: state, trust and model files; from the environment the default is
   * systemd's $STATE_DIRECTORY when set, else defaultDataDir() (~/.local/state/edgefleet-agent)
   */
  dataDir: string;
  /**
   * PEM certificates (the file EDGEFLEET_CA_FILE names) trusted for the hub's https:// and the
   * broker's mqtts:// or wss://, beside the system's usual CAs (a private CA, a self-signed hub)
   */
  ca?: string | Buffer;
  /**
   * EDGEFLEET_AGENT_BATCH_DIR: where batch job inputs and results live (a job's files must be
   * inside it) and its `inbox/`; default `<dataDir>/batch`
   */
  batchDir?: string;
  /** EDGEFLEET_AGENT_PORT: local inference API port; default 8181; 0 picks a free port */
  port?: number;
  /** local API bind address; default 127.0.0.1 (the API has no authentication) */
  host?: string;
  /**
   * EDGEFLEET_AGENT_ALLOWED_ORIGINS (comma-separated): origins (`https://console.example:8443`)
   * whose web pages may call the local API; default none, a request with any other Origin is 403
   */
  allowedOrigins?: readonly string[];
  /**
   * EDGEFLEET_AGENT_ALLOWED_HOSTS (comma-separated): host names the local API is reached by
   * besides localhost and IP addresses (a proxy on the device); any other Host is 403
   */
  allowedHosts?: readonly string[];
  /** clock for expiry checks and timestamps; default () => new Date() */
  now?: () => Date;
  /** structured logger; default JSON lines on stdout */
  logger?: Partial<AgentLogger>;
  /** refuse artifacts larger than this before downloading; default 512 MiB */
  maxArtifactBytes?: number;
  /**
   * EDGEFLEET_AGENT_MODEL_MEMORY_MB: memory (MiB) a model this device has not run yet may use
   * while the sandbox opens and probes it (adapters/probe-sandbox.ts); default 512, at least 128
   */
  modelMemoryMb?: number;
  /** EDGEFLEET_AGENT_PROBE_TIMEOUT_S (seconds there, milliseconds here): that load and probe's deadline; default 60 s */
  probeTimeoutMs?: number;
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
  /**
   * how often a device whose id or secret the hub refuses tries again (the operator may fix it
   * on the hub, e.g. a decommissioned id enrolled again); slow: every try is a failed login there
   */
  credentialRetryMs: number;
  /** batch jobs: rows between checkpoints (results fsynced, the job's file written), at the least */
  batchCheckpointRows: number;
  /**
   * batch jobs: and at least this long between checkpoints (EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS):
   * what a crash makes the job do again, against fsyncs a second (flash wear, live latency)
   */
  batchCheckpointMs: number;
  /** batch jobs: rows per model run (a live request waits at most one such run) */
  batchRunRows: number;
  /** batch jobs: how long a model run waits for live requests in flight before it goes anyway */
  batchLiveWaitMs: number;
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
  credentialRetryMs: 60_000,
  batchCheckpointRows: 512,
  batchCheckpointMs: 1000,
  batchRunRows: 32,
  batchLiveWaitMs: 50,
};

export const DEFAULT_PORT = 8181;
/**
 * The data dir when neither EDGEFLEET_AGENT_DATA_DIR nor systemd's $STATE_DIRECTORY names one: a
 * per-user directory, absolute, so the agent finds its state whatever directory it is started
 * from. One relative to the working directory made a start elsewhere a new device in all but
 * name: trust pinned again on first use, replay protection from seq 0, models downloaded again.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const absolute = (value: string | undefined): value is string => value !== undefined && isAbsolute(value);
  if (platform === 'win32') return join(absolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : join(homedir(), 'AppData', 'Local'), 'edgefleet-agent');
  // XDG: a relative XDG_STATE_HOME is invalid and ignored.
  return join(absolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state'), 'edgefleet-agent');
}
export const DEFAULT_MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;
/**
 * The sandbox's memory: node and onnxruntime alone take about 100 MiB of it, so 512 leaves some
 * 400 for the model (Silero VAD and MNIST CNNs need a few MiB; a small device has 1 to 2 GiB).
 */
const DEFAULT_MODEL_MEMORY_MB = 512;
const MIN_MODEL_MEMORY_MB = 128;
const MAX_MODEL_MEMORY_MB = 1024 * 1024;
const DEFAULT_PROBE_TIMEOUT_MS = 60_000;

function modelLimitsOf(options: AgentOptions): ResolvedOptions['modelLimits'] {
  const memoryMb = options.modelMemoryMb ?? DEFAULT_MODEL_MEMORY_MB;
  const timeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  if (!Number.isInteger(memoryMb) || memoryMb < MIN_MODEL_MEMORY_MB || memoryMb > MAX_MODEL_MEMORY_MB) {
    throw new AgentError('E_CONFIG', `invalid modelMemoryMb: must be a whole number of MiB from ${MIN_MODEL_MEMORY_MB} to ${MAX_MODEL_MEMORY_MB}`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 3_600_000) throw new AgentError('E_CONFIG', 'invalid probeTimeoutMs: must be a whole number from 100 to 3600000');
  return { memoryMb, timeoutMs };
}

export interface ResolvedOptions {
  hubUrl: string;
  brokerUrl: string | null;
  deviceId: string;
  deviceSecret: string;
  dataDir: string;
  batchDir: string;
  /** extra trusted CA certificates (one PEM each, parsed), or null for the public CAs alone */
  ca: readonly string[] | null;
  port: number;
  host: string;
  allowedOrigins: readonly string[];
  allowedHosts: readonly string[];
  now: () => Date;
  maxArtifactBytes: number;
  /** the model sandbox's limits (adapters/probe-sandbox.ts) */
  modelLimits: { memoryMb: number; timeoutMs: number };
  tuning: AgentTuning;
}

const brokerUrlSchema = z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL');

export function resolveOptions(options: AgentOptions): ResolvedOptions {
  if (!deviceIdSchema.safeParse(options.deviceId).success) throw new AgentError('E_CONFIG', 'invalid deviceId: must match ^[A-Za-z0-9_-]{1,64}$');
  if (!/^https?:\/\//.test(options.hubUrl)) throw new AgentError('E_CONFIG', 'invalid hubUrl: must be an http:// or https:// URL');
  if (options.deviceSecret.length === 0) throw new AgentError('E_CONFIG', 'invalid deviceSecret: must not be empty');
  return {
    hubUrl: options.hubUrl.replace(/\/+$/, ''),
    brokerUrl: options.brokerUrl ?? null,
    deviceId: options.deviceId,
    deviceSecret: options.deviceSecret,
    dataDir: options.dataDir,
    batchDir: options.batchDir ?? join(options.dataDir, 'batch'),
    ca: options.ca === undefined ? null : caCertificates(options.ca.toString(), 'ca'),
    port: options.port ?? DEFAULT_PORT,
    host: options.host ?? '127.0.0.1',
    allowedOrigins: checkedList(options.allowedOrigins ?? [], originSchema, 'allowedOrigins'),
    allowedHosts: checkedList(options.allowedHosts ?? [], hostNameSchema, 'allowedHosts'),
    now: options.now ?? (() => new Date()),
    maxArtifactBytes: options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES,
    modelLimits: modelLimitsOf(options),
    tuning: { ...DEFAULT_TUNING, ...options.tuning },
  };
}

/** `scheme://host[:port]` exactly, as browsers send it in Origin */
const originSchema = z.string().max(300).refine((value) => normalizeOrigin(value) !== null, 'must be an origin: http:// or https://, a host and an optional port, nothing after');
/** a DNS name (IP addresses are always accepted) */
const hostNameSchema = z.string().max(253).regex(/^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a host name such as edge-box.local');

function checkedList(values: readonly string[], schema: z.ZodType<string>, name: string): string[] {
  values.forEach((value, i) => {
    const result = schema.safeParse(value);
    if (!result.success) throw new AgentError('E_CONFIG', `invalid ${name}[${i}]: ${describeIssues(result.error)}`);
  });
  return [...values];
}

/** A comma-separated list variable; blanks around commas and empty items ignored. */
const commaList = <S extends z.ZodType<string>>(item: S) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter((part) => part !== '') : value),
    z.array(item).max(32),
  );

// An empty variable counts as unset, the way shells and .env files are usually written.
const optional = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const envSchema = z.object({
  EDGEFLEET_HUB_URL: z.string({ error: 'is required' }).pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })),
  EDGEFLEET_BROKER_URL: optional(brokerUrlSchema),
  EDGEFLEET_DEVICE_ID: z.string({ error: 'is required' }).pipe(deviceIdSchema),
  EDGEFLEET_DEVICE_SECRET_FILE: optional(z.string().max(4096)),
  EDGEFLEET_CA_FILE: optional(z.string().max(4096)),
  EDGEFLEET_AGENT_DATA_DIR: optional(z.string().max(4096)),
  EDGEFLEET_AGENT_BATCH_DIR: optional(z.string().max(4096)),
  // systemd's StateDirectory= sets it (colon-separated when the unit names several)
  STATE_DIRECTORY: optional(z.string()),
  EDGEFLEET_AGENT_PORT: optional(z.coerce.number().int().min(0).max(65_535)),
  EDGEFLEET_AGENT_MODEL_MEMORY_MB: optional(z.coerce.number().int().min(MIN_MODEL_MEMORY_MB).max(MAX_MODEL_MEMORY_MB)),
  EDGEFLEET_AGENT_PROBE_TIMEOUT_S: optional(z.coerce.number().int().min(1).max(3600)),
  EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS: optional(z.coerce.number().int().min(0).max(600_000)),
  EDGEFLEET_AGENT_ALLOWED_ORIGINS: optional(commaList(originSchema)),
  EDGEFLEET_AGENT_ALLOWED_HOSTS: optional(commaList(hostNameSchema)),
});

/** Every variable the agent reads (EDGEFLEET_DEVICE_SECRET is read beside the schema): what a misspelt one is told apart from. */
export const AGENT_SETTING_NAMES: readonly string[] = [...Object.keys(envSchema.shape).filter((name) => name.startsWith('EDGEFLEET_')), 'EDGEFLEET_DEVICE_SECRET'];

/** Where the secret and the extra CAs come from: values, or files still to be read (adapters/env-files.ts). */
export interface AgentEnv {
  options: Omit<AgentOptions, 'deviceSecret' | 'ca'>;
  secret: { kind: 'value'; value: string } | { kind: 'file'; path: string };
  caFile: string | null;
}

/**
 * Reads the agent's environment without touching a file; throws one error naming every bad
 * variable (never a value). Exactly one of EDGEFLEET_DEVICE_SECRET and _FILE must be set.
 */
export function parseAgentEnv(env: NodeJS.ProcessEnv): AgentEnv {
  const result = envSchema.safeParse(env);
  const problems = result.success ? [] : [describeIssues(result.error)];
  const secretValue = env.EDGEFLEET_DEVICE_SECRET || undefined;
  const secretFile = env.EDGEFLEET_DEVICE_SECRET_FILE || undefined;
  if (secretValue === undefined && secretFile === undefined) problems.push('EDGEFLEET_DEVICE_SECRET or EDGEFLEET_DEVICE_SECRET_FILE is required');
  if (secretValue !== undefined && secretFile !== undefined) problems.push('EDGEFLEET_DEVICE_SECRET and EDGEFLEET_DEVICE_SECRET_FILE are both set: set exactly one');
  if (!result.success || problems.length > 0) throw new AgentError('E_CONFIG', `invalid agent environment: ${problems.join('; ')}`);
  const parsed = result.data;
  const stateDirectory = parsed.STATE_DIRECTORY?.split(':')[0];
  return {
    options: {
      hubUrl: parsed.EDGEFLEET_HUB_URL,
      ...(parsed.EDGEFLEET_BROKER_URL === undefined ? {} : { brokerUrl: parsed.EDGEFLEET_BROKER_URL }),
      deviceId: parsed.EDGEFLEET_DEVICE_ID,
      dataDir: parsed.EDGEFLEET_AGENT_DATA_DIR ?? (stateDirectory || defaultDataDir(env)),
      ...(parsed.EDGEFLEET_AGENT_BATCH_DIR === undefined ? {} : { batchDir: parsed.EDGEFLEET_AGENT_BATCH_DIR }),
      port: parsed.EDGEFLEET_AGENT_PORT ?? DEFAULT_PORT,
      ...(parsed.EDGEFLEET_AGENT_MODEL_MEMORY_MB === undefined ? {} : { modelMemoryMb: parsed.EDGEFLEET_AGENT_MODEL_MEMORY_MB }),
      ...(parsed.EDGEFLEET_AGENT_PROBE_TIMEOUT_S === undefined ? {} : { probeTimeoutMs: parsed.EDGEFLEET_AGENT_PROBE_TIMEOUT_S * 1000 }),
      ...(parsed.EDGEFLEET_AGENT_ALLOWED_ORIGINS === undefined ? {} : { allowedOrigins: parsed.EDGEFLEET_AGENT_ALLOWED_ORIGINS }),
      ...(parsed.EDGEFLEET_AGENT_ALLOWED_HOSTS === undefined ? {} : { allowedHosts: parsed.EDGEFLEET_AGENT_ALLOWED_HOSTS }),
      ...(parsed.EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS === undefined ? {} : { tuning: { batchCheckpointMs: parsed.EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS } }),
    },
    secret: secretFile !== undefined ? { kind: 'file', path: secretFile } : { kind: 'value', value: secretValue ?? '' },
    caFile: parsed.EDGEFLEET_CA_FILE ?? null,
  };
}
