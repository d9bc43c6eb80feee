/**
 * onnxruntime-node sessions: load from verified bytes, run JSON tensors, and retire a session
 * only after the predictions already running on it have finished (blue-green swap).
 */
import * as ort from 'onnxruntime-node';
import { ProtocolError, tensorFromJson, tensorToJson, type Probe, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import { AgentError } from '../errors';
import { checkInputs } from '../core/predict-request';
import { checkProbe } from '../core/probe-check';

export const RUNTIME_VERSION = ort.env.versions.node ?? ort.env.versions.common;
/** The highest ONNX opset onnxruntime 1.30 implements; manifests asking for more are E_INCOMPATIBLE. */
export const MAX_OPSET = 21;

export class LoadedModel {
  private inflight = 0;
  private state: 'live' | 'retiring' | 'released' = 'live';
  private drained: (() => void) | null = null;

  private constructor(
    readonly release: ReleaseManifest,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Loads a model from bytes whose hash was already checked. Failure is E_LOAD_FAILED. */
  static async load(bytes: Uint8Array, release: ReleaseManifest): Promise<LoadedModel> {
    try {
      const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      return new LoadedModel(release, session);
    } catch (cause) {
      throw new AgentError('E_LOAD_FAILED', `${label(release)}: onnxruntime could not load the model: ${messageOf(cause)}`, { cause });
    }
  }

  /** Runs validated inputs; errors are E_INFERENCE. */
  async run(inputs: Record<string, TensorJson>): Promise<Record<string, TensorJson>> {
    // Counted before the first await, so a retire() racing with this call waits for it.
    if (this.state !== 'live') throw new AgentError('E_INFERENCE', `${label(this.release)} is no longer serving`, { transient: true });
    this.inflight++;
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(inputs)) {
        const typed = tensorFromJson(tensor);
        feeds[name] = new ort.Tensor(typed.type, typed.data, typed.dims);
      }
      const outputs = await this.session.run(feeds);
      const result: Record<string, TensorJson> = {};
      for (const [name, tensor] of Object.entries(outputs)) result[name] = tensorToJson(tensor.type, tensor.data, tensor.dims);
      return result;
    } catch (cause) {
      if (cause instanceof AgentError) throw cause;
      if (cause instanceof ProtocolError) throw new AgentError(cause.code, `${label(this.release)}: ${cause.message}`, { cause });
      throw new AgentError('E_INFERENCE', `${label(this.release)}: ${messageOf(cause)}`, { cause });
    } finally {
      this.inflight--;
      if (this.inflight === 0) this.drained?.();
    }
  }

  /** Runs the manifest's golden inputs and compares; E_PROBE_FAILED on any difference or error. */
  async probe(probe: Probe): Promise<void> {
    let actual: Record<string, TensorJson>;
    try {
      actual = await this.run(checkInputs(probe.inputs, this.release.io.inputs, 'probe.inputs'));
    } catch (cause) {
      throw new AgentError('E_PROBE_FAILED', `${label(this.release)}: probe could not run: ${messageOf(cause)}`, { cause });
    }
    const verdict = checkProbe(probe.expected, actual, probe.tolerance);
    if (!verdict.ok) throw new AgentError('E_PROBE_FAILED', `${label(this.release)}: probe mismatch: ${verdict.reason}`);
  }

  /** Stops new runs, waits for running ones, then frees the native session. Idempotent. */
  async retire(): Promise<void> {
    if (this.state !== 'live') return;
    this.state = 'retiring';
    if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.state = 'released';
    await this.session.release();
  }
}

const label = (release: ReleaseManifest) => `${release.model}@${release.version}`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
