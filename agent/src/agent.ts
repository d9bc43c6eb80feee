/**
 * startAgent: the composition root. Order matters and reads as stages:
 * recover state -> serve the last good model from disk -> open the local API -> start the
 * reconcile loop -> (background) bootstrap trust/broker and connect MQTT.
 * It resolves as soon as the local API listens, whether or not the hub is reachable.
 */
import { join } from 'node:path';
import type { DeviceEvent, ReportedState } from '@edgefleet/protocol';
import { cachedFilesOf, DEFAULT_STATS_INTERVAL_S, giveUpInstall, isShadowInstallStep, msgIdSource, PersistedInstallAttempts, type Observed, type TypedTensor } from '@edgefleet/device-core';
import { basicAuth, fetchReleaseManifest } from './adapters/hub-client';
import { hubHttp } from './adapters/hub-http';
import { createLocalApi, serveLocalApi, type LocalServer } from './adapters/local-api';
import { ModelFiles } from './adapters/model-files';
import { connectMqttLink, redactUrl as redactedBroker, type MqttLink } from './adapters/mqtt-link';
import { Outbox } from './adapters/outbox';
import { fetchTrustVersion } from './adapters/trust-fetch';
import { RUNTIME_VERSION } from './adapters/runtime';
import { SandboxPassed } from './adapters/sandbox-passed';
import { AgentStore } from './adapters/store';
import { startBatch, type Batch } from './batch/start';
import { bootstrap } from './bootstrap';
import { resolveOptions, type AgentOptions } from './config';
import type { BatchSummary } from './core/batch/job';
import type { ModelDescription } from './core/model-description';
import { servingDescriber } from './describe-serving';
import { DocHandler } from './doc-handler';
import { reportable } from './errors';
import { HubLink, type LocalStatus } from './hub-link';
import { Predictor, type Prediction, type PredictionIds } from './predictor';
import { guardedLogger } from './logger';
import { Reconciler } from './reconciler';
import { runStep } from './run-steps';
import { ShadowRunner } from './shadow-runner';
import { SlowRetry } from './slow-retry';
import { StatsRecorder } from './stats-recorder';
import { loadActiveFromDisk, recoverState } from './startup';
import { AGENT_VERSION } from './version';
import { World } from './world';

export type { TypedTensor } from '@edgefleet/device-core';
export type { Prediction } from './predictor';


export interface Agent {
  /** base URL of the local API, e.g. http://127.0.0.1:8181 */
  localUrl: string;
  /**
   * In-process inference on the serving model: what POST /v1/predict does, without JSON. Each
   * input is one of the model's inputs (`release.io.inputs`) with its type, dims of its rank
   * (fixed sizes matched) and data in that type's typed array (`Float32Array` for float32,
   * `BigInt64Array` for int64, a `Uint8Array` of 0/1 for bool, a string array for string) holding
   * as many elements as the dims say; the arrays are handed to onnxruntime as they are (not
   * copied, elements not inspected), so they must not change until the returned promise settles.
   * The request is counted in the statistics window and offered to a running shadow (a copy)
   * exactly like an HTTP one. `options.key` is the request key of a traffic ramp-up (1 to 256
   * characters, as `key` of POST /v1/predict): while the doc gives its shadow a share of the
   * requests, the same key is always answered by the same version; `model` and `version` say which.
   * Throws AgentError: E_NO_MODEL before a model serves, E_SCHEMA naming the input and field
   * (`inputs.state.dims: ...`), E_INFERENCE when onnxruntime fails.
   */
  predict(inputs: Readonly<Record<string, TypedTensor>>, options?: PredictOptions): Promise<Prediction>;
  /** the same body as GET /v1/status: the reported state's fields, `hub` (connected, credentials refused, ...) and `batch` (the batch jobs queued and running) */
  status(): AgentStatus;
  /** the same body as GET /v1/model: the serving model's inputs, outputs and an example request; AgentError E_NO_MODEL before one serves */
  describeModel(): Promise<ModelDescription>;
  /** every reported state, also while offline; returns an unsubscribe function */
  onReport(listener: (state: ReportedState) => void): () => void;
  /** every device event, also while offline; returns an unsubscribe function */
  onEvent(listener: (event: DeviceEvent) => void): () => void;
  /**
   * Lets the shadow comparisons of the predictions answered so far finish, then closes the
   * current statistics window now (if it has anything) and resolves once it is on disk; it goes
   * out through the outbox as soon as the MQTT link is up.
   */
  flushStats(): Promise<void>;
  /** stops the loop, MQTT, the local API and the sessions; idempotent */
  close(): Promise<void>;
}

export type AgentStatus = LocalStatus & { batch: BatchSummary | null };

/** Per request options of the in-process `predict`. */
export interface PredictOptions {
  /** sticky routing during a traffic ramp-up (POST /v1/predict `key`) */
  key?: string;
}

