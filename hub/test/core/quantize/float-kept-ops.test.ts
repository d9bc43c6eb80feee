/**
 * Which Convs static int8 keeps float (float-kept-ops.ts): depthwise ones (one input channel per
 * group), and only under the default 'float' policy. Grouped convs with several channels per
 * group and ordinary convs are quantized.
 */
import { describe, expect, it } from 'vitest';
import { attr } from '../../../src/core/onnx/attribute';
import { GraphBuilder, encodeModel } from '../../../src/core/onnx/builder';
import { floats } from '../../../src/core/onnx/tensor';
import { floatKeptReason, isDepthwiseConv } from '../../../src/core/quantize/float-kept-ops';
import { collectScopes } from '../../../src/core/quantize/graph-scope';
import { decodeModel } from '../../../src/core/quantize/model-codec';

/** One Conv on x [1, 8, 6, 6] with `group` groups and `outputs` output channels. */
function convModel(group: number, outputs = 8): Uint8Array {
  const g = new GraphBuilder('conv', 13);
  const x = g.input('x', 'float32', [1, 8, 6, 6]);
  const perGroup = 8 / group;
  const w = g.initializer('w', floats(new Float32Array(outputs * perGroup * 9).fill(0.1)), [outputs, perGroup, 3, 3]);
  g.node('Conv', [x, w], ['y'], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), group: attr.int(group) });
  g.output('y', 'float32', [1, outputs, 6, 6]);
  return encodeModel(g.build());
}

describe('floatKeptReason', () => {
  const cases = [
    { name: 'depthwise (group 8, weight [8, 1, 3, 3])', group: 8, outputs: 8, depthwise: true },
    { name: 'depthwise with channel multiplier 2 (weight [16, 1, 3, 3])', group: 8, outputs: 16, depthwise: true },
    { name: 'grouped, 2 channels per group (weight [8, 2, 3, 3])', group: 4, outputs: 8, depthwise: false },
    { name: 'ordinary (group 1)', group: 1, outputs: 8, depthwise: false },
  ];
  it.each(cases)('$name', ({ group, outputs, depthwise }) => {
    const [scope] = collectScopes(decodeModel(convModel(group, outputs)));
    const conv = scope?.graph.node.find((node) => node.opType === 'Conv');
    if (!scope || !conv) throw new Error('no conv');
    expect(isDepthwiseConv(conv, scope)).toBe(depthwise);
    expect(floatKeptReason(conv, scope, 'float') !== undefined).toBe(depthwise);
    expect(floatKeptReason(conv, scope, 'int8')).toBeUndefined();
  });
});
