/**
 * startHub: the composition root. Config -> data dir -> keys, trust, admin token -> database ->
 * artifacts -> broker (retained cache rebuilt before anyone can connect) -> HTTP + WebSocket.
 * The broker is the embedded aedes, or with `brokerUrl` a client of an external broker (then no
 * MQTT listener and no /mqtt WebSocket here). With `tls` every listener is TLS (HTTPS, wss://,
 * mqtts://) and none stays plaintext.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { allDevicesTopic, parseDeviceTopic, type SigningKey } from '@edgefleet/protocol';
import { KeyedLock } from './core/keyed-lock';
import { DEFAULT_ADMISSION_LIMITS, PublishAdmission } from './core/publish-admission';
import { RejectionTracker } from './core/rejection-tracker';
import { ignoredTokenFile, loadOrCreateAdminToken } from './adapters/admin-token';
import { createArtifactStore } from './adapters/artifacts';
import { readCodeVersion } from './adapters/code-version';
import type { BrokerAdapter } from './adapters/broker/broker';
import { createEmbeddedBroker, type EmbeddedBroker } from './adapters/broker/embedded';
import { DEFAULT_HUB_CLIENT_ID, createExternalBroker } from './adapters/broker/external';
import { mosquittoDynsecProvisioner, dynsecClient } from './adapters/broker/mosquitto-dynsec';
import { noProvisioning, type BrokerProvisioner } from './adapters/broker/provisioner';
import { deviceDecommissionedAt, deviceSecretStore, markAllOffline } from './adapters/db/devices';
import { singletonGate } from './services/singleton-work';
import { leaseTimingFor } from './core/leases/lease-policy';
import { openDatabase, type OpenedDb } from './adapters/db/open';
import { TrustChain } from './services/trust/trust-chain';
import { watchTrust } from './services/trust/follow-up';
import { closeHttp, createHttpServer, listen, tlsTargets } from './adapters/http-server';
import { loadTls, readCaFile, serverTlsOptions, tlsReloader, warnAboutCertificate, type TlsMaterial, type TlsReloadOutcome } from './adapters/tls';
import { jsonLogger } from './adapters/logger';
import { deviceCredentialVerifier } from './adapters/secrets';
import { DEFAULTS, deviceUrls, localHost, type HubOptions } from './config';
import { parseBrokerUrl } from './core/broker-url';
import { createApp } from './http/app';
import { releaseManifests } from './services/models/release-manifests';
import type { HubContext } from './services/context';
import { refreshExpiringDocs, republishRetained } from './services/devices/deployments';
import { ingestBatcher } from './services/statistics/ingest-batcher';
import { createTrainingRunner } from './services/training/training-runner';
import { createScheduler } from './adapters/scheduler';
import { runContinuousTraining } from './services/training/continuous-training';
import { driftJobSchedule, runDriftEvaluation } from './services/drift/drift-job';
import { reconcileAllRollouts } from './services/rollouts/rollouts';
import { deliverDueNotifications } from './services/drift/notifications';
import { recordAuthFailure } from './services/auth-failures';
import { INTEGRITY_JOB, watchFileIntegrity } from './services/artifacts/integrity-events';
import { runIntegrityCheck } from './services/artifacts/integrity-check';
import { DEFAULT_SANDBOX_LIMITS, closeIdleSandboxes, configureModelSandbox } from './adapters/model-sandbox/sandbox';

export interface Hub {
  /** e.g. http://127.0.0.1:41234 (https:// with tls) */
  httpUrl: string;
  /** mqtt://127.0.0.1:<port> (mqtts:// with tls); with an external broker, its URL without credentials */
  mqttUrl: string;
  /** ws://127.0.0.1:<httpPort>/mqtt (wss:// with tls); with an external broker, its URL without credentials (whatever the scheme) */
  wsUrl: string;
  adminToken: string;
  /** lets in-process tests sign attack docs */
  releaseKey: SigningKey;
  /** publish as the hub itself (bypasses the ACL), e.g. tests injecting a forged doc */
  publish(topic: string, payload: Uint8Array | string, opts?: { retain?: boolean }): Promise<void>;
  /**
   * Installs a new TLS certificate and key for new connections, on HTTPS and MQTT alike: `next`,
   * or else the files of `tls` read again (SIGHUP does this). A pair that fails its checks is
   * refused and logged; the served one stays. Without tls: `{ ok: false }`.
   */
  reloadTls(next?: TlsMaterial): Promise<TlsReloadOutcome>;
  /** closes HTTP, WebSocket, the MQTT listener, the broker (or the external broker connection) and the database; idempotent */
  close(): Promise<void>;
}

