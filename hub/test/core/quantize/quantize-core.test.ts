/** Pure pieces: int8 maths, calibration ranges, opset upgrades, refusals, graph helpers. */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { affineParams } from '../../../src/core/quantize/activation-params';
import { rangesFrom } from '../../../src/core/quantize/calibrate';
import { calibrationTargets } from '../../../src/core/quantize/calibration-targets';
import { exposeTensors } from '../../../src/core/quantize/expose-tensors';
import { QuantizeError } from '../../../src/core/quantize/quantize-error';
import { quantizeDynamic } from '../../../src/core/quantize/quantize-dynamic';
import { quantizeStatic } from '../../../src/core/quantize/quantize-static';
import { quantizeWeightsOnly } from '../../../src/core/quantize/quantize-weights-only';
import { quantizeSymmetric, rint } from '../../../src/core/quantize/symmetric-int8';
import { floatTensor, readFloats } from '../../../src/core/quantize/tensor-data';
import { makeNode } from '../../../src/core/quantize/node-factory';
import { branchyMatMul, mlp, singleAdd, valueInfo } from './test-models';
import { openSession } from './runtimes';

function refusal(run: () => unknown): QuantizeError {
  try {
    run();
  } catch (error) {
    if (error instanceof QuantizeError) return error;
    throw error;
  }
  throw new Error('expected a QuantizeError');
}

describe('int8 maths', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, 0],
    [-1.5, -2],
    [1.2, 1],
  ])('rint(%d) = %d (half to even)', (x, expected) => expect(rint(x) + 0).toBe(expected));

  it('symmetric per tensor: max |w| maps to 127, error <= scale / 2', () => {
    const q = quantizeSymmetric(Float32Array.of(-2.54, 0, 1.27, 0.015), [4]);
    expect(Array.from(q.values)).toEqual([-127, 0, 64, 1]);
    expect(q.scales[0]).toBeCloseTo(0.02, 6);
    expect(q.maxAbsError).toBeLessThanOrEqual((q.scales[0] ?? 0) / 2);
  });

  it('symmetric per column (axis 1 of [K, N]) and per output channel (axis 0)', () => {
    const w = Float32Array.of(1, 10, -1, -10, 0.5, 5); // [3, 2]
    expect(Array.from(quantizeSymmetric(w, [3, 2], 1).scales)).toEqual([Math.fround(1 / 127), Math.fround(10 / 127)]);
    expect(Array.from(quantizeSymmetric(w, [3, 2], 0).scales)).toEqual([Math.fround(10 / 127), Math.fround(10 / 127), Math.fround(5 / 127)]);
    expect(quantizeSymmetric(new Float32Array(4), [2, 2], 0).scales[0]).toBe(1);
  });

  it.each([
    [{ min: 0, max: 2.55 }, 'uint8', 0],
    [{ min: 0, max: 2.55 }, 'int8', -128],
    [{ min: -1.28, max: 1.27 }, 'int8', 0],
    [{ min: 1, max: 3 }, 'int8', -128], // widened to include 0
  ] as const)('affine %j as %s: zero point %d', (range, type, zeroPoint) => {
    const params = affineParams(range, type);
    expect(params.zeroPoint).toBe(zeroPoint);
    expect(params.scale).toBeCloseTo((Math.max(range.max, 0) - Math.min(range.min, 0)) / 255, 6);
  });
});

describe('calibration ranges', () => {
  const values = Float32Array.from({ length: 100001 }, (_, i) => i / 1000); // 0 .. 100, evenly
  values[0] = -1e6; // one outlier

  it('minmax takes the extremes across batches', () => {
    expect(rangesFrom({ t: [Float32Array.of(1, 2), Float32Array.of(-3, 0.5)] }, 'minmax')).toEqual({ t: { min: -3, max: 2 } });
  });

  it('percentile 99.999 clips a lone outlier', () => {
    const range = rangesFrom({ t: [values] }, { percentile: 99.999 })['t'];
    expect(range?.min).toBeGreaterThan(-1);
    expect(range?.max).toBeCloseTo(100, 1);
  });

  it('refuses tensors with no finite values and silly percentiles', () => {
    expect(refusal(() => rangesFrom({ t: [] }, 'minmax')).code).toBe('E_CALIBRATION');
    expect(refusal(() => rangesFrom({ t: [values] }, { percentile: 20 })).code).toBe('E_CALIBRATION');
  });
});

