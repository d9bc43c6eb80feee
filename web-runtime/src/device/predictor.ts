/**
 * The page's prediction path, as the agent's: the inputs are checked against the serving
 * release's declared inputs (no element inspected), the model runs, the request is counted in
 * the statistics window (rows, inputs, outputs, latency; a failure by its code), each row gets a
 * prediction id, and, while a shadow runs, the request is offered to it through a bounded queue
 * (the answer never waits for it; a full queue drops and counts).
 */
import { batchRows, BoundedQueue, checkInputs, checkTypedInputs, compareShadow, comparisonRule, predictionIdsOf, predictionReaderOf, readPredicted, refOf, StatsWindows, type PredictionReader, type TypedTensor } from '@edgefleet/device-core';
import { tensorToJson, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import type { WebLogger, WebPrediction } from '../api';
import { reportable, toWebError, WebRuntimeError } from '../errors';
import type { LoadedModel } from '../runtime/ort-web';
import type { LiveState } from './live-state';

interface ShadowJob {
  served: ReleaseManifest;
  shadow: LoadedModel;
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
}

export const SHADOW_QUEUE_CAPACITY = 16;

export class Predictor {
  private reader: { release: ReleaseManifest; reader: PredictionReader } | null = null;
  private readonly shadows: BoundedQueue<ShadowJob>;

  constructor(
    private readonly state: LiveState,
    private readonly windows: StatsWindows,
    private readonly ids: { device: string; nonce: () => string },
    logger: WebLogger,
  ) {
    this.shadows = new BoundedQueue<ShadowJob>({
      capacity: SHADOW_QUEUE_CAPACITY,
      work: (job) => this.runShadow(job),
      onError: (error) => logger.warn('shadow comparison failed', { error: String(error) }),
      defer: (start) => void setTimeout(start, 0),
    });
  }

  async predict(inputs: Readonly<Record<string, TypedTensor>>): Promise<WebPrediction> {
    const serving = this.state.serving;
    if (!serving) throw new WebRuntimeError('E_NO_MODEL', 'no model is serving yet');
    const model = serving.model;
    const release = model.release;
    let outputs: Record<string, TypedTensor>;
    let latencyMs: number;
    try {
      checkTypedInputs(inputs, release.io.inputs);
      const started = performance.now();
      outputs = await model.runTyped(inputs);
      latencyMs = performance.now() - started;
    } catch (thrown) {
      const error = toWebError(thrown, 'E_INFERENCE');
      this.windows.recordError(reportable(error).code);
      throw error;
    }
    this.windows.record(release, inputs, outputs, latencyMs);
    let cached = this.reader;
    if (cached?.release !== release) cached = this.reader = { release, reader: predictionReaderOf(release) };
    const predicted = readPredicted(cached.reader, inputs, outputs);
    const predictionIds = predictionIdsOf({ device: this.ids.device, release, at: Date.now(), nonce: this.ids.nonce(), predicted });
    const shadow = this.state.runningShadow();
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

function jsonOf(tensors: Readonly<Record<string, TypedTensor>>): Record<string, TensorJson> {
  const out: Record<string, TensorJson> = {};
  for (const [name, tensor] of Object.entries(tensors)) out[name] = tensorToJson(tensor.type, tensor.data, tensor.dims);
  return out;
}
