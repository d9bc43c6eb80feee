/**
 * Static QDQ bias: int32 with scale = x_scale * w_scale (per output channel when the weight is
 * per channel) and zero point 0, behind a DequantizeLinear, so onnxruntime can fold it into the
 * integer accumulator of QLinearConv / QGemm. Replaces the float bias in place (same name).
 */
import type { ConstantRef } from './graph-scope';
import type { NameAllocator } from './name-allocator';
import { intAttribute, makeNode } from './node-factory';
import { rint } from './symmetric-int8';
import { floatTensor, int32Tensor, readFloats } from './tensor-data';

const INT32_MAX = 2147483647;

/** false when the bias is not a 1-D float tensor matching the weight scales. */
export function quantizeBiasInPlace(ref: ConstantRef, activationScale: number, weightScales: Float32Array, names: NameAllocator): boolean {
  const data = readFloats(ref.tensor);
  if (!data || ref.tensor.dims.length !== 1 || (weightScales.length !== 1 && weightScales.length !== data.length)) return false;
  const perChannel = weightScales.length > 1;
  const scales = Float32Array.from(perChannel ? weightScales : [weightScales[0] ?? 1], (w) => Math.fround(activationScale * w));
  const values = Array.from(data, (b, i) => Math.max(-INT32_MAX, Math.min(INT32_MAX, rint(b / (scales[perChannel ? i : 0] ?? 1)))));
  const quantized = names.fresh(`${ref.name}_quantized`);
  const scale = names.fresh(`${ref.name}_scale`);
  const { graph } = ref.owner;
  graph.initializer.push(int32Tensor(quantized, [data.length], values), floatTensor(scale, perChannel ? [scales.length] : [], scales));
  const dequantize = makeNode('DequantizeLinear', [quantized, scale], [ref.name], names.fresh(`${ref.name}_DequantizeLinear`), perChannel ? [intAttribute('axis', 0)] : []);
  if (ref.source === 'initializer') {
    graph.initializer = graph.initializer.filter((tensor) => tensor !== ref.tensor);
    graph.node.unshift(dequantize);
  } else {
    graph.node = graph.node.map((node) => (node === ref.node ? dequantize : node));
  }
  return true;
}
