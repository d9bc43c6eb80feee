/**
 * The runtime's one onnxruntime-web wrapper. Sessions are created only from bytes the caller has
 * verified (never from a URL, which onnxruntime-web would fetch itself, unchecked). The wasm
 * backend runs on the page's thread with one thread (no SharedArrayBuffer, so no cross-origin
 * isolation headers are needed), and its files come from the hub that served the page: no CDN.
 *
 * A release's view of a session is a LoadedModel, as in the agent: releases of the same bytes
 * share one session; a view retires once the runs already started on it have finished, and the
 * session is released when its last view retires (blue-green swap without dropping requests).
 */
import * as ort from 'onnxruntime-web/wasm';
import { checkInputs, checkProbe, typedTensorOf, type TypedTensor } from '@edgefleet/device-core';
import { tensorFromJson, tensorToJson, type Probe, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import { WebRuntimeError, toWebError } from '../errors';

/** The highest ONNX opset onnxruntime-web 1.30 implements; manifests asking for more are E_INCOMPATIBLE. */
export const MAX_OPSET = 21;
export const RUNTIME_VERSION = ort.env.versions.web ?? ort.env.versions.common ?? '1.30.0';
export const RUNTIME_NAME = `onnxruntime-web ${RUNTIME_VERSION} (wasm)`;

let configured: string | null = null;

/** Points onnxruntime-web at the hub's copy of its wasm files; once per page. */
export function configureOrt(wasmPaths: string): void {
  if (configured === wasmPaths) return;
  configured = wasmPaths;
  ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
}

interface SharedSession {
  readonly session: ort.InferenceSession;
  views: number;
}

const label = (release: ReleaseManifest) => `${release.model}@${release.version}`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class LoadedModel {
  private inflight = 0;
  private state: 'live' | 'retiring' | 'released' = 'live';
  private drained: (() => void) | null = null;

  private constructor(
    readonly release: ReleaseManifest,
    private readonly shared: SharedSession,
  ) {}

  /** A session from verified bytes; failure is E_LOAD_FAILED. */
  static async load(bytes: Uint8Array, release: ReleaseManifest): Promise<LoadedModel> {
    try {
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], logSeverityLevel: 3 });
      return new LoadedModel(release, { session, views: 1 });
    } catch (cause) {
      throw new WebRuntimeError('E_LOAD_FAILED', `${label(release)}: onnxruntime-web could not load the model: ${messageOf(cause)}`, { cause });
    }
  }

  /** `release` on this session (same artifact, so the same verified bytes): nothing loaded again. */
  share(release: ReleaseManifest): LoadedModel {
    const own = this.release.artifact;
    if (release.artifact.sha256 !== own.sha256 || release.artifact.size !== own.size) {
      throw new WebRuntimeError('E_LOAD_FAILED', `${label(release)}: its artifact is not the loaded ${label(this.release)}'s`);
    }
    if (this.state !== 'live') throw new WebRuntimeError('E_LOAD_FAILED', `${label(release)}: the session of ${label(this.release)} is retired`, { transient: true });
    this.shared.views++;
    return new LoadedModel(release, this.shared);
  }

  /** Runs typed inputs (checked by the caller); outputs come back as typed arrays. Errors are E_INFERENCE. */
  async runTyped(inputs: Readonly<Record<string, TypedTensor>>): Promise<Record<string, TypedTensor>> {
    if (this.state !== 'live') throw new WebRuntimeError('E_INFERENCE', `${label(this.release)} is no longer serving`, { transient: true });
    this.inflight++;
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(inputs)) feeds[name] = new ort.Tensor(tensor.type, tensor.data as ort.Tensor['data'], [...tensor.dims]);
      const outputs = await this.shared.session.run(feeds);
      const result: Record<string, TypedTensor> = {};
      for (const [name, tensor] of Object.entries(outputs)) {
        const typed = typedTensorOf(tensor.type, tensor.data, tensor.dims);
        if (!typed) throw new WebRuntimeError('E_INFERENCE', `${label(this.release)}: output ${name} is a ${tensor.type} tensor, which the runtime does not carry`);
        result[name] = typed;
      }
      return result;
    } catch (cause) {
      throw cause instanceof WebRuntimeError ? cause : toWebError(cause, 'E_INFERENCE', label(this.release));
    } finally {
      if (--this.inflight === 0) this.drained?.();
    }
  }

  /** Runs JSON inputs (probe, shadow) and answers JSON. */
  async run(inputs: Record<string, TensorJson>): Promise<Record<string, TensorJson>> {
    const typed: Record<string, TypedTensor> = {};
    for (const [name, tensor] of Object.entries(inputs)) {
      const data = tensorFromJson(tensor);
      const converted = typedTensorOf(data.type, data.data, data.dims);
      if (!converted) throw new WebRuntimeError('E_SCHEMA', `${label(this.release)}: input ${name} of type ${tensor.type} is not supported in the browser`);
      typed[name] = converted;
    }
    const outputs = await this.runTyped(typed);
    const json: Record<string, TensorJson> = {};
    for (const [name, tensor] of Object.entries(outputs)) json[name] = tensorToJson(tensor.type, tensor.data, tensor.dims);
    return json;
  }

  /** The manifest's golden inputs must give its golden outputs within tolerance: else E_PROBE_FAILED. */
  async probe(probe: Probe): Promise<void> {
    let actual: Record<string, TensorJson>;
    try {
      actual = await this.run(checkInputs(probe.inputs, this.release.io.inputs, 'probe.inputs'));
    } catch (cause) {
      throw new WebRuntimeError('E_PROBE_FAILED', `${label(this.release)}: probe could not run: ${messageOf(cause)}`, { cause });
    }
    const verdict = checkProbe(probe.expected, actual, probe.tolerance);
    if (!verdict.ok) throw new WebRuntimeError('E_PROBE_FAILED', `${label(this.release)}: probe mismatch: ${verdict.reason}`);
  }

  /** Stops new runs, waits for running ones, frees the session unless another release shares it. */
  async retire(): Promise<void> {
    if (this.state !== 'live') return;
    this.state = 'retiring';
    if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.state = 'released';
    if (--this.shared.views === 0) await this.shared.session.release();
  }
}
