/**
 * Given an opset-9 model using the ops whose form changed by opset 13 (Clip, Pad, Upsample,
 * Slice, Dropout, ReduceSum, Unsqueeze, Squeeze, Softmax's old axis meaning, BatchNormalization),
 * when its opset is raised to 13, then every op is rewritten to its new form and onnxruntime gives
 * the same outputs as for the original; every quantization mode accepts the model; an op with no
 * known conversion is refused by name.
 */
import { ModelProtoSchema } from 'onnx-buf';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/adapters/calibration';
import { calibrationTargets } from '../../../src/core/quantize/calibration-targets';
import { decodeModel } from '../../../src/core/quantize/model-codec';
import { makeNode } from '../../../src/core/quantize/node-factory';
import { ensureOpset } from '../../../src/core/quantize/opset-upgrade';
import { QuantizeError } from '../../../src/core/quantize/quantize-error';
import { quantizeDynamic } from '../../../src/core/quantize/quantize-dynamic';
import { quantizeStatic } from '../../../src/core/quantize/quantize-static';
import { quantizeWeightsOnly } from '../../../src/core/quantize/quantize-weights-only';
import { legacyOpset9Model, seededImages } from './cnn-models';
import { openSession } from './runtimes';

const ROWS = 8;
const x = seededImages(ROWS, [3, 8, 8], 21);
const feeds = { x: { type: 'float32' as const, data: x, dims: [ROWS, 3, 8, 8] } };

async function outputs(model: Uint8Array): Promise<Record<string, Float32Array>> {
  const session = await openSession('node', model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (!a || !b || a.length !== b.length) return Number.POSITIVE_INFINITY;
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - (b[i] ?? Number.NaN))), 0);
}

describe('opset 9 -> 13', () => {
  const legacy = legacyOpset9Model();

  it('rewrites every changed op and computes what the opset-9 graph computed', async () => {
    const model = decodeModel(legacy);
    const check = ensureOpset(model, 13, 'test');
    expect(check).toEqual({ ok: true, before: 9, after: 13, upgraded: true });
    const ops = model.graph?.node.map((node) => node.opType) ?? [];
    expect(ops).not.toContain('Upsample');
    expect(ops).not.toContain('Dropout');
    expect(ops).toContain('Resize');
    const movedToInputs = new Set(['min', 'max', 'pads', 'value', 'starts', 'ends', 'axes']);
    const rewritten = new Set(['Clip', 'Pad', 'Slice', 'ReduceSum', 'Squeeze', 'Unsqueeze']);
    const leftover = (model.graph?.node ?? []).filter((node) => rewritten.has(node.opType)).flatMap((node) => node.attribute.filter((a) => movedToInputs.has(a.name)).map((a) => `${node.opType}.${a.name}`));
    expect(leftover).toEqual([]);
    const before = await outputs(legacy);
    const after = await outputs(toBinary(ModelProtoSchema, model));
    // The opset-9 Softmax normalised each [4 x 18] row as a whole: the rewrite must keep that.
    const rowSum = Array.from((after['y'] ?? new Float32Array()).subarray(0, 72)).reduce((n, v) => n + v, 0);
    expect(rowSum).toBeCloseTo(1, 4);
    expect(maxAbsDiff(after['y'], before['y'])).toBeLessThan(1e-6);
    expect(maxAbsDiff(after['z'], before['z'])).toBeLessThan(1e-6);
  });

  it('is accepted by weight-only, dynamic and static quantization', async () => {
    const weightOnly = quantizeWeightsOnly(legacy, { minElements: 16 });
    expect(weightOnly.report.opset).toEqual({ before: 9, after: 13, upgraded: true });
    expect(maxAbsDiff((await outputs(weightOnly.model))['z'], (await outputs(legacy))['z'])).toBeLessThan(0.02);
    expect(quantizeDynamic(legacy).report.opset).toEqual({ before: 9, after: 11, upgraded: true });
    const ranges = await calibrate(legacy, [feeds], calibrationTargets(decodeModel(legacy)).calibratable);
    const quantized = quantizeStatic(legacy, ranges);
    expect(quantized.report.nodesQuantized).toEqual({ Conv: 1, MatMul: 1 });
    expect((await outputs(quantized.model))['z']).toHaveLength(ROWS * 4 * 8);
  });

  it('names the op it cannot convert', () => {
    const model = fromBinary(ModelProtoSchema, legacy);
    model.graph?.node.push(makeNode('Scatter', ['y', 'y', 'y'], ['scattered'], 'scatter'));
    const error = (() => {
      try {
        quantizeWeightsOnly(toBinary(ModelProtoSchema, model), { minElements: 16 });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(QuantizeError);
    expect((error as QuantizeError).code).toBe('E_UNSUPPORTED_OPSET');
    expect((error as QuantizeError).message).toMatch(/Scatter \(not known to be stable across opsets\)/);
    expect((error as QuantizeError).message).not.toMatch(/Clip|Upsample|Softmax/);
  });
});
