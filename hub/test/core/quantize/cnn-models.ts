/**
 * Models for the opset-conversion and static-CNN tests, built with the repo's ONNX builder:
 * - legacyOpset9Model: an opset-9 graph using the ops whose form changed by opset 13 (Clip with
 *   min/max attributes, Pad, Upsample, Slice attributes, Dropout, ReduceSum/Unsqueeze/Squeeze
 *   axes attributes, Softmax with the old flatten-at-axis meaning, BatchNormalization).
 * - mobileNetBlock: a MobileNetV3-style CNN (opset 14): Conv -> BN -> HardSwish, depthwise Conv
 *   -> BN -> HardSwish, a squeeze-excite branch (Conv -> Relu -> Conv -> HardSigmoid -> Mul),
 *   pointwise Conv -> BN -> residual Add, then pooling and a small Gemm head [N, 10].
 */
import { attr } from '../../../src/core/onnx/attribute';
import { GraphBuilder, encodeModel } from '../../../src/core/onnx/builder';
import { floats } from '../../../src/core/onnx/tensor';
import { mulberry32 } from '../../../src/core/seeded-random';

function uniform(count: number, limit: number, random: () => number, offset = 0): Float32Array {
  return Float32Array.from({ length: count }, () => offset + (random() * 2 - 1) * limit);
}

/** BatchNormalization with seeded, non-trivial statistics (variance in [0.5, 1.5]). */
function batchNorm(g: GraphBuilder, x: string, channels: number, random: () => number): string {
  const scale = g.initializer('bn_scale', floats(uniform(channels, 0.5, random, 1)), [channels]);
  const bias = g.initializer('bn_bias', floats(uniform(channels, 0.3, random)), [channels]);
  const mean = g.initializer('bn_mean', floats(uniform(channels, 0.3, random)), [channels]);
  const variance = g.initializer('bn_var', floats(uniform(channels, 0.5, random, 1)), [channels]);
  return g.op('BatchNormalization', [x, scale, bias, mean, variance], { epsilon: attr.float(1e-3) });
}

function conv(g: GraphBuilder, x: string, inputs: number, outputs: number, kernel: number, random: () => number, group = 1, bias = false): string {
  const fanIn = (inputs / group) * kernel * kernel;
  const weight = g.initializer('conv_w', floats(uniform(outputs * fanIn, Math.sqrt(6 / fanIn), random)), [outputs, inputs / group, kernel, kernel]);
  const b = bias ? [g.initializer('conv_b', floats(uniform(outputs, 0.1, random)), [outputs])] : [];
  const pad = (kernel - 1) / 2;
  return g.op('Conv', [x, weight, ...b], { kernel_shape: attr.ints([kernel, kernel]), pads: attr.ints([pad, pad, pad, pad]), group: attr.int(group) });
}

/** x [N, 3, 8, 8] -> y [N, 4, 18] (softmax over each whole row, the opset-9 meaning) and z [N, 4, 8]. */
export function legacyOpset9Model(seed = 5): Uint8Array {
  const random = mulberry32(seed);
  const g = new GraphBuilder('legacy', 9);
  const x = g.input('x', 'float32', ['N', 3, 8, 8]);
  const features = batchNorm(g, conv(g, x, 3, 4, 3, random, 1, true), 4, random);
  const clipped = g.op('Clip', [features], { min: attr.float(-0.5), max: attr.float(1.5) });
  const padded = g.op('Pad', [clipped], { pads: attr.ints([0, 0, 1, 1, 0, 0, 1, 1]), value: attr.float(0.25) });
  const upsampled = g.op('Upsample', [padded, g.initializer('scales', floats([1, 1, 2, 2]), [4])], { mode: attr.string('nearest') });
  const sliced = g.op('Slice', [upsampled], { starts: attr.ints([1, 1]), ends: attr.ints([19, 19]), axes: attr.ints([2, 3]) });
  const [dropped = ''] = g.node('Dropout', [sliced], 1, { ratio: attr.float(0.3) });
  const summed = g.op('ReduceSum', [dropped], { axes: attr.ints([3]), keepdims: attr.int(0) });
  const squeezed = g.op('Squeeze', [g.op('Unsqueeze', [summed], { axes: attr.ints([1]) })], { axes: attr.ints([1]) });
  g.node('Softmax', [squeezed], ['y'], { axis: attr.int(1) });
  g.output('y', 'float32', ['N', 4, 18]);
  g.node('MatMul', ['y', g.initializer('w', floats(uniform(18 * 8, 0.5, random)), [18, 8])], ['z']);
  g.output('z', 'float32', ['N', 4, 8]);
  return encodeModel(g.build());
}

