/**
 * The page's prediction path, as the agent's: the inputs are checked against the answering
 * release's declared inputs (no element inspected), the model runs, the request is counted in
 * the statistics window of the version that answered (rows, inputs, outputs, latency; a failure
 * by its code), each row gets a prediction id, and, while a shadow runs beside, the request is
 * offered to it through a bounded queue (the answer never waits for it; a full queue drops and
 * counts).
 * Traffic ramp-up (LiveState.traffic: the doc gives its shadow a share): the candidate answers
 * its share of the requests itself (device-core traffic-split.ts: sticky per request key, drawn
 * with `random` without one), checked against its own inputs, counted in its own window
 * (SplitStatsWindows) and named in the answer and the prediction ids; the serving model answers
 * the rest. Nothing is offered to the shadow then: each request runs on one version only.
 */
import { batchRows, BoundedQueue, checkInputs, checkTypedInputs, compareShadow, comparisonRule, describeValue, predictionIdsOf, predictionReaderOf, readPredicted, refOf, routeToCandidate, SplitStatsWindows, type PredictionReader, type TypedTensor } from '@edgefleet/device-core';
import { tensorToJson, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import type { PredictOptions, WebLogger, WebPrediction } from '../api';
import { reportable, toWebError, WebRuntimeError } from '../errors';
import type { LoadedModel } from '../runtime/ort-web';
import type { LiveState, Traffic } from './live-state';

interface ShadowJob {
  served: ReleaseManifest;
  shadow: LoadedModel;
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
}

export const SHADOW_QUEUE_CAPACITY = 16;
/** as the agent's POST /v1/predict `key` */
export const MAX_PREDICT_KEY_LENGTH = 256;

export class Predictor {
  /** each answering release's prediction reader, derived once per release rather than per request */
  private readonly readers = new WeakMap<ReleaseManifest, PredictionReader>();
  private readonly shadows: BoundedQueue<ShadowJob>;

  constructor(
    private readonly state: LiveState,
    private readonly windows: SplitStatsWindows,
    private readonly ids: { device: string; nonce: () => string },
    logger: WebLogger,
    /** uniform in [0, 1): where a request without a key goes during a ramp-up */
    private readonly random: () => number = Math.random,
  ) {
    this.shadows = new BoundedQueue<ShadowJob>({
      capacity: SHADOW_QUEUE_CAPACITY,
      work: (job) => this.runShadow(job),
      onError: (error) => logger.warn('shadow comparison failed', { error: String(error) }),
      defer: (start) => void setTimeout(start, 0),
    });
  }

  async predict(inputs: Readonly<Record<string, TypedTensor>>, options?: PredictOptions): Promise<WebPrediction> {
    const serving = this.state.serving;
    if (!serving) throw new WebRuntimeError('E_NO_MODEL', 'no model is serving yet');
    let model = serving.model;
    let traffic: Traffic | null = null;
    let outputs: Record<string, TypedTensor>;
    let latencyMs: number;
    try {
      // The key picks the version first: the inputs are checked against the one that answers.
      traffic = this.state.traffic();
      const key = predictKeyOf(options);
      if (traffic !== null && routeToCandidate(traffic.share, key, this.random)) model = traffic.candidate;
      checkTypedInputs(inputs, model.release.io.inputs);
      const started = performance.now();
      outputs = await model.runTyped(inputs);
      latencyMs = performance.now() - started;
    } catch (thrown) {
      const error = toWebError(thrown, 'E_INFERENCE');
      this.windows.recordError(reportable(error).code, model.release);
      throw error;
    }
    const release = model.release;
    this.windows.record(release, inputs, outputs, latencyMs);
    let reader = this.readers.get(release);
    if (reader === undefined) this.readers.set(release, (reader = predictionReaderOf(release)));
    const predicted = readPredicted(reader, inputs, outputs);
    const predictionIds = predictionIdsOf({ device: this.ids.device, release, at: Date.now(), nonce: this.ids.nonce(), predicted });
    const shadow = traffic === null ? this.state.runningShadow() : null;
    if (shadow && !this.shadows.offer({ served: release, shadow, inputs: jsonOf(inputs), outputs: jsonOf(outputs) })) this.windows.recordShadowDropped(release, shadow.release);
    return { model: refOf(release), outputs, latencyMs, predictionIds };
  }

  /** Resolves once every comparison offered so far is counted. */
  settled(): Promise<void> {
    return this.shadows.settled();
  }

  close(): Promise<void> {
    return this.shadows.close();
  }

  private async runShadow(job: ShadowJob): Promise<void> {
    const { shadow, served } = job;
    if (this.state.runningShadow() !== shadow) return;
    let outputs: Record<string, TensorJson>;
    const started = performance.now();
    try {
      outputs = await shadow.run(checkInputs(job.inputs, shadow.release.io.inputs, 'shadow inputs'));
    } catch (error) {
      if (this.state.runningShadow() !== shadow) return;
      this.windows.recordShadowError(served, shadow.release, reportable(toWebError(error, 'E_INFERENCE')).code);
      return;
    }
    const comparison = compareShadow(comparisonRule(served, shadow.release), batchRows(served, job.inputs), job.outputs, outputs);
    this.windows.recordShadow(served, shadow.release, comparison, performance.now() - started);
  }
}

/** The request key from `predict`'s options, as the agent checks it: absent, or a string of 1 to 256 characters. */
function predictKeyOf(options: PredictOptions | undefined): string | undefined {
  // Pages call this from plain JavaScript too: nothing about the options' shape is assumed.
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw new WebRuntimeError('E_SCHEMA', `options: expected an object { key? }, got ${describeValue(options)}`);
  const key: unknown = options.key;
  if (key === undefined) return undefined;
  if (typeof key !== 'string') throw new WebRuntimeError('E_SCHEMA', `key: expected a string, got ${describeValue(key)}`);
  if (key.length === 0 || key.length > MAX_PREDICT_KEY_LENGTH) throw new WebRuntimeError('E_SCHEMA', `key: expected 1 to ${MAX_PREDICT_KEY_LENGTH} characters, got ${key.length}`);
  return key;
}

function jsonOf(tensors: Readonly<Record<string, TypedTensor>>): Record<string, TensorJson> {
  const out: Record<string, TensorJson> = {};
  for (const [name, tensor] of Object.entries(tensors)) out[name] = tensorToJson(tensor.type, tensor.data, tensor.dims);
  return out;
}