const INGESTED_KINDS = ['state', 'events', 'online', 'stats'] as const;

export async function startHub(options: HubOptions): Promise<Hub> {
  const logger = options.logger ?? jsonLogger();
  const now = options.now ?? (() => new Date());
  const host = options.host ?? DEFAULTS.host;
  const dataDir = resolve(options.dataDir);
  const replicaId = options.replicaId ?? hostname();
  // Before anything is created: a missing or bad certificate stops the start with the file named.
  const tls = options.tls ? await loadTls(options.tls) : null;
  if (tls && options.publicUrl?.startsWith('http:')) throw new Error('publicUrl (EDGEFLEET_PUBLIC_URL) must be https:// when TLS is on: the hub serves HTTPS only');
  const brokerCa = options.brokerCaFile === undefined ? undefined : await readCaFile(options.brokerCaFile, 'EDGEFLEET_BROKER_CA_FILE');
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  // Uploaded models load and run in sandbox children under these limits (issue 16, item 2).
  configureModelSandbox({
    memoryMb: options.modelMemoryLimitMb ?? DEFAULT_SANDBOX_LIMITS.memoryMb,
    timeoutMs: options.modelTimeoutS === undefined ? DEFAULT_SANDBOX_LIMITS.timeoutMs : options.modelTimeoutS * 1000,
  });

  const keys = await TrustChain.open(dataDir, now(), logger);
  const adminToken = options.adminToken !== undefined ? { token: options.adminToken, generated: false, path: '' } : await loadOrCreateAdminToken(dataDir);
  if (adminToken.generated) {
    // Printed once, to the console rather than the log stream, and never again.
    process.stdout.write(`\nedgefleet: generated admin token (saved to ${adminToken.path}):\n  ${adminToken.token}\n\n`);
  }
  const ignoredFile = options.adminToken !== undefined ? await ignoredTokenFile(dataDir, options.adminToken) : null;
  if (ignoredFile) logger.warn('the admin token was given (EDGEFLEET_ADMIN_TOKEN): the admin-token file in the data dir holds another token, which this hub refuses (remove the file, or unset the variable to use it)', { file: ignoredFile });

  const cleanups: Array<() => Promise<void> | void> = [];
  // Idle sandbox children go with the hub (they would exit on their own a little later).
  cleanups.push(() => closeIdleSandboxes());
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        logger.error('error while closing the hub', { error: String(error) });
      }
    }
  };

  try {
    const opened: OpenedDb = await openDatabase(options.databaseUrl !== undefined ? { url: options.databaseUrl } : { path: join(dataDir, 'edgefleet.db') }, {
      onIdleConnectionLost: (error) => logger.warn('database connection lost while idle; the next query connects again', { reason: error.message }),
    });
    cleanups.push(() => opened.close());
    for (const warning of opened.warnings) logger.warn(warning);
    const { db } = opened;
    // An external broker keeps the hub's session while it is away and delivers the devices'
    // online messages and wills queued meanwhile; devices stay connected to it across a hub
    // restart, so the last known presence is the better guess there.
    if (options.brokerUrl === undefined) await markAllOffline(db);
    const artifacts = await createArtifactStore(dataDir);
    const datasets = await createArtifactStore(dataDir, 'datasets');
    const probes = await createArtifactStore(dataDir, 'probes');
    const credentials = await deviceCredentialVerifier(deviceSecretStore(db), { dataDir, logger, now: () => Date.now() });

    let closing = false;
    const ctxRef: { current: HubContext | null } = { current: null };
    let embedded: EmbeddedBroker | null = null;
    const admission = new PublishAdmission(options.admissionLimits ?? DEFAULT_ADMISSION_LIMITS);
    let broker: BrokerAdapter;
    if (options.brokerUrl === undefined) {
      embedded = await createEmbeddedBroker({
        verifyCredentials: (id, secret, source) => credentials.verify(id, secret, source),
        onAuthFailure: ({ deviceId, source, malformed }) => ctxRef.current && recordAuthFailure(ctxRef.current, { transport: 'mqtt', deviceId, source, ...(malformed ? { reason: 'malformed credentials' as const } : {}) }),
        logger,
        // Queued with the device messages and written in their batches, once per device per batch.
        onDeviceConnected: (id) => ctxRef.current && !closing && ingestBatcher(ctxRef.current).presence(id, true),
        onDeviceDisconnected: (id) => ctxRef.current && !closing && ingestBatcher(ctxRef.current).presence(id, false),
        admitPublish: (id, topic) => {
          const parsed = parseDeviceTopic(topic);
          // The ACL has already checked the topic; only a device topic of a publishing kind gets here.
          return parsed && parsed.kind !== 'desired' ? admission.admit(id, parsed.kind, Date.now()) : { allow: true };
        },
        ...(tls ? { tls: serverTlsOptions(tls.material) } : {}),
      });
      broker = embedded;
    } else {
      broker = await createExternalBroker({
        url: options.brokerUrl,
        logger,
        ...(options.brokerClientId === undefined ? {} : { clientId: options.brokerClientId }),
        ...(options.brokerShareGroup === undefined ? {} : { shareGroup: options.brokerShareGroup }),
        ...(options.brokerConnectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.brokerConnectTimeoutMs }),
        ...(brokerCa === undefined ? {} : { ca: brokerCa }),
        // The broker may have lost its retained messages (a restart without persistence).
        onReconnect: () => {
          const ctx = ctxRef.current;
          if (!ctx || closing) return;
          republishRetained(ctx).then(
            (count) => logger.info('retained cache republished after reconnect', { deploymentDocs: count }),
            (error: unknown) => logger.error('could not republish the retained cache', { error: String(error) }),
          );
        },
      });
    }
    cleanups.push(() => broker.close());
    let provisioner: BrokerProvisioner = noProvisioning;
    if (options.brokerUrl !== undefined && options.brokerProvisioning === 'mosquitto-dynsec') {
      const hubUser = parseBrokerUrl(options.brokerUrl).username;
      if (hubUser === undefined) throw new Error('EDGEFLEET_BROKER_PROVISIONING=mosquitto-dynsec: EDGEFLEET_BROKER_URL must name the hub user (mqtt://user:password@host:port)');
      provisioner = await mosquittoDynsecProvisioner(await dynsecClient(broker), { hubUser, hubClientId: options.brokerClientId ?? DEFAULT_HUB_CLIENT_ID, logger });
      await provisioner.reconcile(async (id) => (await deviceDecommissionedAt(db, id))?.decommissionedAt === null);
    }

    // Scheduled jobs run on the replica holding this lease (services/singleton-work.ts); a hub
    // restarted under the same replica id takes its own lease back at once.
    const jobsGate = singletonGate(db, {
      name: 'scheduled-jobs',
      holder: replicaId,
      logger,
      now: () => now().getTime(),
      ...(options.leaseTtlS === undefined ? {} : { timing: leaseTimingFor(options.leaseTtlS) }),
    });

    const ctx: HubContext = {
      db,
      artifacts,
      datasets,
      probes,
      codeVersion: await readCodeVersion(),
      keys,
      signDoc: keys.signDoc,
      releases: releaseManifests(db),
      broker,
      provisioner,
      ...(options.brokerHookToken === undefined ? {} : { brokerHookToken: options.brokerHookToken }),
      credentials,
      logger,
      now,
      adminToken: adminToken.token,
      adminTokenSource: options.adminToken !== undefined ? 'given' : 'file',
      urls: { publicUrl: '', mqttUrl: '', wsUrl: '' },
      maxModelBytes: options.maxModelBytes ?? DEFAULTS.maxModelBytes,
      deploymentTtlS: options.deploymentTtlS ?? DEFAULTS.deploymentTtlS,
      statsIntervalS: options.statsIntervalS ?? DEFAULTS.statsIntervalS,
      ...(options.driftPeriodS === undefined ? {} : { driftPeriodS: options.driftPeriodS }),
      locks: { devices: new KeyedLock(), models: new KeyedLock(), rollouts: new KeyedLock() },
      ingest: { received: { state: 0, events: 0, online: 0, stats: 0 }, rejected: new RejectionTracker(60 * 60_000) },
      training: createTrainingRunner({ replicaId, ...(options.leaseTtlS === undefined ? {} : { leaseMs: options.leaseTtlS * 1000 }) }),
      alerting: { webhook: options.alertWebhookUrl ? { url: options.alertWebhookUrl, ...(options.alertWebhookSecret ? { secret: options.alertWebhookSecret } : {}) } : null },
      jobs: createScheduler(logger, now, jobsGate),
    };
    ctxRef.current = ctx;
    watchFileIntegrity(ctx);

    // Device messages are committed in batches; a handler's promise settles once its batch
    // committed (the broker holds the PUBACK on it). On close, what is queued is committed before
    // the broker and the database close; anything later is never settled (services/statistics/ingest-batcher.ts).
    const batcher = ingestBatcher(ctx);
    cleanups.push(() => batcher.close());
    for (const kind of INGESTED_KINDS) {
      await broker.subscribe(allDevicesTopic(kind), (message) => batcher.ingest(message), { shared: true });
    }
    // The retained cache is complete before the first device can connect (the embedded broker is
    // seeded straight from the database: 10,000 docs in well under a second).
    const republished = await republishRetained(ctx);
    // Trust versions other replicas publish, and what follows them (services/trust/follow-up.ts).
    cleanups.push(watchTrust(ctx));
    addScheduledJobs(ctx, options);

    const mqttPort = embedded ? await embedded.listen(options.mqttPort ?? (tls ? DEFAULTS.mqttTlsPort : DEFAULTS.mqttPort), host) : null;
    // Docs past half their lifetime are still valid: re-signing them need not hold the listener back.
    await refreshExpiringDocs(ctx);
    const fetch = createApp(ctx, { ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}) }).fetch;
    const server = createHttpServer(fetch, host, tls);
    embedded?.attachWebSocket(server, '/mqtt');
    const httpPort = await listen(server, options.httpPort ?? DEFAULTS.httpPort, host);
    cleanups.push(() => closeHttp(server));
    const reloader = tls && options.tls ? tlsReloader(options.tls, tls, tlsTargets(server, embedded?.tlsServer() ?? null), logger) : null;
    cleanups.push(() => reloader?.close());
    // Runs before closeHttp (cleanups run in reverse): the WebSocket sessions must end first.
    cleanups.push(() => embedded?.terminateWebSockets());
    cleanups.push(() => {
      closing = true;
    });

    const local = localHost(host);
    const derived = deviceUrls(options.publicUrl, host, httpPort, mqttPort ?? 0, tls !== null);
    if (tls) warnAboutCertificate(tls, derived.publicUrl, now(), logger);
    // Devices reach an external broker where the hub does (an agent may override it with its own EDGEFLEET_BROKER_URL).
    const external = options.brokerUrl === undefined ? null : parseBrokerUrl(options.brokerUrl).url;
    ctx.urls = external ? { publicUrl: derived.publicUrl, mqttUrl: external, wsUrl: external } : derived;
    // Training registers versions with the public URL in their manifests: start (and resume) only now.
    // Closed first on shutdown: the worker stops before the database closes.
    cleanups.push(() => ctx.training.close());
    await ctx.training.start(ctx);
    // Jobs stop (and finish their run in progress) before the training worker and the database close.
    ctx.jobs.start();
    // Runs in reverse: the jobs stop first, then the lease is given up for another replica.
    cleanups.push(() => jobsGate.release());
    cleanups.push(() => ctx.jobs.close());
    const s = tls ? 's' : '';
    const hub: Hub = {
      httpUrl: `http${s}://${local}:${httpPort}`,
      mqttUrl: external ?? `mqtt${s}://${local}:${mqttPort}`,
      wsUrl: external ?? `ws${s}://${local}:${httpPort}/mqtt`,
      adminToken: adminToken.token,
      get releaseKey() {
        return keys.release;
      },
      publish: (topic, payload, opts) => broker.publish(topic, payload, opts),
      reloadTls: (next) => reloader?.reload(next) ?? Promise.resolve({ ok: false, reason: 'TLS is off (EDGEFLEET_TLS_CERT is not set)' }),
      close: once(closeAll),
    };
    // The pid is what SIGHUP (reload the certificate) goes to: `npm start` does not pass it on.
    logger.info('hub started', { http: hub.httpUrl, mqtt: hub.mqttUrl, ws: hub.wsUrl, publicUrl: ctx.urls.publicUrl, dataDir, republished, trustVersion: keys.trust.version, pid: process.pid, ...(tls ? { tlsCertificate: tls.summary } : {}) });
    return hub;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The hub's cron jobs (each also runs on demand: POST /api/v1/jobs/{name}/run). */
