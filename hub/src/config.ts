/** Hub options: their defaults, and how they are read from the environment (CONTRACT "Environment (hub)"). */
import { misspeltSettings, type MisspeltSetting } from '@edgefleet/protocol';
import { z } from 'zod';
import type { Logger } from './adapters/logger';
import { isCronExpression } from './adapters/scheduler';
import { parseBrokerUrl } from './core/broker-url';
import { DRIFT_PERIOD_RULE, isDriftPeriod } from './core/drift/period';
import type { AdmissionLimits } from './core/publish-admission';
import type { HubTlsOptions } from './adapters/tls';

export interface HubOptions {
  /** where the database, keys, trust doc and artifacts live; default ./data (EDGEFLEET_DATA_DIR) */
  dataDir: string;
  /**
   * The registry database on PostgreSQL instead of the SQLite file in dataDir
   * (EDGEFLEET_DATABASE_URL=postgres://user:password@host:5432/db): several hub replicas share it.
   * Default: unset (SQLite).
   */
  databaseUrl?: string;
  /** HTTP (API, artifacts, MQTT over WebSocket at /mqtt); 0 = ephemeral; default 8080 (EDGEFLEET_HTTP_PORT) */
  httpPort?: number;
  /** MQTT over TCP; 0 = ephemeral; default 1883, 8883 with tls (EDGEFLEET_MQTT_PORT); unused with brokerUrl */
  mqttPort?: number;
  /**
   * An external MQTT broker to use instead of the embedded one (EDGEFLEET_BROKER_URL): mqtt://,
   * mqtts://, ws:// or wss://, with the hub's credentials as userinfo (mqtt://hub:secret@broker:1883).
   * Then the hub opens no MQTT listener and no /mqtt WebSocket, and tells devices this URL without
   * its credentials. Default: unset (embedded aedes).
   */
  brokerUrl?: string;
  /**
   * HTTPS, wss:// at /mqtt and MQTT over TLS instead of their plaintext forms (EDGEFLEET_TLS_CERT and
   * EDGEFLEET_TLS_KEY: PEM files, reloaded on SIGHUP and when they change). Default: unset (plaintext).
   */
  tls?: HubTlsOptions;
  /** PEM file of the CA(s) the hub trusts for an mqtts:// or wss:// brokerUrl (EDGEFLEET_BROKER_CA_FILE); default: the system's */
  brokerCaFile?: string;
  /** the hub's client id (and persistent session) on the external broker; default 'edgefleet-hub' */
  brokerClientId?: string;
  /**
   * Who creates devices' broker accounts on the external broker (EDGEFLEET_BROKER_PROVISIONING):
   * 'none' (default: the operator adds them), or 'mosquitto-dynsec' (the hub drives Mosquitto 2's
   * dynamic-security plugin: adapters/broker/mosquitto-dynsec.ts). Needs brokerUrl.
   */
  brokerProvisioning?: 'none' | 'mosquitto-dynsec';
  /**
   * Hub replicas behind one external broker consume each device message once through this
   * shared-subscription group (EDGEFLEET_BROKER_SHARE_GROUP); each replica needs its own
   * brokerClientId. Unset: one hub.
   */
  brokerShareGroup?: string;
  /**
   * This replica's name in the singleton-work lease (EDGEFLEET_REPLICA_ID); default the host name.
   * Replicas on one host need distinct ids; a restarted hub keeps its id and its lease.
   */
  replicaId?: string;
  /**
   * How long the scheduled-jobs lease lasts without renewal: a replica that died is replaced by
   * another at most this long after (EDGEFLEET_LEASE_TTL_S, 5 to 3600; default 30).
   */
  leaseTtlS?: number;
  /**
   * Turns on POST /broker/v1/authenticate and /broker/v1/authorize for an external broker's HTTP
   * hooks (EMQX), which must send it as a bearer token (EDGEFLEET_BROKER_HOOK_TOKEN, 24+ chars).
   */
  brokerHookToken?: string;
  /** how long startup waits for the external broker before failing; default 10 s */
  brokerConnectTimeoutMs?: number;
  /** bind address; default '0.0.0.0' (EDGEFLEET_HOST) */
  host?: string;
  /** admin bearer token (EDGEFLEET_ADMIN_TOKEN); else read or generated in dataDir/admin-token (0600) */
  adminToken?: string;
  /** the built admin console served at `/` (EDGEFLEET_CONSOLE_DIR); default hub/dist/console, which `npm run build` writes */
  consoleDir?: string;
  /** how devices reach the hub (EDGEFLEET_PUBLIC_URL); default http://localhost:<http port>, or the bind host when specific */
  publicUrl?: string;
  /** largest model upload; default 256 MiB (EDGEFLEET_MAX_MODEL_BYTES) */
  maxModelBytes?: number;
  /**
   * memory (MiB) one uploaded model may use while the model sandbox loads, probes, calibrates or
   * evaluates it (EDGEFLEET_MODEL_MEMORY_LIMIT_MB, 256 to 1048576); default 2048
   */
  modelMemoryLimitMb?: number;
  /** time (s) each of those loads and runs may take (EDGEFLEET_MODEL_TIMEOUT_S, 1 to 3600); default 120 */
  modelTimeoutS?: number;
  /** lifetime of a deployment doc; default 7 days (EDGEFLEET_DEPLOYMENT_TTL_S, at least 7200) */
  deploymentTtlS?: number;
  /** where alerts are POSTed as JSON (EDGEFLEET_ALERT_WEBHOOK_URL); default: none, alerts are only stored */
  alertWebhookUrl?: string;
  /** HMAC-SHA256 key signing each webhook body (EDGEFLEET_ALERT_WEBHOOK_SECRET); default: unsigned */
  alertWebhookSecret?: string;
  /** cron schedule of the drift evaluation (EDGEFLEET_DRIFT_SCHEDULE); default '5 * * * *' (hourly, after the hour closes), or 15 s after each drift period closes */
  driftSchedule?: string;
  /**
   * Length in seconds of a statistics bucket and of the period the drift job judges
   * (EDGEFLEET_DRIFT_PERIOD_S): whole minutes dividing an hour, 60 to 3600; default 3600.
   * Shorter periods open drift alerts within minutes (demos, tests) and store 3600/period
   * times the bucket rows.
   */
  driftPeriodS?: number;
  /** cron schedule of the continuous-training check (EDGEFLEET_RETRAIN_SCHEDULE); default '20 * * * *' */
  retrainSchedule?: string;
  /** how often devices close a statistics window, told in every deployment doc (EDGEFLEET_STATS_INTERVAL_S); default 60 */
  statsIntervalS?: number;
  /** cron schedule of the rollout controller tick (seconds field first); default every 10 s */
  rolloutSchedule?: string;
  /** cron schedule of the stored-file integrity check (EDGEFLEET_INTEGRITY_SCHEDULE); default every 10 minutes */
  integritySchedule?: string;
  /** how fast that check reads (EDGEFLEET_INTEGRITY_RATE_MB_S, in MiB/s); default 32 MiB/s */
  integrityRateBytesPerS?: number;
  /** rate limits on device publishes (embedded broker); default DEFAULT_ADMISSION_LIMITS (PERF.md) */
  admissionLimits?: AdmissionLimits;
  /** injected clock; default () => new Date() */
  now?: () => Date;
  /** default: JSON lines on stdout */
  logger?: Logger;
}

