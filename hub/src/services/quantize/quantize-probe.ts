/**
 * The probe of a quantized version: the source's probe inputs run through the stored int8 file
 * (loaded like an upload, adapters/onnx-runtime.ts), its outputs as expected values. The
 * tolerance is at least the default and at least the int8-vs-fp32 difference measured on those
 * inputs, so a device whose runtime rounds differently (or folds the QDQ nodes) still passes.
 */
import type { IoSpec, Probe, TensorJson } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import { PROBE_TOLERANCE } from '../../core/release-manifest';
import { MAX_PROBE_OUTPUT_ELEMENTS } from '../../core/probe-inputs';
import { compareOutputs } from '../../core/onnx/compare';
import { loadModel } from '../../adapters/onnx-runtime';

export interface QuantizedProbe {
  probe: Probe;
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  /** max |int8 - fp32| over the probe's expected outputs */
  maxAbsDiff: number;
}

const numbers = (tensors: Record<string, TensorJson>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(tensors).map(([name, tensor]) => [name, tensor.data.map((value) => (typeof value === 'number' ? value : Number.NaN))]));

export async function quantizedProbe(path: string, source: Probe): Promise<QuantizedProbe> {
  const loaded = await loadModel(path);
  try {
    let expected: Record<string, TensorJson>;
    try {
      expected = await loaded.run(source.inputs, { elements: MAX_PROBE_OUTPUT_ELEMENTS });
    } catch (error) {
      throw new HubError('E_PROBE_FAILED', `the quantized model fails on the source's probe inputs: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const { maxAbsDiff } = compareOutputs(numbers(expected), numbers(source.expected));
    // Rounded up at 2 significant digits so the recorded bound is never below the measured one.
    const measured = maxAbsDiff > 0 ? Number(maxAbsDiff.toPrecision(2)) + 10 ** (Math.floor(Math.log10(maxAbsDiff)) - 1) : 0;
    const abs = Math.max(source.tolerance.abs, PROBE_TOLERANCE.abs, Number.isFinite(measured) ? measured : 0);
    return { probe: { inputs: source.inputs, expected, tolerance: { abs, rel: Math.max(source.tolerance.rel, PROBE_TOLERANCE.rel) } }, io: loaded.io, maxAbsDiff };
  } finally {
    await loaded.release();
  }
}
