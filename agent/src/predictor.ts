/**
 * The agent's prediction path: one request through the serving model (or, during a traffic
 * ramp-up, the candidate for its share), counted in the statistics window of the version that
 * answered, given prediction ids and offered to the shadow (see Predictor).
 */
import { predictionIdsOf, predictionReaderOf, readPredicted, routeToCandidate, type PredictionReader, type TypedTensor } from '@edgefleet/device-core';
import { tensorToJson, type PredictedValue, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import type { PredictResponse } from './adapters/local-api';
import type { LoadedModel } from './adapters/runtime';
import { checkPredictKey, checkTypedInputs, parsePredictBody, predictKeyOf } from './core/predict-request';
import { AgentError, toAgentError } from './errors';
import type { ShadowRunner } from './shadow-runner';
import type { StatsRecorder } from './stats-recorder';
import type { Traffic, World } from './world';

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

export interface PredictionIds {
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
 * Traffic ramp-up (World.traffic: the doc gives its shadow a share): the candidate answers its
 * share of the requests itself (device-core traffic-split.ts: sticky per request key, drawn with
 * `random` without one), checked against its own inputs, counted in its own window and named in
 * the response and the prediction ids; the serving model answers the rest. Nothing is offered to
 * the shadow then: each request runs on one version only.
 * Both entries run the model on typed arrays; they differ in what they take and give back:
 * - `typed` (Agent.predict): the caller's typed arrays, checked without looking at elements;
 *   prediction ids encoded when first read;
 * - `json` (POST /v1/predict): the parsed body, checked and converted in one pass; statistics and
 *   the shadow read the request's JSON numbers as they always have.
 */
export class Predictor {
  /** each answering release's prediction reader, derived once per release rather than per request */
  private readonly readers = new WeakMap<ReleaseManifest, PredictionReader>();

  constructor(
    private readonly world: World,
    private readonly stats: StatsRecorder,
    private readonly shadows: ShadowRunner,
    private readonly ids: PredictionIds,
    /** uniform in [0, 1): where a request without a key goes during a ramp-up */
    private readonly random: () => number = Math.random,
  ) {}

  // runCounted inlined and a promise chain, not an async function: for a 40 us model every
  // async frame and allocation shows.
  typed(inputs: Readonly<Record<string, TypedTensor>>, key?: string): Promise<Prediction> {
    let release: ReleaseManifest | undefined;
    let running: Promise<Record<string, TypedTensor>>;
    let started: number;
    let traffic: Traffic | null;
    try {
      const serving = this.serving();
      traffic = this.world.traffic();
      const model = this.answering(serving, traffic, checkPredictKey(key));
      release = model.release;
      checkTypedInputs(inputs, release.io.inputs);
      started = performance.now();
      running = model.runTyped(inputs);
    } catch (error) {
      this.countError(error, release);
      return Promise.reject(error);
    }
    const answered = release;
    return running.then(
      (outputs) => {
        this.stats.record(answered, inputs, outputs, performance.now() - started);
        const at = this.ids.nowMs();
        const predicted = this.predictedOf(answered, inputs, outputs);
        // The shadow keeps the request until it runs: a copy (as JSON, what it takes), since the
        // caller may reuse its arrays; only paid while a shadow runs beside.
        if (traffic === null && this.world.runningShadow()) this.shadows.offer(answered, jsonOf(inputs), jsonOf(outputs));
        return new TypedPrediction(answered, outputs, this.ids, at, predicted);
      },
      (error: unknown) => {
        this.countError(error, answered);
        throw error;
      },
    );
  }

  async json(body: unknown): Promise<PredictResponse> {
    const serving = this.serving();
    let model = serving;
    let traffic: Traffic | null = null;
    let inputs: Record<string, TensorJson>;
    let outputs: Record<string, TypedTensor>;
    try {
      // The key picks the version first: the inputs are checked against the one that answers.
      traffic = this.world.traffic();
      model = this.answering(serving, traffic, predictKeyOf(body));
      const parsed = parsePredictBody(body, model.release.io.inputs);
      inputs = parsed.json;
      outputs = await this.runCounted(model, parsed.typed, inputs);
    } catch (error) {
      this.countError(error, model.release);
      throw error;
    }
    const release = model.release;
    const predicted = this.predictedOf(release, inputs, outputs);
    const predictionIds = predictionIdsOf({ device: this.ids.device, release, at: this.ids.nowMs(), nonce: this.ids.nonce(), predicted });
    const jsonOutputs = jsonOf(outputs);
    if (traffic === null) this.shadows.offer(release, inputs, jsonOutputs);
    return { model: release.model, version: release.version, outputs: jsonOutputs, predictionIds };
  }

  /** The model that answers this request: the candidate for its share during a ramp-up, else the serving one. */
  private answering(serving: LoadedModel, traffic: Traffic | null, key: string | undefined): LoadedModel {
    return traffic !== null && routeToCandidate(traffic.share, key, this.random) ? traffic.candidate : serving;
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

  /** `release`: the version that was to answer (its window counts it), when one was picked. */
  private countError(error: unknown, release?: ReleaseManifest): void {
    // The local API maps the error itself (unknown ones stay "internal error"); only count it here.
    this.stats.recordError(toAgentError(error, 'E_INFERENCE').code, release);
  }

  /** Each row's predicted value, read now: the outputs are the caller's once returned. */
  private predictedOf(release: ReleaseManifest, inputs: StatsInputs, outputs: Record<string, TypedTensor>): ReadonlyArray<PredictedValue | undefined> {
    let reader = this.readers.get(release);
    if (reader === undefined) this.readers.set(release, (reader = predictionReaderOf(release)));
    return readPredicted(reader, inputs, outputs);
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

