/**
 * The agent's prediction path: one request through the serving model, counted in the statistics
 * window, given prediction ids and offered to the shadow (see Predictor).
 */
import { predictionIdsOf, predictionReaderOf, readPredicted, type PredictionReader, type TypedTensor } from '@edgefleet/device-core';
import { tensorToJson, type PredictedValue, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import type { PredictResponse } from './adapters/local-api';
import type { LoadedModel } from './adapters/runtime';
import { checkTypedInputs, parsePredictBody } from './core/predict-request';
import { AgentError, toAgentError } from './errors';
import type { ShadowRunner } from './shadow-runner';
import type { StatsRecorder } from './stats-recorder';
import type { World } from './world';

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
 * Both entries run the model on typed arrays; they differ in what they take and give back:
 * - `typed` (Agent.predict): the caller's typed arrays, checked without looking at elements;
 *   prediction ids encoded when first read;
 * - `json` (POST /v1/predict): the parsed body, checked and converted in one pass; statistics and
 *   the shadow read the request's JSON numbers as they always have.
 */
export class Predictor {
  /** the serving release's prediction reader, derived once per release rather than per request */
  private reader: { release: ReleaseManifest; reader: PredictionReader } | null = null;

  constructor(
    private readonly world: World,
    private readonly stats: StatsRecorder,
    private readonly shadows: ShadowRunner,
    private readonly ids: PredictionIds,
  ) {}

  // runCounted inlined and a promise chain, not an async function: for a 40 us model every
  // async frame and allocation shows.
  typed(inputs: Readonly<Record<string, TypedTensor>>): Promise<Prediction> {
    let release: ReleaseManifest;
    let running: Promise<Record<string, TypedTensor>>;
    let started: number;
    try {
      const model = this.serving();
      release = model.release;
      checkTypedInputs(inputs, release.io.inputs);
      started = performance.now();
      running = model.runTyped(inputs);
    } catch (error) {
      this.countError(error);
      return Promise.reject(error);
    }
    return running.then(
      (outputs) => {
        this.stats.record(release, inputs, outputs, performance.now() - started);
        const at = this.ids.nowMs();
        const predicted = this.predictedOf(release, inputs, outputs);
        // The shadow keeps the request until it runs: a copy (as JSON, what it takes), since the
        // caller may reuse its arrays; only paid while a shadow runs.
        if (this.world.runningShadow()) this.shadows.offer(release, jsonOf(inputs), jsonOf(outputs));
        return new TypedPrediction(release, outputs, this.ids, at, predicted);
      },
      (error: unknown) => {
        this.countError(error);
        throw error;
      },
    );
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