export const DEFAULTS = {
  dataDir: './data',
  httpPort: 8080,
  mqttPort: 1883,
  /** the registered mqtts port, when TLS is on and EDGEFLEET_MQTT_PORT is unset */
  mqttTlsPort: 8883,
  host: '0.0.0.0',
  maxModelBytes: 256 * 1024 * 1024,
  deploymentTtlS: 7 * 86_400,
  statsIntervalS: 60,
  driftSchedule: '5 * * * *',
  retrainSchedule: '20 * * * *',
  rolloutSchedule: '*/10 * * * * *',
  integritySchedule: '*/10 * * * *',
} as const;

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const cronSchema = z.string().refine(isCronExpression, 'must be a cron expression, e.g. "5 * * * *"');

const envSchema = z.object({
  EDGEFLEET_DATA_DIR: z.string().min(1).optional(),
  EDGEFLEET_DATABASE_URL: z
    .string()
    .refine((value) => /^postgres(ql)?:\/\/[^\s]+$/.test(value), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  EDGEFLEET_HTTP_PORT: port.optional(),
  EDGEFLEET_MQTT_PORT: port.optional(),
  EDGEFLEET_HOST: z.string().min(1).optional(),
  EDGEFLEET_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain whitespace').optional(),
  EDGEFLEET_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  EDGEFLEET_CONSOLE_DIR: z.string().min(1).max(4096).optional(),
  EDGEFLEET_TLS_CERT: z.string().min(1).max(4096).optional(),
  EDGEFLEET_TLS_KEY: z.string().min(1).max(4096).optional(),
  EDGEFLEET_BROKER_CA_FILE: z.string().min(1).max(4096).optional(),
  EDGEFLEET_MAX_MODEL_BYTES: positiveInt.optional(),
  EDGEFLEET_MODEL_MEMORY_LIMIT_MB: z.coerce.number().int().min(256).max(1_048_576).optional(),
  EDGEFLEET_MODEL_TIMEOUT_S: z.coerce.number().int().min(1).max(3600).optional(),
  // The refresh job runs hourly and re-signs docs within half a lifetime of expiring: under two
  // hours a doc could expire between two runs and devices would call it stale.
  EDGEFLEET_DEPLOYMENT_TTL_S: z.coerce.number().int().min(7200, 'must be at least 7200 (2 hours): docs are re-signed hourly once past half their lifetime').optional(),
  EDGEFLEET_STATS_INTERVAL_S: z.coerce.number().int().min(5).max(86_400).optional(),
  EDGEFLEET_ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  EDGEFLEET_ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  EDGEFLEET_DRIFT_SCHEDULE: cronSchema.optional(),
  EDGEFLEET_DRIFT_PERIOD_S: z.coerce.number({ error: DRIFT_PERIOD_RULE }).refine(isDriftPeriod, DRIFT_PERIOD_RULE).optional(),
  EDGEFLEET_RETRAIN_SCHEDULE: cronSchema.optional(),
  EDGEFLEET_INTEGRITY_SCHEDULE: cronSchema.optional(),
  EDGEFLEET_INTEGRITY_RATE_MB_S: z.coerce.number().int().min(1).max(10_000).optional(),
  EDGEFLEET_BROKER_PROVISIONING: z.enum(['none', 'mosquitto-dynsec']).optional(),
  EDGEFLEET_BROKER_SHARE_GROUP: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64').optional(),
  EDGEFLEET_BROKER_HOOK_TOKEN: z.string().min(24, 'at least 24 characters').max(256).optional(),
  EDGEFLEET_REPLICA_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _, . and -, at most 64').optional(),
  EDGEFLEET_LEASE_TTL_S: z.coerce.number().int().min(5).max(3600).optional(),
  EDGEFLEET_BROKER_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64').optional(),
  EDGEFLEET_BROKER_URL: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseBrokerUrl(value);
      } catch (error) {
        // The message states the rule; the value is never echoed (it may hold a password).
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      }
    })
    .optional(),
});

