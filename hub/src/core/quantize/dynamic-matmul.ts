/**
 * One MatMul with a constant weight W [K, N] in onnxruntime's dynamic-int8 form (what its Python
 * quantize_dynamic emits):
 *   DynamicQuantizeLinear(A)            -> A_quantized (uint8), A_scale, A_zero_point
 *   MatMulInteger(A_quantized, W_quantized, A_zero_point, W_zero_point) -> int32
 *                                       (W_quantized uint8 with zero point 128, not the reference
 *                                       tool's int8: see WeightEncoding in symmetric-int8.ts)
 *   Cast(to = FLOAT)                    -> float
 *   Mul(A_scale, W_scale)               -> combined scale (scalar, or [N] per column)
 *   Mul(float, combined scale)          -> the MatMul's original output name
 * DynamicQuantizeLinear is shared by every MatMul that reads the same A.
 */
import type { NodeProto } from 'onnx-buf';
import { TensorProto_DataType } from 'onnx-buf';
import type { DequantizedNames } from './dequantized-weight';
import type { NameAllocator } from './name-allocator';
import { intAttribute, makeNode } from './node-factory';

export interface QuantizedActivation {
  quantized: string;
  scale: string;
  zeroPoint: string;
}

/** Per graph: A -> the outputs of its DynamicQuantizeLinear, so it is emitted once. */
export type ActivationCache = Map<string, QuantizedActivation>;

export function dynamicMatMul(matmul: NodeProto, weight: DequantizedNames, cache: ActivationCache, names: NameAllocator): NodeProto[] {
  const [a = ''] = matmul.input;
  const output = matmul.output[0] ?? '';
  const base = matmul.name || output;
  const nodes: NodeProto[] = [];
  let activation = cache.get(a);
  if (!activation) {
    activation = { quantized: names.fresh(`${a}_quantized`), scale: names.fresh(`${a}_scale`), zeroPoint: names.fresh(`${a}_zero_point`) };
    cache.set(a, activation);
    nodes.push(makeNode('DynamicQuantizeLinear', [a], [activation.quantized, activation.scale, activation.zeroPoint], names.fresh(`${a}_DynamicQuantizeLinear`)));
  }
  const integer = names.fresh(`${output}_output_quantized`);
  const cast = names.fresh(`${output}_output_quantized_cast`);
  const scale = names.fresh(`${base}_scales_mul`);
  const weightZeroPoint = weight.zeroPoint ?? '';
  nodes.push(
    makeNode('MatMulInteger', [activation.quantized, weight.quantized, activation.zeroPoint, weightZeroPoint], [integer], names.fresh(`${base}_quant`)),
    makeNode('Cast', [integer], [cast], names.fresh(`${base}_output_quantized_cast`), [intAttribute('to', TensorProto_DataType.FLOAT)]),
    makeNode('Mul', [activation.scale, weight.scale], [scale], names.fresh(`${base}_scales_mul`)),
    makeNode('Mul', [cast, scale], [output], names.fresh(`${base}_output_scale_mul`)),
  );
  return nodes;
}
