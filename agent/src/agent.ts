/**
 * startAgent: the composition root. Order matters and reads as stages:
 * recover state -> serve the last good model from disk -> open the local API -> start the
 * reconcile loop -> (background) bootstrap trust/broker and connect MQTT.
 * It resolves as soon as the local API listens, whether or not the hub is reachable.
 */
import { join } from 'node:path';
import { tensorToJson, type DeviceEvent, type PredictedValue, type ReleaseManifest, type ReportedState, type TensorJson } from '@edgefleet/protocol';
import { basicAuth, fetchReleaseManifest } from './adapters/hub-client';
import { createLocalApi, serveLocalApi, type LocalServer, type PredictResponse } from './adapters/local-api';
import { ModelFiles } from './adapters/model-files';
import type { LoadedModel } from './adapters/runtime';
import { connectMqttLink, type MqttLink } from './adapters/mqtt-link';
import { Outbox } from './adapters/outbox';
import { RUNTIME_VERSION } from './adapters/runtime';
import { AgentStore } from './adapters/store';
import { msgIdSource } from './core/msg-id';
import { bootstrap } from './bootstrap';
import { resolveOptions, type AgentOptions } from './config';
import { isShadowInstallStep, type Observed } from './core/plan';
import { checkTypedInputs, parsePredictBody } from './core/predict-request';
import { predictionIdsOf, predictionReaderOf, readPredicted, type PredictionReader } from './core/prediction-summary';
import type { TypedTensor } from './core/tensors';
import { refOf, type AgentStatus } from './core/state';
import { DocHandler } from './doc-handler';
import { AgentError, reportable, toAgentError } from './errors';
import { guardedLogger } from './logger';
import { Reconciler } from './reconciler';
import { runStep } from './run-steps';
import { ShadowRunner } from './shadow-runner';
import { SlowRetry } from './slow-retry';
import { DEFAULT_STATS_INTERVAL_S, StatsRecorder } from './stats-recorder';
import { loadActiveFromDisk, recoverState } from './startup';
import { AGENT_VERSION } from './version';
import { World } from './world';

export type { TypedTensor } from './core/tensors';

/** What the in-process `predict` answers. */
export interface Prediction {
  model: string;
  version: string;
  /** onnxruntime's output arrays as they came (fresh per call: yours to keep or change) */
  outputs: Record<string, TypedTensor>;
  /**
   * One per row of the batch, as POST /v1/predict returns them (protocol prediction-id.ts). The
   * time, nonce and each row's predicted value are fixed when the model ran; the ids are encoded
   * on first read (a caller that never labels predictions never pays for them).
   */
  readonly predictionIds: readonly string[];
}

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
   * exactly like an HTTP one.
   * Throws AgentError: E_NO_MODEL before a model serves, E_SCHEMA naming the input and field
   * (`inputs.state.dims: ...`), E_INFERENCE when onnxruntime fails.
   */
  predict(inputs: Readonly<Record<string, TypedTensor>>): Promise<Prediction>;
  /** the same body as GET /v1/status */
  status(): AgentStatus;
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