/** Every EDGEFLEET_* name the hub reads (EDGEFLEET_CODE_VERSION: adapters/code-version.ts). */
const HUB_SETTING_NAMES: readonly string[] = [...Object.keys(envSchema.shape), 'EDGEFLEET_CODE_VERSION'];

/** Variables that look like a misspelt hub setting: the hub warns at start instead of ignoring them silently. */
export const misspeltHubSettings = (env: NodeJS.ProcessEnv): MisspeltSetting[] => misspeltSettings(env, HUB_SETTING_NAMES);

/** Reads hub options from the environment; a bad value throws an error naming the variable. */
export function hubOptionsFromEnv(env: NodeJS.ProcessEnv): HubOptions {
  // Empty variables count as unset (a common shell and compose-file artefact).
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('EDGEFLEET_') && value !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid hub configuration: ${problems}`);
  }
  const e = result.data;
  const options: HubOptions = { dataDir: e.EDGEFLEET_DATA_DIR ?? DEFAULTS.dataDir };
  if (e.EDGEFLEET_DATABASE_URL !== undefined) options.databaseUrl = e.EDGEFLEET_DATABASE_URL;
  if (e.EDGEFLEET_HTTP_PORT !== undefined) options.httpPort = e.EDGEFLEET_HTTP_PORT;
  if (e.EDGEFLEET_MQTT_PORT !== undefined) options.mqttPort = e.EDGEFLEET_MQTT_PORT;
  if (e.EDGEFLEET_BROKER_URL !== undefined) options.brokerUrl = e.EDGEFLEET_BROKER_URL;
  if (e.EDGEFLEET_BROKER_CLIENT_ID !== undefined) options.brokerClientId = e.EDGEFLEET_BROKER_CLIENT_ID;
  if (e.EDGEFLEET_REPLICA_ID !== undefined) options.replicaId = e.EDGEFLEET_REPLICA_ID;
  if (e.EDGEFLEET_LEASE_TTL_S !== undefined) options.leaseTtlS = e.EDGEFLEET_LEASE_TTL_S;
  if (e.EDGEFLEET_BROKER_HOOK_TOKEN !== undefined) options.brokerHookToken = e.EDGEFLEET_BROKER_HOOK_TOKEN;
  if (e.EDGEFLEET_BROKER_SHARE_GROUP !== undefined) {
    if (e.EDGEFLEET_BROKER_URL === undefined) throw new Error('invalid hub configuration: EDGEFLEET_BROKER_SHARE_GROUP: needs EDGEFLEET_BROKER_URL (replicas share an external broker)');
    options.brokerShareGroup = e.EDGEFLEET_BROKER_SHARE_GROUP;
  }
  if (e.EDGEFLEET_BROKER_PROVISIONING !== undefined) {
    if (e.EDGEFLEET_BROKER_URL === undefined && e.EDGEFLEET_BROKER_PROVISIONING !== 'none') throw new Error('invalid hub configuration: EDGEFLEET_BROKER_PROVISIONING: needs EDGEFLEET_BROKER_URL (the embedded broker checks devices against the database itself)');
    options.brokerProvisioning = e.EDGEFLEET_BROKER_PROVISIONING;
  }
  if (e.EDGEFLEET_HOST !== undefined) options.host = e.EDGEFLEET_HOST;
  if (e.EDGEFLEET_ADMIN_TOKEN !== undefined) options.adminToken = e.EDGEFLEET_ADMIN_TOKEN;
  if (e.EDGEFLEET_PUBLIC_URL !== undefined) options.publicUrl = e.EDGEFLEET_PUBLIC_URL;
  if (e.EDGEFLEET_CONSOLE_DIR !== undefined) options.consoleDir = e.EDGEFLEET_CONSOLE_DIR;
  const tls = tlsFromEnv(e.EDGEFLEET_TLS_CERT, e.EDGEFLEET_TLS_KEY, e.EDGEFLEET_PUBLIC_URL);
  if (tls) options.tls = tls;
  if (e.EDGEFLEET_BROKER_CA_FILE !== undefined) {
    if (!/^(mqtts|wss):/.test(e.EDGEFLEET_BROKER_URL ?? '')) throw new Error('invalid hub configuration: EDGEFLEET_BROKER_CA_FILE: needs an mqtts:// or wss:// EDGEFLEET_BROKER_URL');
    options.brokerCaFile = e.EDGEFLEET_BROKER_CA_FILE;
  }
  if (e.EDGEFLEET_MAX_MODEL_BYTES !== undefined) options.maxModelBytes = e.EDGEFLEET_MAX_MODEL_BYTES;
  if (e.EDGEFLEET_MODEL_MEMORY_LIMIT_MB !== undefined) options.modelMemoryLimitMb = e.EDGEFLEET_MODEL_MEMORY_LIMIT_MB;
  if (e.EDGEFLEET_MODEL_TIMEOUT_S !== undefined) options.modelTimeoutS = e.EDGEFLEET_MODEL_TIMEOUT_S;
  if (e.EDGEFLEET_DEPLOYMENT_TTL_S !== undefined) options.deploymentTtlS = e.EDGEFLEET_DEPLOYMENT_TTL_S;
  if (e.EDGEFLEET_STATS_INTERVAL_S !== undefined) options.statsIntervalS = e.EDGEFLEET_STATS_INTERVAL_S;
  if (e.EDGEFLEET_ALERT_WEBHOOK_URL !== undefined) options.alertWebhookUrl = e.EDGEFLEET_ALERT_WEBHOOK_URL;
  if (e.EDGEFLEET_ALERT_WEBHOOK_SECRET !== undefined) options.alertWebhookSecret = e.EDGEFLEET_ALERT_WEBHOOK_SECRET;
  if (e.EDGEFLEET_DRIFT_SCHEDULE !== undefined) options.driftSchedule = e.EDGEFLEET_DRIFT_SCHEDULE;
  if (e.EDGEFLEET_DRIFT_PERIOD_S !== undefined) options.driftPeriodS = e.EDGEFLEET_DRIFT_PERIOD_S;
  if (e.EDGEFLEET_RETRAIN_SCHEDULE !== undefined) options.retrainSchedule = e.EDGEFLEET_RETRAIN_SCHEDULE;
  if (e.EDGEFLEET_INTEGRITY_SCHEDULE !== undefined) options.integritySchedule = e.EDGEFLEET_INTEGRITY_SCHEDULE;
  if (e.EDGEFLEET_INTEGRITY_RATE_MB_S !== undefined) options.integrityRateBytesPerS = e.EDGEFLEET_INTEGRITY_RATE_MB_S * 1024 * 1024;
  return options;
}

/** Both files or neither; devices must be told https:// when the hub only speaks TLS. */
function tlsFromEnv(certFile: string | undefined, keyFile: string | undefined, publicUrl: string | undefined): HubTlsOptions | null {
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined) throw new Error('invalid hub configuration: EDGEFLEET_TLS_CERT: must be set with EDGEFLEET_TLS_KEY (both or neither)');
  if (keyFile === undefined) throw new Error('invalid hub configuration: EDGEFLEET_TLS_KEY: must be set with EDGEFLEET_TLS_CERT (both or neither)');
  if (publicUrl?.startsWith('http:')) throw new Error('invalid hub configuration: EDGEFLEET_PUBLIC_URL: must be https:// when EDGEFLEET_TLS_CERT is set (the hub serves HTTPS only)');
  return { certFile, keyFile };
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** The address local clients (tests, the CLI) use to reach a listener bound to `host`. */
export function localHost(host: string): string {
  if (WILDCARD_HOSTS.has(host)) return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** How devices reach the hub and its broker when the operator does not say; `tls`: the hub's own listeners are TLS. */
export function deviceUrls(publicUrl: string | undefined, host: string, httpPort: number, mqttPort: number, tls = false): { publicUrl: string; mqttUrl: string; wsUrl: string } {
  // URL.hostname keeps IPv6 brackets. A specific bind address is the only one that works; a wildcard one is best named localhost.
  const base = new URL(publicUrl ?? `${tls ? 'https' : 'http'}://${WILDCARD_HOSTS.has(host) ? 'localhost' : localHost(host)}:${httpPort}`);
  const cleanBase = base.href.replace(/\/+$/, '');
  const ws = new URL(cleanBase);
  ws.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.pathname = `${ws.pathname.replace(/\/+$/, '')}/mqtt`;
  return { publicUrl: cleanBase, mqttUrl: `${tls ? 'mqtts' : 'mqtt'}://${base.hostname}:${mqttPort}`, wsUrl: ws.href };
}
