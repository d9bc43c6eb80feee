/**
 * Given the test models quantized in every mode, then no weight that onnxruntime multiplies in an
 * integer kernel is full-range int8: each is uint8 (U8U8) or int8 within [-64, 64], so the
 * uint8 x int8 pair sums of MLAS's AVX2 `vpmaddubsw` kernel (int16, saturating) cannot clip:
 * 2 * 255 * 64 = 32640 <= 32767, where full-range int8 reaches 2 * 255 * 127 = 64770. Pure: reads
 * the graphs, runs nothing, so it fails on a regression whatever CPU runs it (the agreement tests
 * in quantize-models.test.ts only fail on AVX2 machines without VNNI).
 */
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataType, type GraphProto, type TensorProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import type { CalibrationRanges } from '../../../src/core/quantize/calibrate';
import { calibrationTargets } from '../../../src/core/quantize/calibration-targets';
import { collectScopes } from '../../../src/core/quantize/graph-scope';
import { quantizeDynamic } from '../../../src/core/quantize/quantize-dynamic';
import { quantizeStatic, type StaticOptions } from '../../../src/core/quantize/quantize-static';
import { quantizeWeightsOnly } from '../../../src/core/quantize/quantize-weights-only';
import { quantizeSymmetric } from '../../../src/core/quantize/symmetric-int8';
import { readFloats } from '../../../src/core/quantize/tensor-data';
import { branchyMatMul, convNet, mlp } from './test-models';

const INT16_MAX = 32767;
const UINT8_MAX = 255;

interface IntegerWeight {
  consumer: string;
  tensor: TensorProto;
  zeroPoint: TensorProto | undefined;
}

function producerOf(graph: GraphProto, name: string) {
  return graph.node.find((node) => node.output.includes(name));
}

function initializer(graph: GraphProto, name: string | undefined): TensorProto | undefined {
  return name === undefined || name === '' ? undefined : graph.initializer.find((tensor) => tensor.name === name);
}

/**
 * The weights of integer kernels, found from the graph alone: B of every MatMulInteger, and the
 * weight behind the DequantizeLinear of every Conv / MatMul / Gemm whose input is a
 * QuantizeLinear -> DequantizeLinear pair (what onnxruntime fuses into QLinearConv / QGemm).
 */
function integerKernelWeights(model: Uint8Array): IntegerWeight[] {
  const found: IntegerWeight[] = [];
  for (const { graph } of collectScopes(fromBinary(ModelProtoSchema, model))) {
    for (const node of graph.node) {
      const what = `${node.opType} ${node.name}`;
      if (node.opType === 'MatMulInteger') {
        const tensor = initializer(graph, node.input[1]);
        if (tensor) found.push({ consumer: what, tensor, zeroPoint: initializer(graph, node.input[3]) });
        continue;
      }
      if (!['Conv', 'MatMul', 'Gemm'].includes(node.opType)) continue;
      const activation = producerOf(graph, node.input[0] ?? '');
      const quantizedActivation = activation?.opType === 'DequantizeLinear' && producerOf(graph, activation.input[0] ?? '')?.opType === 'QuantizeLinear';
      const weight = producerOf(graph, node.input[1] ?? '');
      const tensor = weight?.opType === 'DequantizeLinear' ? initializer(graph, weight.input[0]) : undefined;
      if (quantizedActivation && weight && tensor) found.push({ consumer: what, tensor, zeroPoint: initializer(graph, weight.input[2]) });
    }
  }
  return found;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

/** The stored values of an int8 or uint8 tensor. */
function values(tensor: TensorProto): Int8Array | Uint8Array {
  const { buffer, byteOffset, byteLength } = tensor.rawData;
  return tensor.dataType === TensorProto_DataType.INT8 ? new Int8Array(buffer, byteOffset, byteLength) : Uint8Array.from(tensor.rawData);
}

function maxAbs(data: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i] ?? 0));
  return max;
}

/** Largest |uint8 activation x int8 weight| pair sum the tensor allows (0 for uint8 weights: no u8s8 kernel reads them). */
function worstU8s8PairSum(tensor: TensorProto): number {
  if (tensor.dataType !== TensorProto_DataType.INT8) return 0;
  return 2 * UINT8_MAX * maxAbs(values(tensor));
}

/** Ranges for every calibratable activation, without running the model (the values do not matter here). */
function syntheticRanges(model: Uint8Array): CalibrationRanges {
  const { calibratable } = calibrationTargets(fromBinary(ModelProtoSchema, model));
  return Object.fromEntries(calibratable.map((tensor) => [tensor, { min: -1, max: 4 }]));
}

const staticOf = (model: Uint8Array, options?: StaticOptions): Uint8Array => quantizeStatic(model, syntheticRanges(model), options).model;