describe('refusals and opsets', () => {
  it('a weightless Add is E_NOT_QUANTIZABLE in every mode, saying what was looked for', () => {
    for (const run of [() => quantizeDynamic(singleAdd()), () => quantizeWeightsOnly(singleAdd()), () => quantizeStatic(singleAdd(), {})]) {
      const error = refusal(run);
      expect(error.code).toBe('E_NOT_QUANTIZABLE');
      expect(error.message).toMatch(/looked for .* found none/);
    }
  });

  it('not a model: E_INVALID_MODEL', () => {
    expect(refusal(() => quantizeDynamic(Uint8Array.of(1, 2, 3, 255))).code).toBe('E_INVALID_MODEL');
  });

  it('an opset-9 MatMul/Add/Relu model is raised to 11 (dynamic) and 13 (QDQ): nothing in it changed meaning', async () => {
    const old = mlp(4, [16, 8, 4], 9);
    const dynamic = quantizeDynamic(old);
    expect(dynamic.report.opset).toEqual({ before: 9, after: 11, upgraded: true });
    expect(quantizeWeightsOnly(old, { minElements: 16 }).report.opset).toEqual({ before: 9, after: 13, upgraded: true });
    const session = await openSession('node', dynamic.model);
    expect((await session.run({ x: { type: 'float32', data: new Float32Array(16), dims: [1, 16] } }))['y']).toHaveLength(4);
    await session.release();
  });

  it('rewrites an op that changed meaning on the way (Softmax at 13) instead of refusing it', async () => {
    const model = fromBinary(ModelProtoSchema, mlp(4, [16, 8, 4], 11));
    const graph = model.graph;
    if (!graph) throw new Error('no graph');
    graph.node.push(makeNode('Softmax', ['y'], ['p'], 'softmax'));
    graph.output = [valueInfo('p', ['N', 4])];
    const { model: quantized, report } = quantizeWeightsOnly(toBinary(ModelProtoSchema, model), { minElements: 16 });
    expect(report.opset).toEqual({ before: 11, after: 13, upgraded: true });
    // [N, 4] with axis 1 is the last axis: the opset-13 Softmax means the same, given axis -1 explicitly.
    const softmax = fromBinary(ModelProtoSchema, quantized).graph?.node.find((node) => node.opType === 'Softmax');
    expect(softmax?.attribute.map((a) => [a.name, Number(a.i)])).toEqual([['axis', -1]]);
    const session = await openSession('node', quantized);
    const p = (await session.run({ x: { type: 'float32', data: new Float32Array(32).fill(0.5), dims: [2, 16] } }))['p'] ?? new Float32Array();
    await session.release();
    expect(p.subarray(0, 4).reduce((n, v) => n + v, 0)).toBeCloseTo(1, 5);
    expect(quantizeDynamic(toBinary(ModelProtoSchema, model)).report.opset.upgraded).toBe(false);
  });
});

describe('graph helpers', () => {
  it('reads float tensors from raw_data and float_data alike', () => {
    const raw = floatTensor('w', [2], [1.5, -2]);
    const listed = { ...raw, rawData: new Uint8Array(0), floatData: [1.5, -2] };
    expect(Array.from(readFloats(raw) ?? [])).toEqual([1.5, -2]);
    expect(Array.from(readFloats(listed) ?? [])).toEqual([1.5, -2]);
  });

  it('exposes main-graph tensors, refuses subgraph ones', () => {
    const model = fromBinary(ModelProtoSchema, branchyMatMul());
    const exposure = exposeTensors(model, ['x', 'then_y', 'nowhere']);
    expect(exposure.alreadyVisible).toEqual(['x']);
    expect(exposure.unexposable.map((u) => u.tensor)).toEqual(['then_y', 'nowhere']);
    expect(calibrationTargets(model).unreachable.map((u) => u.graph)).toEqual(['main/choose.then_branch', 'main/choose.else_branch']);
  });

  it('dynamic quantizes MatMuls inside If branches and the result runs', async () => {
    const { model, report } = quantizeDynamic(branchyMatMul());
    expect(report.nodesQuantized).toEqual({ MatMul: 2 });
    const session = await openSession('web', model);
    const out = await session.run({ x: { type: 'float32', data: new Float32Array(64).fill(0.5), dims: [1, 64] }, flag: { type: 'bool', data: [true], dims: [] } });
    expect(out['y']).toHaveLength(32);
    await session.release();
  });
});
