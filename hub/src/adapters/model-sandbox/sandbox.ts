/**
 * The hub's model sandbox (issue 16, item 2): every onnxruntime session of a model the hub did
 * not build itself (an upload's load and probe, its reference-dataset runs, quantization's
 * calibration, evaluation and int8 probe) lives in a child process under memory and time limits
 * (sandbox-child.ts), one session per child, so one model's excess ends its own child and nothing
 * else: not the hub, not another upload's session.
 *
 * Children are reused: a session's child goes back to a small idle pool when it is released
 * healthy and lean, and idle children exit after IDLE_MS. A hub uploading one model after
 * another starts a child (about 0.2 s: node and onnxruntime) once, not per upload.
 *
 * Before a model reaches a child, its file is scanned (device-core scanOnnxModel, the same scan
 * devices run): external data (E_EXTERNAL_DATA) and constant intermediates larger than the limit
 * (E_MODEL_RESOURCES) are refused without starting anything.
 *
 * The limits are process-wide (configureModelSandbox, called by startHub from its options).
 */
import { describeExternalData, describeOversized, scanOnnxModel } from '@edgefleet/device-core';
import { HubError } from '../../core/errors';
import { SandboxChild, SandboxRefusal, checkOutputs, type OutputLimit, type SandboxLimits } from './sandbox-child';

export { SandboxRefusal, type OutputLimit, type SandboxLimits } from './sandbox-child';

/** Tensors in and out: a type name, dims, and the typed array (or string array) onnxruntime uses. */
export interface SandboxTensor {
  type: string;
  dims: readonly number[];
  data: unknown;
}

/** onnxruntime's description of an input or output. */
export interface SandboxValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface SandboxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly SandboxValueMetadata[];
  readonly outputMetadata: readonly SandboxValueMetadata[];
  /**
   * One run; `fetches` limits the outputs (calibration asks for exposed activations). Outputs
   * over `maxOutput` (default DEFAULT_MAX_OUTPUT) reject with E_MODEL_RESOURCES, never reach the hub.
   */
  run(feeds: Readonly<Record<string, SandboxTensor>>, options?: { fetches?: readonly string[]; maxOutput?: OutputLimit }): Promise<Record<string, SandboxTensor>>;
  /** median microseconds of `runs` runs after `warmUp`, timed inside the child (no IPC in it) */
  medianMicros(feeds: Readonly<Record<string, SandboxTensor>>, runs: number, warmUp: number): Promise<number>;
  release(): Promise<void>;
}

/** The file to open: a path (read by the child) or bytes already in memory. */
export type SandboxModel = { path: string } | { bytes: Uint8Array };

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { memoryMb: 2048, timeoutMs: 120_000 };
const IDLE_MS = 30_000;
const MAX_IDLE = 2;
const MIB = 1024 * 1024;
/**
 * What one run may send back unless its caller says otherwise: a shape computed at run time can
 * make outputs of gigabytes under the child's memory limit, all of them copied into the hub.
 * Far above any prediction (a 512-row reference batch, a segmentation mask).
 */
export const DEFAULT_MAX_OUTPUT: OutputLimit = { bytes: 64 * MIB };

let limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS;
const idle: Array<{ child: SandboxChild; timer: NodeJS.Timeout }> = [];

/** Sets the limits of children started from now on (idle ones under other limits are stopped). */
export function configureModelSandbox(next: SandboxLimits): void {
  if (next.memoryMb === limits.memoryMb && next.timeoutMs === limits.timeoutMs) return;
  limits = { ...next };
  closeIdleSandboxes();
}

/** The limits children start under now (a training worker thread applies the hub's to its own children). */
export const modelSandboxLimits = (): SandboxLimits => ({ ...limits });

/** Stops the idle children (the hub closing); sessions in use keep theirs. */
export function closeIdleSandboxes(): void {
  for (const { child, timer } of idle.splice(0)) {
    clearTimeout(timer);
    child.end();
  }
}

/**
 * Refuses, before anything opens it, a model file with external data (E_EXTERNAL_DATA) or a
 * constant intermediate over the memory limit (E_MODEL_RESOURCES); not protobuf at all is
 * E_INVALID_MODEL.
 */
