/**
 * A QuantizeLinear -> DequantizeLinear pair on an activation X with scale and zero point from its
 * calibrated range. onnxruntime fuses DQ -> Conv/MatMul/Gemm (weights also behind a DQ) -> ...
 * into integer kernels; where it cannot, the pair still runs and just rounds X to the int8 grid.
 */
import type { GraphProto, NodeProto } from 'onnx-buf';
import { affineParams, type ActivationType, type AffineParams, type Range } from './activation-params';
import type { NameAllocator } from './name-allocator';
import { makeNode } from './node-factory';
import { floatTensor, int8Tensor, uint8Tensor } from './tensor-data';

export interface ActivationQdq {
  /** The DequantizeLinear output consumers read instead of X. */
  dequantized: string;
  params: AffineParams;
  /** QuantizeLinear + DequantizeLinear, to be placed before the first consumer. */
  nodes: NodeProto[];
}

export function activationQdq(graph: GraphProto, tensor: string, range: Range, type: ActivationType, names: NameAllocator): ActivationQdq {
  const params = affineParams(range, type);
  const scale = names.fresh(`${tensor}_scale`);
  const zeroPoint = names.fresh(`${tensor}_zero_point`);
  const quantized = names.fresh(`${tensor}_QuantizeLinear_Output`);
  const dequantized = names.fresh(`${tensor}_DequantizeLinear_Output`);
  graph.initializer.push(
    floatTensor(scale, [], [params.scale]),
    type === 'int8' ? int8Tensor(zeroPoint, [], Int8Array.of(params.zeroPoint)) : uint8Tensor(zeroPoint, [], Uint8Array.of(params.zeroPoint)),
  );
  const nodes = [
    makeNode('QuantizeLinear', [tensor, scale, zeroPoint], [quantized], names.fresh(`${tensor}_QuantizeLinear`)),
    makeNode('DequantizeLinear', [quantized, scale, zeroPoint], [dequantized], names.fresh(`${tensor}_DequantizeLinear`)),
  ];
  return { dequantized, params, nodes };
}
