import { create } from '@bufbuild/protobuf';
import { TensorProto_DataType, TensorProtoSchema, type ModelProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { refusal } from './refusal';
import type { HubError } from '../../../src/core/errors';
import { GraphBuilder, decodeModel, encodeModel } from '../../../src/core/onnx/builder';
import { exportNetwork } from '../../../src/core/onnx/export-network';
import { usableSd } from '../../../src/core/onnx/feature-spec';
import { networkFromOnnx } from '../../../src/core/pruning';
import { quantizeDynamic, quantizeWeightsOnly } from '../../../src/core/quantize';
import type { FeatureSpec, Head, TrainedNetwork } from '../../../src/core/training/types';
import { MIXED_FEATURES, randomNetwork } from '../onnx/random-network';

const NUMERIC_ONLY: FeatureSpec = { numeric: MIXED_FEATURES.numeric, categorical: [] };
const CATEGORICAL_ONLY: FeatureSpec = { numeric: [], categorical: MIXED_FEATURES.categorical };
const CLIPPED_FILLED: FeatureSpec = { numeric: [{ name: 'a', mean: 0.1, sd: 2, fill: -3 }, { name: 'b', mean: 5, sd: 0.5, fill: 5 }], categorical: [], clip: 2.5 };

const SOFTMAX: Head = { kind: 'softmax', classes: ['low', 'mid', 'high'] };
const BINARY: Head = { kind: 'sigmoid-binary', classes: ['ok', 'fault'] };
const IDENTITY: Head = { kind: 'identity', targetMean: 51.25, targetSd: 12.5 };
const RECONSTRUCTION: Head = { kind: 'reconstruction', threshold: 0.75 };

/** The spec as the graph stores it: float32 constants, an unusable sd as 1. */
const asStored = (features: FeatureSpec): FeatureSpec => ({
  ...features,
  numeric: features.numeric.map((f) => ({ name: f.name, mean: Math.fround(f.mean), sd: Math.fround(usableSd(f.sd)), fill: Math.fround(f.fill) })),
  ...(features.clip === undefined ? {} : { clip: Math.fround(features.clip) }),
});

const lastActivation = (net: TrainedNetwork, activation: 'sigmoid' | 'tanh'): TrainedNetwork => ({
  ...net,
  layers: net.layers.map((l, i) => (i === net.layers.length - 1 ? { ...l, activation } : l)),
});

const CASES: Array<[string, TrainedNetwork]> = [
  ['softmax over numeric features', randomNetwork(1, NUMERIC_ONLY, SOFTMAX)],
  ['sigmoid-binary over mixed features', randomNetwork(2, MIXED_FEATURES, BINARY)],
  ['sigmoid-binary whose last layer is itself sigmoid', lastActivation(randomNetwork(3, MIXED_FEATURES, BINARY), 'sigmoid')],
  ['regression over clipped features with a fill', randomNetwork(4, CLIPPED_FILLED, IDENTITY)],
  ['regression whose last layer is tanh', lastActivation(randomNetwork(5, NUMERIC_ONLY, IDENTITY), 'tanh')],
  ['softmax over categorical features only', randomNetwork(6, CATEGORICAL_ONLY, SOFTMAX)],
  ['reconstruction over mixed features', randomNetwork(7, MIXED_FEATURES, RECONSTRUCTION)],
];

const refused = (model: ModelProto): HubError => refusal(() => networkFromOnnx(model));

describe('networkFromOnnx', () => {
  it.each(CASES)('reads back %s', (_name, net) => {
    const bytes = exportNetwork(net);
    const read = networkFromOnnx(decodeModel(bytes));
    expect(read.head).toEqual(net.head);
    expect(read.features).toEqual(asStored(net.features));
    expect(read.layers).toHaveLength(net.layers.length);
    read.layers.forEach((layer, i) => {
      const original = net.layers[i];
      expect({ ...layer, weights: [...layer.weights], bias: [...layer.bias] }).toEqual({ ...original, weights: [...(original?.weights ?? [])], bias: [...(original?.bias ?? [])] });
    });
    // The strongest check: exporting what was read gives the very same file.
    expect(exportNetwork(read)).toEqual(bytes);
  });

  it('refuses an int8-dynamic quantized export, pointing at the float model', () => {
    const quantized = quantizeDynamic(exportNetwork(randomNetwork(8, NUMERIC_ONLY, SOFTMAX))).model;
    const error = refused(decodeModel(quantized));
    expect(error.code).toBe('E_VALIDATION');
    expect(error.message).toMatch(/^not a network exported by an edgefleet training run: no layer0_weight initializer \(its weights are quantized/);
  });

  it('refuses a weights-only quantized export', () => {
    const quantized = quantizeWeightsOnly(exportNetwork(randomNetwork(9, NUMERIC_ONLY, IDENTITY)), { minElements: 1 }).model;
    expect(refused(decodeModel(quantized)).message).toMatch(/no layer0_weight initializer \(its weights are quantized/);
  });

  it('refuses an edgefleet-looking graph whose weights are not float', () => {
    const model = decodeModel(exportNetwork(randomNetwork(10, NUMERIC_ONLY, SOFTMAX)));
    const graph = model.graph;
    if (graph === undefined) throw new Error('no graph');
    const index = graph.initializer.findIndex((t) => t.name === 'layer1_weight');
    const original = graph.initializer[index];
    if (original === undefined) throw new Error('no layer1_weight');
    graph.initializer[index] = create(TensorProtoSchema, { name: 'layer1_weight', dims: original.dims, dataType: TensorProto_DataType.INT8, rawData: new Uint8Array(Number(original.dims[0]) * Number(original.dims[1])) });
    expect(refused(model).message).toMatch(/initializer layer1_weight is not readable float32 data/);
  });

  it('refuses a third-party graph, saying what is missing', () => {
    const g = new GraphBuilder('foreign');
    const x = g.input('x', 'float32', ['N', 3]);
    const w = g.initializer('w', { type: 'float32', data: new Float32Array(6) }, [3, 2]);
    g.node('Relu', [g.op('MatMul', [x, w])], ['y']);
    g.output('y', 'float32', ['N', 2]);
    const bare = decodeModel(encodeModel(g.build()));
    expect(refused(bare)).toMatchObject({ code: 'E_VALIDATION', message: 'not a network exported by an edgefleet training run: no edgefleet.head metadata' });
    const labelled = decodeModel(encodeModel(g.build({ metadata: { 'edgefleet.head': JSON.stringify(SOFTMAX), 'edgefleet.features': JSON.stringify({ numeric: ['a', 'b', 'c'], categorical: [] }) } })));
    expect(refused(labelled).message).toBe('not a network exported by an edgefleet training run: no layer0_weight initializer');
    const badHead = decodeModel(encodeModel(g.build({ metadata: { 'edgefleet.head': '{"kind":"softmax"}' } })));
    expect(refused(badHead).message).toMatch(/edgefleet\.head metadata: classes/);
  });

  it('refuses an export missing its scaling constants', () => {
    const model = decodeModel(exportNetwork(randomNetwork(12, NUMERIC_ONLY, SOFTMAX)));
    const graph = model.graph;
    if (graph === undefined) throw new Error('no graph');
    graph.initializer = graph.initializer.filter((t) => t.name !== 'sd');
    expect(refused(model).message).toBe('not a network exported by an edgefleet training run: no sd initializer');
  });

  it('refuses an export whose metadata no longer matches its layers', () => {
    const model = decodeModel(exportNetwork(randomNetwork(11, NUMERIC_ONLY, SOFTMAX)));
    const head = model.metadataProps.find((p) => p.key === 'edgefleet.head');
    if (head === undefined) throw new Error('no head metadata');
    head.value = JSON.stringify({ kind: 'softmax', classes: ['a', 'b'] });
    expect(refused(model).message).toBe('not a network exported by an edgefleet training run: last layer gives 3 outputs, softmax head needs 2');
  });
});
