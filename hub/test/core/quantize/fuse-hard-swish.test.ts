/**
 * Given a model whose hard-swishes are written as Add/Clip/Mul/Div (or Mul by 1/6), when it is
 * prepared for static int8, then each of them whose intermediates nothing else reads becomes one
 * HardSwish node at opset 14, the prepared float model computes what the original computes, and
 * the quantize report says so; a written-out hard-swish whose Clip output is also a graph output
 * is left as it is.
 */
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/adapters/calibration';
import { calibrationTargets } from '../../../src/core/quantize/calibration-targets';
import { countHardSwish } from '../../../src/core/quantize/fuse-hard-swish';
import { collectScopes } from '../../../src/core/quantize/graph-scope';
import { decodeModel, encodeModel } from '../../../src/core/quantize/model-codec';
import { quantizeStatic } from '../../../src/core/quantize/quantize-static';
import { prepareForStatic } from '../../../src/core/quantize/static-preparation';
import { MOBILENET_INPUT, seededImages, writtenOutHardSwishModel } from './cnn-models';

const dims = [...MOBILENET_INPUT];
const original = writtenOutHardSwishModel();

async function outputs(model: Uint8Array, x: Float32Array): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
  try {
    const result = await session.run({ x: new ort.Tensor('float32', x, [x.length / 768, ...dims]) });
    return Object.fromEntries(Object.entries(result).map(([name, tensor]) => [name, tensor.data as Float32Array]));
  } finally {
    await session.release();
  }
}

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - (b[i] ?? Number.NaN))), 0);

describe('written-out hard-swish', () => {
  it('is found twice where nothing else reads the intermediates, and the third one is not', () => {
    const model = decodeModel(original);
    const main = collectScopes(model)[0];
    expect(main && countHardSwish(main)).toBe(2);
  });

  it('becomes two HardSwish nodes at opset 14 computing the same outputs', async () => {
    const model = decodeModel(original);
    const preparation = prepareForStatic(model);
    expect(preparation.fusedHardSwish).toBe(2);
    expect(preparation.opset).toEqual({ before: 13, after: 14, upgraded: true });
    const ops = model.graph?.node.map((node) => node.opType) ?? [];
    expect(ops.filter((op) => op === 'HardSwish')).toHaveLength(2);
    expect(ops.filter((op) => op === 'Clip')).toHaveLength(1);
    expect(ops.filter((op) => op === 'Div')).toHaveLength(1);
    const x = seededImages(16, dims, 3);
    const [before, after] = [await outputs(original, x), await outputs(encodeModel(model), x)];
    for (const name of ['y', 'clip_out']) {
      expect(after[name]?.length).toBe(before[name]?.length);
      expect(maxDifference(after[name] ?? new Float32Array(), before[name] ?? new Float32Array())).toBeLessThan(1e-5);
    }
  });

  it('is reported by static int8, whose file runs and tracks fp32', async () => {
    const batches = [0, 1].map((i) => ({ x: { type: 'float32' as const, data: seededImages(16, dims, 20 + i), dims: [16, ...dims] } }));
    const ranges = await calibrate(original, batches, calibrationTargets(decodeModel(original)).calibratable);
    const { model, report } = quantizeStatic(original, ranges);
    expect(report.notes.some((note) => note.startsWith('2 hard-swish'))).toBe(true);
    expect(report.opset.after).toBe(14);
    const x = seededImages(16, dims, 4);
    const [fp32, int8] = [await outputs(original, x), await outputs(model, x)];
    const scale = Math.max(...(fp32['y'] ?? []).map(Math.abs));
    expect(maxDifference(int8['y'] ?? new Float32Array(), fp32['y'] ?? new Float32Array())).toBeLessThan(0.05 * scale);
  });
});