export async function startAgent(input: AgentOptions): Promise<Agent> {
  const options = resolveOptions(input);
  const logger = guardedLogger(input.logger, options.deviceSecret);
  const authorization = basicAuth(options.deviceId, options.deviceSecret);

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
  let server: LocalServer;
  try {
    server = await serveLocalApi(createLocalApi({ status: () => world.status(), predict: (body) => predictor.json(body) }), options.host, options.port);
  } catch (error) {
    stopServingWatch();
    stopShadowWatch();
    await shadows.close();
    await stats.stop();
    await world.serving?.retire();
    throw new Error(`agent local API could not listen on ${options.host}:${options.port}`, { cause: error });
  }

  let closing: Promise<void> | null = null;
  const reconciler = new Reconciler({
    observe: async (): Promise<Observed> => ({
      serving: world.serving?.release ?? null,
      candidate: world.candidate ? { release: world.candidate.model.release, probed: world.candidate.probed } : null,
      shadow: world.shadow ? { release: world.shadow.model.release, probed: world.shadow.probed } : null,
      shadowFailed: world.shadowFailure,
      cached: await files.listCached(),
      retained: [world.persisted.active, world.persisted.previous].flatMap((r) => (r ? [r.manifest.artifact.sha256] : [])),
      announcedSeq: world.announcedSeq,
      failedSeq: world.persisted.failure?.seq ?? null,
    }),
    desired: () => {
      const desired = world.persisted.desired;
      return desired ? { seq: desired.seq, release: desired.release.manifest, downgrade: desired.downgrade, shadow: desired.shadow?.manifest ?? null } : null;
    },
    run: (step, signal) => runStep(step, { world, files, options, authorization, logger, signal }),
    giveUp: async (step, error) => {
      if (isShadowInstallStep(step)) {
        // A failing shadow never touches what serves: no install failure, no state error; the
        // shadow is dropped for this doc and the failure reported as an event.
        world.shadowFailure = { seq: step.seq, sha256: step.release.artifact.sha256 };
        const shadow = world.shadow;
        world.setShadow(null);
        world.emit('shadow-failed', { seq: step.seq, model: refOf(step.release), error: reportable(error) });
        world.report();
        await shadow?.model.retire();
        return;
      }
      const target = 'release' in step ? step.release : world.persisted.desired?.release.manifest;
      const failure = reportable(error);
      // The old session keeps serving; lastSeq stays at this doc, so no retry loop on a bad model.
      await world
        .update((state) => ({ ...state, failure: { seq: step.seq, sha256: target?.artifact.sha256 ?? '', error: failure, transient: error.transient } }))
        .catch((commitError: unknown) => logger.error('could not persist install failure', { error: commitError }));
      world.setError(failure);
      world.emit('install-failed', { seq: step.seq, model: target ? refOf(target) : null, error: failure });
      world.setActivity({ kind: 'settled' });
      world.report();
      // A network failure must not strand the device on its old model until the next doc or
      // restart: try the same doc again after the longest backoff (a bad model is never retried).
      if (error.transient) slowRetry.schedule(step.seq);
    },
    settled: () => world.setActivity({ kind: 'settled' }),
    retry: { baseMs: options.tuning.retryBaseMs, maxMs: options.tuning.retryMaxMs, maxAttempts: options.tuning.maxInstallAttempts },
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
    fetchRelease: (ref) => fetchReleaseManifest(options.hubUrl, authorization, ref),
    retry: { baseMs: options.tuning.retryBaseMs, maxMs: options.tuning.retryMaxMs },
  });

  let link: MqttLink | null = null;
  const bootstrapAbort = new AbortController();
  const bootstrapped = bootstrap({
    world,
    store,
    options,
    authorization,
    logger,
    signal: bootstrapAbort.signal,
    connect: (brokerUrl) => {
      link = connectMqttLink({
        brokerUrl,
        deviceId: options.deviceId,
        secret: options.deviceSecret,
        reconnectPeriodMs: options.tuning.mqttReconnectMs,
        logger,
        onDesired: (bytes) => void docs.desired(bytes),
        onTrust: (bytes) => void docs.trust(bytes),
        onConnect: () => {
          world.report();
          void outbox.drain();
        },
      });
      const current = link;
      world.attachLink(current);
      outbox.setSender({ connected: () => current.connected(), publish: (window) => current.publishStats(window) });
    },
  });

  const staleTimer = setInterval(() => world.checkStale(), options.tuning.staleCheckMs);
  staleTimer.unref();
  // The first check waits a turn so a caller can subscribe to onEvent right after startAgent resolves.
  const firstStaleCheck = setImmediate(() => world.checkStale());
  world.report();
  logger.info('agent started', { device: options.deviceId, localUrl: server.url, phase: world.status().phase });

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(staleTimer);
      slowRetry.cancel();
      docs.close();
      clearImmediate(firstStaleCheck);
      bootstrapAbort.abort();
      await bootstrapped;
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
      logger.info('agent stopped', { device: options.deviceId });
    })());

  return {
    localUrl: server.url,
    predict: (inputs) => predictor.typed(inputs),
    status: () => world.status(),
    onReport: (listener) => world.onReport(listener),
    onEvent: (listener) => world.onEvent(listener),
    flushStats: async () => {
      await shadows.settled();
      await stats.closeWindow();
    },
    close,
  };
}

interface PredictionIds {
  device: string;
  /** epoch ms */
  nowMs: () => number;
  nonce: () => string;
}

/**
 * Every request is counted: rows and latency (around the model run) on success, the code on
 * failure (a request the model refuses included). Each row gets a prediction id naming this
 * device, the version and what it predicted. A successful request is then offered to the shadow,
 * if one runs: an O(1) enqueue, so the answer is neither changed nor held up by it.
 * Both entries run the model on typed arrays; they differ in what they take and give back:
 * - `typed` (Agent.predict): the caller's typed arrays, checked without looking at elements;
 *   prediction ids encoded when first read;
 * - `json` (POST /v1/predict): the parsed body, checked and converted in one pass; statistics and
 *   the shadow read the request's JSON numbers as they always have.
 */
class Predictor {
  /** the serving release's prediction reader, derived once per release rather than per request */
  private reader: { release: ReleaseManifest; reader: PredictionReader } | null = null;