export async function startAgent(input: AgentOptions): Promise<Agent> {
  const options = resolveOptions(input);
  const logger = guardedLogger(input.logger, options.deviceSecret);
  const authorization = basicAuth(options.deviceId, options.deviceSecret);
  const http = hubHttp(options.ca);
  const hubLink = new HubLink({ deviceId: options.deviceId, now: options.now, logger, credentialRetryMs: options.tuning.credentialRetryMs });

  const files = new ModelFiles(options.dataDir);
  await files.ensureDirs();
  const store = new AgentStore(options.dataDir);
  const { persisted, trust } = await recoverState(store, logger);
  const world = new World(persisted, trust, {
    deviceId: options.deviceId,
    store,
    now: options.now,
    logger,
    runtime: `onnxruntime-node ${RUNTIME_VERSION}`,
    agentVersion: AGENT_VERSION,
  });
  let batch: Batch | null = null;
  const status = (): AgentStatus => ({ ...world.status(), hub: hubLink.status(), batch: batch?.summary() ?? null });
  if (trust.kind === 'corrupt') world.setError({ code: 'E_TRUST_STATE', message: trust.reason.slice(0, 2000) });
  world.freeDiskBytes = await files.freeBytes();

  // Serve before any network (restart, hub down): the active model straight from disk.
  world.serving = await loadActiveFromDisk(persisted, files, logger);

  // Statistics: one window per version and interval, stored before it is sent (store and forward).
  const outbox = await Outbox.open({ dir: join(options.dataDir, 'outbox'), maxWindows: options.tuning.statsOutboxMaxWindows, logger });
  const stats = new StatsRecorder({ device: options.deviceId, now: options.now, random: Math.random, msgId: msgIdSource(), sink: (window) => outbox.add(window), logger });
  stats.activate(world.serving?.release ?? null);
  const stopServingWatch = world.onServingChanged((model) => stats.activate(model?.release ?? null));
  const applyStatsInterval = () => stats.setIntervalS(world.persisted.desired?.statsIntervalS ?? DEFAULT_STATS_INTERVAL_S);
  applyStatsInterval();
  // Shadow mode: the running shadow's comparisons go into the serving version's window.
  const stopShadowWatch = world.onShadowChanged((model) => stats.setShadow(model?.release ?? null));
  const shadows = new ShadowRunner({ running: () => world.runningShadow(), stats, capacity: options.tuning.shadowQueueMax, logger });

  // Prediction ids: a per-process random prefix and a counter (as window ids), unique per request;
  // the time from the injected clock, or Date.now without one (no Date object per request).
  const nowMs = input.now === undefined ? Date.now : () => options.now().getTime();
  const ids: PredictionIds = { device: options.deviceId, nowMs, nonce: msgIdSource() };
  const predictor = new Predictor(world, stats, shadows, ids);
  const describeServing = servingDescriber(world, files);
  // Batch jobs run on the serving model beside live requests, counted in the same statistics.
  const batchTuning = { checkpointRows: options.tuning.batchCheckpointRows, checkpointMs: options.tuning.batchCheckpointMs, runRows: options.tuning.batchRunRows, liveWaitMs: options.tuning.batchLiveWaitMs };
  const jobs = await startBatch({ batchDir: options.batchDir, dataDir: options.dataDir, serving: () => world.serving, stats, logger, tuning: batchTuning, now: options.now });
  batch = jobs;
  const stopBatchWatch = world.onServingChanged(() => jobs.servingChanged());
  let server: LocalServer;
  try {
    const access = { bindHost: options.host, allowedOrigins: options.allowedOrigins, allowedHosts: options.allowedHosts };
    server = await serveLocalApi(createLocalApi({ status, model: describeServing, predict: (body) => predictor.json(body), access, batch: jobs.api, live: jobs.live }), options.host, options.port);
  } catch (error) {
    stopBatchWatch();
    await jobs.close();
    stopServingWatch();
    stopShadowWatch();
    await shadows.close();
    await stats.stop();
    await world.serving?.retire();
    await http.close();
    throw new Error(`agent local API could not listen on ${options.host}:${options.port}`, { cause: error });
  }

  let closing: Promise<void> | null = null;
  const sandboxPassed = new SandboxPassed(options.dataDir);
  const reconciler = new Reconciler({
    observe: async (): Promise<Observed> => ({
      serving: world.serving?.release ?? null,
      candidate: world.candidate ? { release: world.candidate.model.release, probed: world.candidate.probed } : null,
      shadow: world.shadow ? { release: world.shadow.model.release, probed: world.shadow.probed } : null,
      shadowFailed: world.shadowFailure,
      cached: await files.listCached(),
      retained: [world.persisted.active, world.persisted.previous].flatMap((r) => (r ? cachedFilesOf(r.manifest) : [])),
      announcedSeq: world.announcedSeq,
      failedSeq: world.persisted.failure?.seq ?? null,
    }),
    desired: () => {
      const desired = world.persisted.desired;
      return desired ? { seq: desired.seq, release: desired.release.manifest, downgrade: desired.downgrade, shadow: desired.shadow?.manifest ?? null } : null;
    },
    run: (step, signal) => runStep(step, { world, files, options, authorization, fetch: http.fetch, logger, sandboxPassed, signal }),
    giveUp: async (step, error) => {
      await giveUpInstall(step, error, world, { reportable, logger });
      // A network failure must not strand the device on its old model until the next doc or
      // restart: try the same doc again after the longest backoff (a bad model is never retried).
      if (!isShadowInstallStep(step) && error.transient) slowRetry.schedule(step.seq);
    },
    settled: () => world.setActivity({ kind: 'settled' }),
    retry: { baseMs: options.tuning.retryBaseMs, maxMs: options.tuning.retryMaxMs, maxAttempts: options.tuning.maxInstallAttempts },
    // Counted on disk before each load and probe: a model that gets the agent killed gives up too.
    attempts: new PersistedInstallAttempts(store.installAttempts),
    logger,
  });

  const slowRetry = new SlowRetry(options.tuning.retryMaxMs, async (seq) => {
    const failure = world.persisted.failure;
    if (closing || !failure?.transient || failure.seq !== seq) return;
    logger.info('retrying an install that failed transiently', { seq, code: failure.error.code });
    await world.update((state) => ({ ...state, failure: null }));
    reconciler.trigger();
  });

  const onAccepted = () => {
    applyStatsInterval();
    reconciler.trigger();
  };
  const docs = new DocHandler({
    world,
    store,
    deviceId: options.deviceId,
    now: options.now,
    logger,
    onAccepted,
    fetchRelease: (ref) => fetchReleaseManifest(options.hubUrl, authorization, ref, undefined, http.fetch),
    fetchTrust: (version) => fetchTrustVersion(options.hubUrl, authorization, version, http.fetch),
    retry: { baseMs: options.tuning.retryBaseMs, maxMs: options.tuning.retryMaxMs },
  });

  let link: MqttLink | null = null;
  const bootstrapAbort = new AbortController();
  const bootstrapped = bootstrap({
    world,
    store,
    options,
    authorization,
    fetch: http.fetch,
    hubLink,
    logger,
    signal: bootstrapAbort.signal,
    connect: (brokerUrl) => {
      link = connectMqttLink({
        brokerUrl,
        deviceId: options.deviceId,
        secret: options.deviceSecret,
        reconnectPeriodMs: options.tuning.mqttReconnectMs,
        refusedReconnectPeriodMs: options.tuning.credentialRetryMs,
        ca: options.ca,
        logger,
        onDesired: (bytes) => void docs.desired(bytes),
        onTrust: (bytes) => void docs.trust(bytes),
        onConnect: () => {
          hubLink.connected();
          world.report();
          void outbox.drain();
        },
        onDisconnect: () => hubLink.disconnected(),
        onRefused: (how) => hubLink.credentialsRejected(how),
        onUntrusted: (message) => hubLink.untrustedCertificate(message),
        onError: (message) => hubLink.unreachable('E_BROKER_UNREACHABLE', `mqtt ${redactedBroker(brokerUrl)}: ${message}`),
      });
      const current = link;
      world.attachLink(current);
      outbox.setSender({ connected: () => current.connected(), publish: (window) => current.publishStats(window) });
    },
  });

  const staleTimer = setInterval(() => world.checkStale(), options.tuning.staleCheckMs);
  staleTimer.unref();
  // The same state again (same seq, a later `at`): the hub takes it as current, never as stale.
  const stateRefreshTimer = setInterval(() => world.report(), options.tuning.stateRefreshMs);
  stateRefreshTimer.unref();
  // The first check waits a turn so a caller can subscribe to onEvent right after startAgent resolves.
  const firstStaleCheck = setImmediate(() => world.checkStale());
  world.report();
  logger.info('agent started', { device: options.deviceId, localUrl: server.url, dataDir: options.dataDir, phase: world.status().phase });

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(staleTimer);
      clearInterval(stateRefreshTimer);
      slowRetry.cancel();
      docs.close();
      clearImmediate(firstStaleCheck);
      bootstrapAbort.abort();
      await bootstrapped;
      stopBatchWatch();
      await jobs.close();
      await reconciler.close();
      await docs.idle();
      stopServingWatch();
      stopShadowWatch();
      await shadows.close();
      await stats.stop();
      outbox.setSender(null);
      world.attachLink(null);
      await (link as MqttLink | null)?.close().catch((error: unknown) => logger.warn('mqtt close failed', { error }));
      await server.close();
      await outbox.idle();
      await world.candidate?.model.retire();
      await world.shadow?.model.retire();
      await world.serving?.retire();
      await http.close();
      logger.info('agent stopped', { device: options.deviceId });
    })());

  return {
    localUrl: server.url,
    predict: (inputs, predictOptions) => jobs.live.track(() => predictor.typed(inputs, predictOptions?.key)),
    status,
    describeModel: describeServing,
    onReport: (listener) => world.onReport(listener),
    onEvent: (listener) => world.onEvent(listener),
    flushStats: async () => {
      await shadows.settled();
      await stats.closeWindow();
    },
    close,
  };
}