describe('weights of integer kernels cannot saturate u8s8 int16 pair sums', () => {
  const cases: Array<{ name: string; model: () => Uint8Array; kernels: number }> = [
    { name: 'mlp dynamic', model: () => quantizeDynamic(mlp()).model, kernels: 2 },
    { name: 'mlp dynamic per-channel', model: () => quantizeDynamic(mlp(), { perChannel: true }).model, kernels: 2 },
    { name: 'cnn dynamic (Gemm rewritten)', model: () => quantizeDynamic(convNet()).model, kernels: 1 },
    { name: 'If branches dynamic', model: () => quantizeDynamic(branchyMatMul()).model, kernels: 2 },
    { name: 'mlp static', model: () => staticOf(mlp()), kernels: 2 },
    { name: 'cnn static', model: () => staticOf(convNet()), kernels: 3 },
    { name: 'mlp static, per tensor', model: () => staticOf(mlp(), { perChannel: false }), kernels: 2 },
    { name: 'cnn static, int8 activations', model: () => staticOf(convNet(), { activationType: 'int8' }), kernels: 3 },
  ];

  it.each(cases)('$name: every integer-kernel weight is uint8 or int8 within [-64, 64]', ({ model, kernels }) => {
    const weights = integerKernelWeights(model());
    expect(weights).toHaveLength(kernels);
    for (const { consumer, tensor } of weights) {
      expect([TensorProto_DataType.UINT8, TensorProto_DataType.INT8], consumer).toContain(tensor.dataType);
      expect(worstU8s8PairSum(tensor), `${consumer} reads ${tensor.name}`).toBeLessThanOrEqual(INT16_MAX);
    }
  });

  it('uint8 weights are the full-precision symmetric int8 values shifted by 128 (zero point 128): same integer products', () => {
    const graph = fromBinary(ModelProtoSchema, mlp()).graph;
    const w1 = graph ? readFloats(required(initializer(graph, 'W1'), 'W1')) : undefined;
    const reference = quantizeSymmetric(w1 ?? new Float32Array(), [784, 512]);
    const stored = required(
      integerKernelWeights(quantizeDynamic(mlp()).model).find((w) => w.tensor.name === 'W1_quantized'),
      'W1_quantized',
    );
    expect(stored.tensor.dataType).toBe(TensorProto_DataType.UINT8);
    expect(Array.from(values(required(stored.zeroPoint, 'W1 zero point')))).toEqual([128]);
    const shifted = values(stored.tensor);
    expect(shifted).toHaveLength(784 * 512);
    expect(shifted.every((v, i) => v - 128 === reference.values[i])).toBe(true);
    expect(maxAbs(reference.values)).toBe(127); // full 8-bit precision kept
  });

  it('int8 activations pair with 7-bit int8 weights (int8 x uint8 QDQ does not fuse off x86)', () => {
    for (const { tensor } of integerKernelWeights(staticOf(convNet(), { activationType: 'int8' }))) {
      expect(tensor.dataType).toBe(TensorProto_DataType.INT8);
      expect(maxAbs(values(tensor))).toBe(64);
    }
  });

  it('weight-only keeps full-range int8: its weights are dequantized to float, no integer kernel reads them', () => {
    const model = quantizeWeightsOnly(mlp()).model;
    expect(integerKernelWeights(model)).toEqual([]);
    const int8 = fromBinary(ModelProtoSchema, model).graph?.initializer.filter((t) => t.dataType === TensorProto_DataType.INT8) ?? [];
    expect(int8.map((t) => t.name).sort()).toEqual(['W1_quantized', 'W2_quantized']);
    for (const tensor of int8) expect(maxAbs(values(tensor))).toBe(127);
  });

  it('the report says how each weight is stored', () => {
    expect(quantizeDynamic(mlp()).report.weights.map((w) => w.encoding)).toEqual(['uint8', 'uint8']);
    expect(quantizeStatic(convNet(), syntheticRanges(convNet()), { activationType: 'int8' }).report.weights.map((w) => w.encoding)).toEqual(['int7', 'int7', 'int7']);
    expect(quantizeWeightsOnly(mlp()).report.weights.map((w) => w.encoding)).toEqual(['int8', 'int8']);
  });
});

describe('quantizeSymmetric with a reduced range', () => {
  it('qmax 64: max |w| maps to 64, error <= scale / 2', () => {
    const q = quantizeSymmetric(Float32Array.of(-1.28, 0, 0.64, 0.01), [4], undefined, 64);
    expect(Array.from(q.values)).toEqual([-64, 0, 32, 0]);
    expect(q.scales[0]).toBeCloseTo(0.02, 6);
    expect(q.qmax).toBe(64);
    expect(q.maxAbsError).toBeLessThanOrEqual((q.scales[0] ?? 0) / 2);
  });

  it('refuses a qmax outside [1, 127]', () => {
    expect(() => quantizeSymmetric(Float32Array.of(1), [1], undefined, 128)).toThrow(RangeError);
    expect(() => quantizeSymmetric(Float32Array.of(1), [1], undefined, 0)).toThrow(RangeError);
  });
});