  constructor(
    private readonly world: World,
    private readonly stats: StatsRecorder,
    private readonly shadows: ShadowRunner,
    private readonly ids: PredictionIds,
  ) {}

  async typed(inputs: Readonly<Record<string, TypedTensor>>): Promise<Prediction> {
    const model = this.serving();
    const release = model.release;
    let outputs: Record<string, TypedTensor>;
    // runCounted inlined: for a 40 us model every async frame and allocation shows.
    try {
      checkTypedInputs(inputs, release.io.inputs);
      const started = performance.now();
      outputs = await model.runTyped(inputs);
      this.stats.record(release, inputs, outputs, performance.now() - started);
    } catch (error) {
      this.countError(error);
      throw error;
    }
    const at = this.ids.nowMs();
    const predicted = this.predictedOf(release, inputs, outputs);
    // The shadow keeps the request until it runs: a copy (as JSON, what it takes), since the
    // caller may reuse its arrays; only paid while a shadow runs.
    if (this.world.runningShadow()) this.shadows.offer(release, jsonOf(inputs), jsonOf(outputs));
    return new TypedPrediction(release, outputs, this.ids, at, predicted);
  }

  async json(body: unknown): Promise<PredictResponse> {
    const model = this.serving();
    const release = model.release;
    let inputs: Record<string, TensorJson>;
    let outputs: Record<string, TypedTensor>;
    try {
      const parsed = parsePredictBody(body, release.io.inputs);
      inputs = parsed.json;
      outputs = await this.runCounted(model, parsed.typed, inputs);
    } catch (error) {
      this.countError(error);
      throw error;
    }
    const predicted = this.predictedOf(release, inputs, outputs);
    const predictionIds = predictionIdsOf({ device: this.ids.device, release, at: this.ids.nowMs(), nonce: this.ids.nonce(), predicted });
    const jsonOutputs = jsonOf(outputs);
    this.shadows.offer(release, inputs, jsonOutputs);
    return { model: release.model, version: release.version, outputs: jsonOutputs, predictionIds };
  }

  private serving(): LoadedModel {
    const model = this.world.serving;
    if (!model) throw new AgentError('E_NO_MODEL', 'no model is serving yet');
    return model;
  }

  /** Runs `typed` and counts the request with `statsInputs` (the same values, as the request carried them). */
  private async runCounted(model: LoadedModel, typed: Readonly<Record<string, TypedTensor>>, statsInputs: StatsInputs): Promise<Record<string, TypedTensor>> {
    const started = performance.now();
    const outputs = await model.runTyped(typed);
    this.stats.record(model.release, statsInputs, outputs, performance.now() - started);
    return outputs;
  }

  private countError(error: unknown): void {
    // The local API maps the error itself (unknown ones stay "internal error"); only count it here.
    this.stats.recordError(toAgentError(error, 'E_INFERENCE').code);
  }

  /** Each row's predicted value, read now: the outputs are the caller's once returned. */
  private predictedOf(release: ReleaseManifest, inputs: StatsInputs, outputs: Record<string, TypedTensor>): ReadonlyArray<PredictedValue | undefined> {
    let cached = this.reader;
    if (cached?.release !== release) cached = this.reader = { release, reader: predictionReaderOf(release) };
    return readPredicted(cached.reader, inputs, outputs);
  }
}

type StatsInputs = Parameters<StatsRecorder['record']>[1];

/**
 * A prediction whose ids are encoded on first read (with a nonce drawn then: unique all the
 * same). What the ids need is kept in private fields, not a closure: one object per request.
 */
class TypedPrediction implements Prediction {
  readonly model: string;
  readonly version: string;
  readonly #release: ReleaseManifest;
  readonly #ids: PredictionIds;
  readonly #at: number;
  readonly #predicted: ReadonlyArray<PredictedValue | undefined>;
  #encoded: readonly string[] | null = null;

  constructor(release: ReleaseManifest, readonly outputs: Record<string, TypedTensor>, ids: PredictionIds, at: number, predicted: ReadonlyArray<PredictedValue | undefined>) {
    this.model = release.model;
    this.version = release.version;
    this.#release = release;
    this.#ids = ids;
    this.#at = at;
    this.#predicted = predicted;
  }

  get predictionIds(): readonly string[] {
    return (this.#encoded ??= predictionIdsOf({ device: this.#ids.device, release: this.#release, at: this.#at, nonce: this.#ids.nonce(), predicted: this.#predicted }));
  }
}

function jsonOf(tensors: Readonly<Record<string, TypedTensor>>): Record<string, TensorJson> {
  const out: Record<string, TensorJson> = {};
  for (const name in tensors) {
    const tensor = tensors[name] as TypedTensor;
    out[name] = tensorToJson(tensor.type, tensor.data, tensor.dims);
  }
  return out;
}

