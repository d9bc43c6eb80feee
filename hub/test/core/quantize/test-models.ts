/**
 * Seeded fp32 models built directly with onnx-buf for the quantization tests: a 784-512-10 MLP
 * (MatMul + Add + Relu), a small CNN (Conv, Conv, Flatten, Gemm with transB), an If whose
 * branches hold MatMul weights, and a weightless single Add.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType,
  GraphProtoSchema,
  ModelProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TensorShapeProto_DimensionSchema,
  ValueInfoProtoSchema,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { intAttribute, makeNode } from '../../../src/core/quantize/node-factory';
import { floatTensor } from '../../../src/core/quantize/tensor-data';
import { mulberry32 } from '../../../src/core/seeded-random';

export function valueInfo(name: string, dims: Array<number | string>, elemType = TensorProto_DataType.FLOAT): ValueInfoProto {
  const dim = dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } }));
  return create(ValueInfoProtoSchema, { name, type: { value: { case: 'tensorType', value: { elemType, shape: { dim } } } } });
}

/** Uniform(-limit, limit) with limit = sqrt(6 / fanIn) (He/Glorot-like), seeded. */
export function randomTensor(name: string, dims: number[], fanIn: number, random: () => number): TensorProto {
  const count = dims.reduce((n, d) => n * d, 1);
  const limit = Math.sqrt(6 / fanIn);
  return floatTensor(name, dims, Float32Array.from({ length: count }, () => (random() * 2 - 1) * limit));
}

export function modelBytes(graph: GraphProto, opset = 17, irVersion = 8n): Uint8Array {
  const model = create(ModelProtoSchema, { irVersion, producerName: 'edgefleet-test', opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })], graph });
  return toBinary(ModelProtoSchema, model);
}

export function mlp(seed = 1, sizes: [number, number, number] = [784, 512, 10], opset = 17): Uint8Array {
  const [inputs, hidden, outputs] = sizes;
  const random = mulberry32(seed);
  const initializer = [
    randomTensor('W1', [inputs, hidden], inputs, random),
    randomTensor('b1', [hidden], inputs * 100, random),
    randomTensor('W2', [hidden, outputs], hidden, random),
    randomTensor('b2', [outputs], hidden * 100, random),
  ];
  const node = [
    makeNode('MatMul', ['x', 'W1'], ['h1'], 'fc1'),
    makeNode('Add', ['h1', 'b1'], ['h1b'], 'fc1_bias'),
    makeNode('Relu', ['h1b'], ['a1'], 'relu1'),
    makeNode('MatMul', ['a1', 'W2'], ['h2'], 'fc2'),
    makeNode('Add', ['h2', 'b2'], ['y'], 'fc2_bias'),
  ];
  const graph = create(GraphProtoSchema, { name: 'mlp', node, initializer, input: [valueInfo('x', ['N', inputs])], output: [valueInfo('y', ['N', outputs])] });
  return modelBytes(graph, opset);
}

/** x [N,1,28,28] -> Conv 8x3x3 -> Relu -> Conv 16x3x3 -> Relu -> Flatten -> Gemm(transB) -> y [N,10]. */
export function convNet(seed = 2): Uint8Array {
  const random = mulberry32(seed);
  const initializer = [
    randomTensor('conv1.weight', [8, 1, 3, 3], 9, random),
    randomTensor('conv1.bias', [8], 900, random),
    randomTensor('conv2.weight', [16, 8, 3, 3], 72, random),
    randomTensor('conv2.bias', [16], 7200, random),
    randomTensor('fc.weight', [10, 16 * 24 * 24], 16 * 24 * 24, random),
    randomTensor('fc.bias', [10], 100 * 16 * 24 * 24, random),
  ];
  const kernel = create(AttributeProtoSchema, { name: 'kernel_shape', type: AttributeProto_AttributeType.INTS, ints: [3n, 3n] });
  const node: NodeProto[] = [
    makeNode('Conv', ['x', 'conv1.weight', 'conv1.bias'], ['c1'], 'conv1', [kernel]),
    makeNode('Relu', ['c1'], ['r1'], 'relu1'),
    makeNode('Conv', ['r1', 'conv2.weight', 'conv2.bias'], ['c2'], 'conv2', [kernel]),
    makeNode('Relu', ['c2'], ['r2'], 'relu2'),
    makeNode('Flatten', ['r2'], ['flat'], 'flatten', [intAttribute('axis', 1)]),
    makeNode('Gemm', ['flat', 'fc.weight', 'fc.bias'], ['y'], 'fc', [intAttribute('transB', 1)]),
  ];
  const graph = create(GraphProtoSchema, { name: 'cnn', node, initializer, input: [valueInfo('x', ['N', 1, 28, 28])], output: [valueInfo('y', ['N', 10])] });
  return modelBytes(graph);
}

/** y = If(flag, then: x @ Wt, else: x @ We), weights as initializers of the branches. */
export function branchyMatMul(seed = 3): Uint8Array {
  const random = mulberry32(seed);
  const branch = (name: string, weight: string): GraphProto =>
    create(GraphProtoSchema, {
      name,
      node: [makeNode('MatMul', ['x', weight], [`${name}_y`], `${name}_matmul`)],
      initializer: [randomTensor(weight, [64, 32], 64, random)],
      output: [valueInfo(`${name}_y`, ['N', 32])],
    });
  const graphAttribute = (name: string, g: GraphProto) => create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.GRAPH, g });
  const node = [makeNode('If', ['flag'], ['y'], 'choose', [graphAttribute('then_branch', branch('then', 'Wt')), graphAttribute('else_branch', branch('else', 'We'))])];
  const graph = create(GraphProtoSchema, {
    name: 'branchy',
    node,
    input: [valueInfo('x', ['N', 64]), valueInfo('flag', [], TensorProto_DataType.BOOL)],
    output: [valueInfo('y', ['N', 32])],
  });
  return modelBytes(graph);
}

export function singleAdd(): Uint8Array {
  const graph = create(GraphProtoSchema, {
    name: 'add',
    node: [makeNode('Add', ['a', 'b'], ['y'], 'add')],
    input: [valueInfo('a', [4]), valueInfo('b', [4])],
    output: [valueInfo('y', [4])],
  });
  return modelBytes(graph);
}

/** N rows of uniform [0, 1) features, seeded. */
export function randomInputs(count: number, width: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: count * width }, () => random());
}