function addScheduledJobs(ctx: HubContext, options: HubOptions): void {
  ctx.jobs.add({
    name: 'drift-evaluation',
    description: 'evaluates every version with statistics in the last day on its complete hours, and opens, updates or resolves drift alerts',
    schedule: options.driftSchedule ?? driftJobSchedule(options.driftPeriodS),
    run: () => runDriftEvaluation(ctx),
  });
  ctx.jobs.add({
    name: 'continuous-training',
    description: 'retrains versions whose drift persisted when newer labelled data exist (registers a candidate, never deploys it)',
    schedule: options.retrainSchedule ?? DEFAULTS.retrainSchedule,
    run: () => runContinuousTraining(ctx),
  });
  ctx.jobs.add({
    name: 'rollout-controller',
    description: 'reconciles every rollout: assignments, device statuses, bake times, gates, thresholds, deadlines, rollbacks (also right after device reports)',
    schedule: options.rolloutSchedule ?? DEFAULTS.rolloutSchedule,
    run: () => reconcileAllRollouts(ctx),
  });
  ctx.jobs.add({ name: 'webhook-delivery', description: 'delivers queued notifications to the alert webhook, with retries', schedule: '* * * * *', run: () => deliverDueNotifications(ctx) });
  ctx.jobs.add({ name: 'refresh-deployment-docs', description: 're-signs deployment docs past half their lifetime', schedule: '17 * * * *', run: () => refreshExpiringDocs(ctx) });
  ctx.jobs.add({
    name: INTEGRITY_JOB,
    description: 're-hashes stored model files, probe blobs, datasets and sample inputs not hashed in a day, at a bounded rate; a corrupt one is not served until the same bytes are uploaded again',
    schedule: options.integritySchedule ?? DEFAULTS.integritySchedule,
    run: () => runIntegrityCheck(ctx, options.integrityRateBytesPerS === undefined ? {} : { rateBytesPerS: options.integrityRateBytesPerS }),
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | null = null;
  return () => (result ??= fn());
}