export function checkModelFile(bytes: Uint8Array): void {
  const scan = scanOnnxModel(bytes, { maxIntermediateBytes: limits.memoryMb * MIB });
  if (!scan.ok) throw new HubError('E_INVALID_MODEL', `not a loadable ONNX model: ${scan.reason}`);
  if (scan.externalData) {
    throw new HubError('E_EXTERNAL_DATA', `the model refers to external data: ${describeExternalData(scan.externalData)}; edgefleet stores and ships one self-contained .onnx file (save it with all tensors inside, e.g. onnx.save(model, path, save_as_external_data=False))`, {
      details: { tensor: scan.externalData.tensor, where: scan.externalData.where },
    });
  }
  if (scan.oversized) {
    throw new HubError('E_MODEL_RESOURCES', `the model needs more memory than the hub allows models (${limits.memoryMb} MiB, EDGEFLEET_MODEL_MEMORY_LIMIT_MB): ${describeOversized(scan.oversized)}`, {
      details: { limitMb: limits.memoryMb, stage: 'scan', node: scan.oversized.node, opType: scan.oversized.opType, bytes: scan.oversized.bytes },
    });
  }
}

function takeChild(): SandboxChild {
  while (idle.length > 0) {
    const entry = idle.pop();
    if (!entry) break;
    clearTimeout(entry.timer);
    if (entry.child.alive) return entry.child;
  }
  return new SandboxChild(limits);
}

function giveBack(child: SandboxChild, under: SandboxLimits): void {
  // A child that grew past half its limit (onnxruntime keeps some arenas) is not worth keeping.
  const lean = child.rss < (under.memoryMb * MIB) / 2;
  if (!child.alive || !lean || under !== limits || idle.length >= MAX_IDLE) {
    child.end();
    return;
  }
  const entry = { child, timer: setTimeout(() => retire(entry), IDLE_MS) };
  entry.timer.unref();
  idle.push(entry);
}

function retire(entry: { child: SandboxChild; timer: NodeJS.Timeout }): void {
  const at = idle.indexOf(entry);
  if (at >= 0) idle.splice(at, 1);
  entry.child.end();
}

/**
 * Opens `model` in a sandbox child. Rejects with HubError E_MODEL_RESOURCES (memory, time),
 * E_EXTERNAL_DATA or E_INVALID_MODEL (the scan, a crash), or SandboxRefusal (onnxruntime's words).
 */
export async function openSandboxed(model: SandboxModel, options: Record<string, unknown>): Promise<SandboxSession> {
  const under = limits;
  const child = takeChild();
  let opened: Record<string, unknown>;
  try {
    opened = await child.request({ op: 'open', ...('path' in model ? { path: model.path } : { bytes: model.bytes }), options }, 'load');
  } catch (error) {
    giveBack(child, under);
    throw error;
  }
  const id = opened.session;
  let released = false;
  return {
    inputNames: opened.inputNames as string[],
    outputNames: opened.outputNames as string[],
    inputMetadata: opened.inputMetadata as SandboxValueMetadata[],
    outputMetadata: opened.outputMetadata as SandboxValueMetadata[],
    async run(feeds, options = {}) {
      const maxOutput = options.maxOutput ?? DEFAULT_MAX_OUTPUT;
      const reply = await child.request({ op: 'run', session: id, feeds, maxOutput, ...(options.fetches ? { fetches: [...options.fetches] } : {}) }, 'run');
      const outputs = reply.outputs as Record<string, SandboxTensor>;
      checkOutputs(outputs, maxOutput);
      return outputs;
    },
    async medianMicros(feeds, runs, warmUp) {
      const reply = await child.request({ op: 'time', session: id, feeds, runs, warmUp }, 'run');
      return reply.micros as number;
    },
    async release() {
      if (released) return;
      released = true;
      let healthy = false;
      try {
        if (child.alive) {
          await child.request({ op: 'release', session: id }, 'release');
          healthy = true;
        }
      } catch {
        // the child is failing: not worth keeping
      } finally {
        if (healthy) giveBack(child, under);
        else child.end();
      }
    },
  };
}

export const isSandboxRefusal = (error: unknown): error is SandboxRefusal => error instanceof SandboxRefusal;
