/**
 * Which weighted ops static int8 leaves in float (input, weight and output), and why. The rule
 * is measured, not assumed: an op stays float when onnxruntime's int8 kernel for it is slower
 * than its float kernel *plus* nothing downstream gains from it being int8.
 *
 * Depthwise Conv (group > 1, one input channel per group, weight [M, 1, kh, kw]): onnxruntime
 * 1.30's QLinearConv runs it through a generic per-pixel int8 kernel, while the float Conv runs in
 * MLAS's blocked NCHWc depthwise kernel with its activation fused. On PaddleOCR's MobileNetV3
 * text-direction classifier (13 depthwise 3x3/5x5 convs, batch 16, 1 thread, 2-core AVX2 EPYC)
 * the 13 depthwise QLinearConvs took about 8 ms against about 3.6 ms in float, and the whole
 * int8 model ran at 0.58x fp32 speed with them and 0.79x without (fleet-sim cnn-int8-bench.ts).
 * Their weights must then stay float constants too: a Conv whose weight comes out of a
 * DequantizeLinear is not a constant when onnxruntime lays convs out in NCHWc, so it falls back
 * to the plain NCHW float kernel (13.9 ms for the same 13 convs), slower than either.
 */
import type { NodeProto } from 'onnx-buf';
import { resolveConstant, type Scope } from './graph-scope';
import { intAttributeOf } from './node-factory';
import { dimsOf } from './tensor-data';

/** What to do with depthwise convs: 'float' (default, see above) or 'int8' (QLinearConv like the rest). */
export type DepthwisePolicy = 'float' | 'int8';

/** True for a Conv with group > 1 whose weight has one input channel per group. */
export function isDepthwiseConv(node: NodeProto, scope: Scope): boolean {
  if (node.opType !== 'Conv' || intAttributeOf(node, 'group', 1) <= 1) return false;
  const weight = resolveConstant(scope, node.input[1] ?? '');
  return weight !== undefined && dimsOf(weight.tensor)[1] === 1;
}

/** Why `node` stays float under `policy`, or undefined when it is quantized. */
export function floatKeptReason(node: NodeProto, scope: Scope, policy: DepthwisePolicy): string | undefined {
  if (policy === 'float' && isDepthwiseConv(node, scope)) {
    return 'depthwise Conv kept float with a float weight: onnxruntime\'s int8 depthwise kernel is slower than its float NCHWc one (float-kept-ops.ts)';
  }
  return undefined;
}
