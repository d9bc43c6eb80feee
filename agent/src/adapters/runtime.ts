/**
 * onnxruntime-node sessions: load from verified bytes, run typed or JSON tensors, and retire a
 * session only after the predictions already running on it have finished (blue-green swap).
 * Releases of the same bytes (another version of the same artifact) share one native session:
 * each LoadedModel is a release's view with its own in-flight count, and the session is freed
 * when the last view retires.
 *
 * A model this device has not run yet passes `checkNewModel` first (issue 16, items 2 and 7): its
 * file is scanned (external data, constant intermediates over the memory limit), then opened and
 * probed in the memory-capped sandbox (probe-sandbox.ts); only then is it loaded here.
 */
import * as ort from 'onnxruntime-node';
import { ProtocolError, tensorFromJson, tensorToJson, type Probe, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import { AgentError, toAgentError } from '../errors';
import { checkProbe, describeExternalData, describeOversized, scanOnnxModel, typedTensorOf, type TypedTensor } from '@edgefleet/device-core';
import { checkInputs } from '../core/predict-request';
import { probeInSandbox, type SandboxLimits, type SandboxReport } from './probe-sandbox';

export const RUNTIME_VERSION = ort.env.versions.node ?? ort.env.versions.common;
/** The highest ONNX opset onnxruntime 1.30 implements; manifests asking for more are E_INCOMPATIBLE. */
export const MAX_OPSET = 21;

/** One native session and how many live views use it. */
interface SharedSession {
  readonly session: ort.InferenceSession;
  views: number;
}

export class LoadedModel {
  private inflight = 0;
  private state: 'live' | 'retiring' | 'released' = 'live';
  private drained: (() => void) | null = null;

  private readonly session: ort.InferenceSession;

  private constructor(
    readonly release: ReleaseManifest,
    private readonly shared: SharedSession,
  ) {
    this.session = shared.session;
  }

  /** Loads a model from bytes whose hash was already checked. Failure is E_LOAD_FAILED. */
  static async load(bytes: Uint8Array, release: ReleaseManifest): Promise<LoadedModel> {
    try {
      const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      return new LoadedModel(release, { session, views: 1 });
    } catch (cause) {
      throw new AgentError('E_LOAD_FAILED', `${label(release)}: onnxruntime could not load the model: ${messageOf(cause)}`, { cause });
    }
  }

  /**
   * `release` on this session, without reading or loading the bytes again: for a release whose
   * artifact is this one's (same sha256 and size, so the same bytes, already verified when this
   * session was loaded). E_LOAD_FAILED if it names other bytes or this view is retired.
   */
  share(release: ReleaseManifest): LoadedModel {
    const own = this.release.artifact;
    if (release.artifact.sha256 !== own.sha256 || release.artifact.size !== own.size) {
      throw new AgentError('E_LOAD_FAILED', `${label(release)}: artifact.sha256 ${release.artifact.sha256.slice(0, 12)} is not the loaded ${label(this.release)}'s ${own.sha256.slice(0, 12)}`);
    }
    if (this.state !== 'live') throw new AgentError('E_LOAD_FAILED', `${label(release)}: the session of ${label(this.release)} is retired`, { transient: true });
    this.shared.views++;
    return new LoadedModel(release, this.shared);
  }

  /** Runs validated JSON inputs (probe, shadow); errors are E_INFERENCE. */
  async run(inputs: Record<string, TensorJson>): Promise<Record<string, TensorJson>> {
    // Counted before the first await, so a retire() racing with this call waits for it.
    if (this.state !== 'live') throw this.notServing();
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
      throw this.runError(cause);
    } finally {
      this.done();
    }
  }

  /**
   * Runs validated typed inputs (core/predict-request.ts): the arrays go to onnxruntime as they
   * are, and its output arrays come back as they are (fresh per run, the caller's to keep).
   * Errors are E_INFERENCE, also for an output of a type the agent does not carry (as over JSON).
   */
  // A promise chain, not an async function: on a 40 us model each async frame is a percent.
  runTyped(inputs: Readonly<Record<string, TypedTensor>>): Promise<Record<string, TypedTensor>> {
    if (this.state !== 'live') return Promise.reject(this.notServing());
    this.inflight++;
    let running: Promise<ort.InferenceSession.OnnxValueMapType>;
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const name in inputs) {
        if (!Object.hasOwn(inputs, name)) continue;
        const tensor = inputs[name] as TypedTensor;
        feeds[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
      }
      running = this.session.run(feeds);
    } catch (cause) {
      this.done();
      return Promise.reject(this.runError(cause));
    }
    return running.then(
      (outputs) => {
        this.done();
        const result: Record<string, TypedTensor> = {};
        for (const name in outputs) {
          const tensor = outputs[name] as ort.Tensor;
          const typed = typedTensorOf(tensor.type, tensor.data, tensor.dims);
          if (!typed) throw new AgentError('E_INFERENCE', `${label(this.release)}: output ${name} is a ${tensor.type} tensor, which the agent does not carry`);
          result[name] = typed;
        }
        return result;
      },
      (cause: unknown) => {
        this.done();
        throw this.runError(cause);
      },
    );
  }

  private notServing(): AgentError {
    return new AgentError('E_INFERENCE', `${label(this.release)} is no longer serving`, { transient: true });
  }

  private runError(cause: unknown): AgentError {
    if (cause instanceof AgentError) return cause;
    if (cause instanceof ProtocolError) return new AgentError(cause.code, `${label(this.release)}: ${cause.message}`, { cause });
    return new AgentError('E_INFERENCE', `${label(this.release)}: ${messageOf(cause)}`, { cause });
  }

  private done(): void {
    this.inflight--;
    if (this.inflight === 0) this.drained?.();
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

  /** Stops new runs, waits for running ones, then frees the native session unless another release shares it. Idempotent. */
  async retire(): Promise<void> {
    if (this.state !== 'live') return;
    this.state = 'retiring';
    if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.state = 'released';
    if (--this.shared.views === 0) await this.session.release();
  }
}

