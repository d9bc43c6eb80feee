/** A small image CNN and image-like inputs for the sample-input tests (quantize-samples.test.ts). */
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType, GraphProtoSchema } from 'onnx-buf';
import { intAttribute, makeNode } from '../../../src/core/quantize/node-factory';
import { mulberry32 } from '../../../src/core/seeded-random';
import { modelBytes, randomTensor, valueInfo } from '../quantize/test-models';

const ints = (name: string, values: number[]) => create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: values.map(BigInt) });

/** x [1,3,H,W] -> Conv 32 s2 -> Relu -> Conv 64 s2 -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> y [1,10]. */
export function smallCnn(inputShape: Array<number | string>, seed = 5): Uint8Array {
  const random = mulberry32(seed);
  const initializer = [
    randomTensor('conv1.weight', [32, 3, 3, 3], 27, random),
    randomTensor('conv1.bias', [32], 2700, random),
    randomTensor('conv2.weight', [64, 32, 3, 3], 288, random),
    randomTensor('conv2.bias', [64], 28_800, random),
    randomTensor('fc.weight', [10, 64], 64, random),
    randomTensor('fc.bias', [10], 6400, random),
  ];
  const conv = [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])];
  const node = [
    makeNode('Conv', ['x', 'conv1.weight', 'conv1.bias'], ['c1'], 'conv1', conv),
    makeNode('Relu', ['c1'], ['r1'], 'relu1'),
    makeNode('Conv', ['r1', 'conv2.weight', 'conv2.bias'], ['c2'], 'conv2', conv),
    makeNode('Relu', ['c2'], ['r2'], 'relu2'),
    makeNode('GlobalAveragePool', ['r2'], ['pooled'], 'pool'),
    makeNode('Flatten', ['pooled'], ['flat'], 'flatten', [intAttribute('axis', 1)]),
    makeNode('Gemm', ['flat', 'fc.weight', 'fc.bias'], ['y'], 'fc', [intAttribute('transB', 1)]),
  ];
  return modelBytes(create(GraphProtoSchema, { name: 'small-cnn', node, initializer, input: [valueInfo('x', inputShape)], output: [valueInfo('y', [1, 10])] }));
}

export const IMAGE = [3, 48, 192] as const;
export const PIXELS = IMAGE[0] * IMAGE[1] * IMAGE[2];

/** Image-like samples: per-channel offsets, smooth stripes at varied angles and frequencies, a little noise, in [0, 1]. */
export function realisticImages(count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(count * PIXELS);
  for (let s = 0; s < count; s++) {
    const fh = 0.05 + random() * 0.3;
    const fw = 0.02 + random() * 0.2;
    const phase = random() * Math.PI * 2;
    for (let c = 0; c < IMAGE[0]; c++) {
      const base = 0.3 + 0.4 * random();
      for (let h = 0; h < IMAGE[1]; h++) {
        for (let w = 0; w < IMAGE[2]; w++) {
          const value = base + 0.3 * Math.sin(h * fh + w * fw + phase + c) + 0.05 * (random() - 0.5);
          out[s * PIXELS + (c * IMAGE[1] + h) * IMAGE[2] + w] = Math.min(1, Math.max(0, value));
        }
      }
    }
  }
  return out;
}
