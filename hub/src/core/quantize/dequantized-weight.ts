/**
 * Weight-only QDQ for one constant: the float tensor W becomes W_quantized (int8, or uint8 for
 * integer kernels: see WeightEncoding) + W_scale + W_zero_point and a DequantizeLinear whose
 * output keeps the name W, so every consumer (also in nested subgraphs) reads the same values as
 * before, up to rounding. The new tensors are initializers of the graph that owned W; the
 * DequantizeLinear takes the Constant node's place, or goes first in the graph for an
 * initializer (its inputs are all initializers).
 */
import { intAttribute, makeNode } from './node-factory';
import type { NameAllocator } from './name-allocator';
import { weightStat, type ReportDraft } from './quantize-report';
import type { ConstantRef } from './graph-scope';
import { qmaxOf, quantizeSymmetric, UINT8_WEIGHT_ZERO_POINT, type WeightEncoding } from './symmetric-int8';
import { dimsOf, floatTensor, int8Tensor, readFloats, uint8Tensor } from './tensor-data';

export interface DequantizedNames {
  quantized: string;
  scale: string;
  /** Absent when the caller asked for none (ONNX: an absent zero point means 0; never absent for uint8). */
  zeroPoint: string | undefined;
  scales: Float32Array;
}

/**
 * `zeroPoint: false` omits the all-zero zero-point tensor, which is what the spec's default is
 * anyway; weight-only files are a few KB smaller for it. QDQ passes keep it, as ORT's tool does.
 * A 'uint8' weight always gets its zero point (128). `encoding` follows what multiplies the
 * weight: 'int8' when it is only ever dequantized to float, 'uint8' or 'int7' when onnxruntime
 * runs it in an integer kernel (symmetric-int8.ts says why).
 */
export interface WeightOptions {
  axis: number | undefined;
  zeroPoint: boolean;
  encoding: WeightEncoding;
}

/** Adds quantized + scale + zero-point initializers for `ref` to its owner graph; returns their names (W itself is untouched). */
export function addQuantizedWeight(ref: ConstantRef, options: WeightOptions, names: NameAllocator, draft: ReportDraft): DequantizedNames | undefined {
  const { axis, encoding } = options;
  const data = readFloats(ref.tensor);
  if (!data) return undefined;
  const dims = dimsOf(ref.tensor);
  const q = quantizeSymmetric(data, dims, axis, qmaxOf(encoding));
  const paramDims = axis === undefined ? [] : [q.scales.length];
  const unsigned = encoding === 'uint8';
  const result: DequantizedNames = {
    quantized: names.fresh(`${ref.name}_quantized`),
    scale: names.fresh(`${ref.name}_scale`),
    zeroPoint: options.zeroPoint || unsigned ? names.fresh(`${ref.name}_zero_point`) : undefined,
    scales: q.scales,
  };
  const stored = unsigned ? uint8Tensor(result.quantized, dims, Uint8Array.from(q.values, (v) => v + UINT8_WEIGHT_ZERO_POINT)) : int8Tensor(result.quantized, dims, q.values);
  ref.owner.graph.initializer.push(stored, floatTensor(result.scale, paramDims, q.scales));
  if (result.zeroPoint !== undefined) {
    const count = q.scales.length;
    ref.owner.graph.initializer.push(unsigned ? uint8Tensor(result.zeroPoint, paramDims, new Uint8Array(count).fill(UINT8_WEIGHT_ZERO_POINT)) : int8Tensor(result.zeroPoint, paramDims, new Int8Array(count)));
  }
  draft.initializersConverted++;
  draft.weights.push(weightStat(ref.name, ref.owner.path, data.length, axis, q.scales, encoding, q.maxAbsError));
  return result;
}

/** Replaces the float constant by int8/uint8 + DequantizeLinear (same output name); returns the scales, or undefined if it is not readable float data. */
export function dequantizeInPlace(ref: ConstantRef, options: WeightOptions, names: NameAllocator, draft: ReportDraft): Float32Array | undefined {
  const added = addQuantizedWeight(ref, options, names, draft);
  if (!added) return undefined;
  const { graph } = ref.owner;
  const attributes = options.axis === undefined ? [] : [intAttribute('axis', options.axis)];
  const inputs = added.zeroPoint === undefined ? [added.quantized, added.scale] : [added.quantized, added.scale, added.zeroPoint];
  const dequantize = makeNode('DequantizeLinear', inputs, [ref.name], names.fresh(`${ref.name}_DequantizeLinear`), attributes);
  if (ref.source === 'initializer') {
    graph.initializer = graph.initializer.filter((tensor) => tensor !== ref.tensor);
    graph.node.unshift(dequantize);
  } else {
    graph.node = graph.node.map((node) => (node === ref.node ? dequantize : node));
  }
  return added.scales;
}
