/**
 * Static-quantization calibration with onnxruntime-node: exposes the requested activations as
 * extra graph outputs (core exposeTensors), runs every calibration batch, and reduces what it
 * saw to ranges (core rangesFrom). Tensors that live inside If/Loop/Scan bodies cannot be
 * exposed; they get no range, and quantizeStatic then converts those nodes weight-only and says so.
 * The session runs in the model sandbox (model-sandbox/sandbox.ts): the model is an upload.
 */
import { HUB_SESSION_OPTIONS } from './onnx-runtime';
import { checkModelFile, openSandboxed, type SandboxTensor } from './model-sandbox/sandbox';
import { tensorFromJson, type TensorData, type TensorJson, type TypedTensorData } from '@edgefleet/protocol';
import { rangesFrom, type CalibrationMethod, type CalibrationRanges } from '../core/quantize/calibrate';
import { exposeTensors } from '../core/quantize/expose-tensors';
import { decodeModel, encodeModel } from '../core/quantize/model-codec';

/**
 * What one calibration run may send back: every exposed activation of a batch, far more than a
 * prediction (the sandbox's default) but still bounded.
 */
const CALIBRATION_MAX_OUTPUT = { bytes: 256 * 1024 * 1024 };

/** A feed as protocol JSON, or typed (TypedTensorData, or anything ort.Tensor-shaped). */
export type CalibrationFeed = TensorJson | TypedTensorData | { type: string; data: unknown; dims: readonly number[] };

export type CalibrationBatch = Record<string, CalibrationFeed>;

function toTyped(name: string, feed: CalibrationFeed): TypedTensorData {
  if (Array.isArray(feed.data) && feed.type !== 'string' && feed.type !== 'bool') return tensorFromJson(feed as TensorJson);
  const typed = feed as TypedTensorData;
  if (!ArrayBuffer.isView(typed.data) && !Array.isArray(typed.data)) throw new Error(`calibration feed ${name}: data is neither an array nor a typed array`);
  return { type: typed.type, data: typed.data as TensorData, dims: [...typed.dims] };
}

/**
 * Ranges for every name in `tensorNames` that is a graph input or can be exposed from the main
 * graph. `batches` are feeds for one session.run each (the more varied, the better the ranges).
 */
export async function calibrate(modelBytes: Uint8Array, batches: readonly CalibrationBatch[], tensorNames: readonly string[], method: CalibrationMethod = 'minmax'): Promise<CalibrationRanges> {
  const model = decodeModel(modelBytes);
  const exposure = exposeTensors(model, tensorNames);
  const wanted = [...exposure.added, ...exposure.alreadyVisible];
  if (wanted.length === 0) return {};
  const exposed = encodeModel(model);
  checkModelFile(exposed);
  const session = await openSandboxed({ bytes: exposed }, HUB_SESSION_OPTIONS);
  const samples: Record<string, Float32Array[]> = Object.fromEntries(wanted.map((name) => [name, []]));
  try {
    for (const batch of batches) {
      const feeds: Record<string, SandboxTensor> = {};
      for (const [name, feed] of Object.entries(batch)) {
        const typed = toTyped(name, feed);
        feeds[name] = typed;
        if (name in samples && typed.data instanceof Float32Array) samples[name]?.push(typed.data);
      }
      const fetches = wanted.filter((name) => session.outputNames.includes(name));
      if (fetches.length === 0) continue;
      const outputs = await session.run(feeds, { fetches, maxOutput: CALIBRATION_MAX_OUTPUT });
      for (const name of fetches) {
        const data = outputs[name]?.data;
        if (data instanceof Float32Array) samples[name]?.push(data);
      }
    }
  } finally {
    await session.release();
  }
  const seen = Object.fromEntries(Object.entries(samples).filter(([, chunks]) => chunks.length > 0));
  return rangesFrom(seen, method);
}