/**
 * The checks bytes this device has not run yet pass before `LoadedModel.load` opens them here:
 * refused (nothing opened in this process) when the file keeps data in external files
 * (E_LOAD_FAILED), has a constant intermediate larger than `limits.memoryMb` (E_PROBE_FAILED), or
 * cannot be opened and probed in the sandbox within the limits (probe-sandbox.ts). The probe's
 * result is checked again on the session opened here.
 */
export async function checkNewModel(bytes: Uint8Array, release: ReleaseManifest, probe: Probe, limits: SandboxLimits, signal?: AbortSignal): Promise<SandboxReport> {
  const scan = scanOnnxModel(bytes, { maxIntermediateBytes: limits.memoryMb * 1024 * 1024 });
  if (!scan.ok) throw new AgentError('E_LOAD_FAILED', `${label(release)}: not an ONNX model: ${scan.reason}`);
  if (scan.externalData) {
    throw new AgentError('E_LOAD_FAILED', `${label(release)}: refused before loading: ${describeExternalData(scan.externalData)}; a device runs a model from its one signed file only`);
  }
  if (scan.oversized) {
    throw new AgentError('E_PROBE_FAILED', `${label(release)}: refused before loading: ${describeOversized(scan.oversized)}, more than this device allows models (${limits.memoryMb} MiB, EDGEFLEET_AGENT_MODEL_MEMORY_MB)`);
  }
  let feeds;
  try {
    feeds = Object.fromEntries(Object.entries(checkInputs(probe.inputs, release.io.inputs, 'probe.inputs')).map(([name, tensor]) => [name, tensorFromJson(tensor)]));
  } catch (cause) {
    throw new AgentError('E_PROBE_FAILED', `${label(release)}: probe could not run: ${messageOf(cause)}`, { cause });
  }
  try {
    return await probeInSandbox(bytes, feeds, limits, signal);
  } catch (error) {
    throw toAgentError(error, 'E_LOAD_FAILED', label(release));
  }
}

const label = (release: ReleaseManifest) => `${release.model}@${release.version}`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