export const MOBILENET_INPUT = [3, 16, 16] as const;

/** x [N, 3, 16, 16] -> y [N, 10]; 5 Convs, 3 of them followed by BatchNormalization. */
export function mobileNetBlock(seed = 7): Uint8Array {
  const random = mulberry32(seed);
  const g = new GraphBuilder('mobilenet_block', 14);
  const x = g.input('x', 'float32', ['N', ...MOBILENET_INPUT]);
  const stem = g.op('HardSwish', [batchNorm(g, conv(g, x, 3, 16, 3, random), 16, random)]);
  const depthwise = g.op('HardSwish', [batchNorm(g, conv(g, stem, 16, 16, 3, random, 16), 16, random)]);
  const pooled = g.op('GlobalAveragePool', [depthwise]);
  const squeeze = g.op('Relu', [conv(g, pooled, 16, 8, 1, random, 1, true)]);
  const excite = g.op('HardSigmoid', [conv(g, squeeze, 8, 16, 1, random, 1, true)], { alpha: attr.float(1 / 6), beta: attr.float(0.5) });
  const scaled = g.op('Mul', [depthwise, excite]);
  const project = batchNorm(g, conv(g, scaled, 16, 16, 1, random), 16, random);
  const residual = g.op('Add', [project, stem]);
  const head = g.op('Flatten', [g.op('GlobalAveragePool', [residual])], { axis: attr.int(1) });
  const fcWeight = g.initializer('fc_w', floats(uniform(10 * 16, 0.6, random)), [10, 16]);
  const fcBias = g.initializer('fc_b', floats(uniform(10, 0.1, random)), [10]);
  g.node('Gemm', [head, fcWeight, fcBias], ['y'], { transB: attr.int(1) });
  g.output('y', 'float32', ['N', 10]);
  return encodeModel(g.build());
}

/** `count` seeded inputs in [-1, 1) for a model input of `dims` (without the batch axis). */
export function seededImages(count: number, dims: readonly number[], seed: number): Float32Array {
  const random = mulberry32(seed);
  const size = dims.reduce((n, d) => n * d, 1);
  // Smooth-ish images (a random plane per sample plus noise), closer to real pictures than white noise.
  const out = new Float32Array(count * size);
  for (let n = 0; n < count; n++) {
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    for (let i = 0; i < size; i++) out[n * size + i] = Math.max(-1, Math.min(1, 0.5 * a * Math.sin(i / 7) + 0.5 * b * Math.cos(i / 13) + 0.3 * (random() - 0.5)));
  }
  return out;
}

/**
 * x [N, 3, 16, 16] -> y [N, 4] at opset 13, with hard-swish written the way older exporters
 * write it, in three variants: Conv -> Add(3) -> Clip(0, 6) -> Mul(x, .) -> Div(6); the same with
 * Mul(1/6) and the operands swapped; and one whose Clip output is also read elsewhere (a graph
 * output, `clip_out`), which must not be fused.
 */
export function writtenOutHardSwishModel(seed = 11): Uint8Array {
  const random = mulberry32(seed);
  const g = new GraphBuilder('written_out_hard_swish', 13);
  const scalar = (name: string, value: number) => g.initializer(name, floats([value]), []);
  const x = g.input('x', 'float32', ['N', ...MOBILENET_INPUT]);
  const first = conv(g, x, 3, 8, 3, random, 1, true);
  const clipped = g.op('Clip', [g.op('Add', [first, scalar('three', 3)]), scalar('zero', 0), scalar('six', 6)]);
  const swished = g.op('Div', [g.op('Mul', [first, clipped]), scalar('six_div', 6)]);
  const second = conv(g, swished, 8, 8, 1, random, 1, true);
  const clipped2 = g.op('Clip', [g.op('Add', [scalar('three_b', 3), second]), scalar('zero_b', 0), scalar('six_b', 6)]);
  const swished2 = g.op('Mul', [g.op('Mul', [clipped2, second]), scalar('sixth', 1 / 6)]);
  const third = conv(g, swished2, 8, 4, 1, random, 1, true);
  g.node('Clip', [g.op('Add', [third, scalar('three_c', 3)]), scalar('zero_c', 0), scalar('six_c', 6)], ['clip_out']);
  g.node('Div', [g.op('Mul', [third, 'clip_out']), scalar('six_c_div', 6)], ['kept']);
  g.node('ReduceMean', ['kept'], ['y'], { axes: attr.ints([2, 3]), keepdims: attr.int(0) });
  g.output('y', 'float32', ['N', 4]);
  g.output('clip_out', 'float32', ['N', 4, 16, 16]);
  return encodeModel(g.build());
}
