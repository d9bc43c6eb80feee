import type { ValueInfoProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, decodeModel, encodeModel } from '../../../src/core/onnx/builder';
import { compareOutputs } from '../../../src/core/onnx/compare';
import { encodeFeatures } from '../../../src/core/onnx/encode';
import { FEATURES_METADATA_KEY, HEAD_METADATA_KEY, exportNetwork } from '../../../src/core/onnx/export-network';
import { addPreprocessing } from '../../../src/core/onnx/export-preprocess';
import { predictNetwork } from '../../../src/core/onnx/forward';
import { metadataOf, walkNodes } from '../../../src/core/onnx/read';
import { encodedWidth, type FeatureSpec, type Head, type TrainedNetwork } from '../../../src/core/training/types';
import { MIXED_FEATURES, randomNetwork, randomRows, type RawRows } from './random-network';
import { RUNTIMES, type Feed, type Fetched } from './runtimes';

const ROWS = 40;
const NUMERIC_ONLY: FeatureSpec = { numeric: MIXED_FEATURES.numeric, categorical: [] };
const CATEGORICAL_ONLY: FeatureSpec = { numeric: [], categorical: MIXED_FEATURES.categorical };
/** A tight clip, so the random rows really get clipped on both sides. */
const CLIPPED: FeatureSpec = { ...MIXED_FEATURES, clip: 0.75 };

function feeds(features: FeatureSpec, raw: RawRows): Record<string, Feed> {
  const result: Record<string, Feed> = { numeric: { type: 'float32', data: raw.numeric, dims: [raw.rows, features.numeric.length] } };
  if (features.categorical.length > 0) {
    result['categorical'] = { type: 'string', data: raw.categorical.map((v) => v ?? ''), dims: [raw.rows, features.categorical.length] };
  }
  return result;
}

/** The reconstruction threshold halfway into the widest gap near the median score, so no row sits on it. */
function withThreshold(net: TrainedNetwork, raw: RawRows): TrainedNetwork {
  const probe = { ...net, head: { kind: 'reconstruction' as const, threshold: 0 } };
  const scores = [...(predictNetwork(probe, encodeFeatures(net.features, raw.numeric, raw.categorical), raw.rows)['score'] ?? [])].map(Number).sort((a, b) => a - b);
  const middle = Math.floor(scores.length / 2);
  return { ...net, head: { kind: 'reconstruction', threshold: ((scores[middle - 1] ?? 0) + (scores[middle] ?? 0)) / 2 } };
}

const HEADS: Array<[string, Head]> = [
  ['softmax', { kind: 'softmax', classes: ['low', 'mid', 'high', 'fault'] }],
  ['sigmoid-binary', { kind: 'sigmoid-binary', classes: ['ok', 'anomalous'] }],
  ['identity', { kind: 'identity', targetMean: 51.25, targetSd: 12.5 }],
  ['reconstruction', { kind: 'reconstruction', threshold: 0 }],
];

const CASES = HEADS.flatMap(([name, head], i) =>
  [
    ['mixed', MIXED_FEATURES],
    ['numeric-only', NUMERIC_ONLY],
    ['categorical-only', CATEGORICAL_ONLY],
    ['clipped', CLIPPED],
  ].map(([label, features], j) => {
    const spec = features as FeatureSpec;
    const raw = randomRows(100 + j, spec, ROWS);
    const net = randomNetwork(7 + 13 * i + j, spec, head);
    return { name: `${name} over ${label as string} features`, raw, net: head.kind === 'reconstruction' ? withThreshold(net, raw) : net };
  }),
);

const fetchedRecord = (out: Record<string, { data: Fetched }>): Record<string, ArrayLike<number> | ArrayLike<bigint>> =>
  Object.fromEntries(Object.entries(out).flatMap(([k, v]) => (Array.isArray(v.data) ? [] : [[k, v.data]])));

describe('exportNetwork parity with predictNetwork', () => {
  for (const { name, raw, net } of CASES) {
    for (const runtime of RUNTIMES) {
      it(`${name} in ${runtime.name}`, async () => {
        const out = await runtime.run(exportNetwork(net), feeds(net.features, raw));
        const expected = predictNetwork(net, encodeFeatures(net.features, raw.numeric, raw.categorical), raw.rows);
        const result = compareOutputs(fetchedRecord(out), expected, { abs: 1e-5, rel: 1e-5 });
        expect(result).toMatchObject({ ok: true });
        expect(Object.keys(out).sort()).toEqual(Object.keys(expected).sort());
        if (net.head.kind === 'reconstruction') {
          const flags = [...(expected['anomaly'] ?? [])];
          expect(flags).toContain(1);
          expect(flags).toContain(0);
          expect(out['anomaly']?.dims).toEqual([ROWS, 1]);
        }
        if (net.head.kind === 'softmax') expect(out['label']?.dims).toEqual([ROWS]);
      });
    }
  }
});

describe('exported preprocessing', () => {
  for (const runtime of RUNTIMES) {
    it(`is bit-identical to encodeFeatures in ${runtime.name}`, async () => {
      const g = new GraphBuilder();
      g.node('Identity', [addPreprocessing(g, MIXED_FEATURES)], ['encoded']);
      g.output('encoded', 'float32', ['N', encodedWidth(MIXED_FEATURES)]);
      const raw = randomRows(5, MIXED_FEATURES, 200);
      raw.numeric[0] = Number.POSITIVE_INFINITY;
      const out = await runtime.run(encodeModel(g.build()), feeds(MIXED_FEATURES, raw));
      expect(out['encoded']?.data).toEqual(encodeFeatures(MIXED_FEATURES, raw.numeric, raw.categorical));
    });

    it(`clips bit-identically to encodeFeatures in ${runtime.name}`, async () => {
      const g = new GraphBuilder();
      g.node('Identity', [addPreprocessing(g, CLIPPED)], ['encoded']);
      g.output('encoded', 'float32', ['N', encodedWidth(CLIPPED)]);
      const raw = randomRows(6, CLIPPED, 200);
      raw.numeric[0] = Number.POSITIVE_INFINITY;
      const expected = encodeFeatures(CLIPPED, raw.numeric, raw.categorical);
      expect(expected).toContain(Math.fround(0.75));
      expect(expected).toContain(Math.fround(-0.75));
      expect(Math.min(...expected)).toBe(Math.fround(-0.75));
      const out = await runtime.run(encodeModel(g.build()), feeds(CLIPPED, raw));
      expect(out['encoded']?.data).toEqual(expected);
    });
  }
});

describe('exportNetwork graph', () => {
  const net = randomNetwork(1, MIXED_FEATURES, { kind: 'softmax', classes: ['a', 'b', 'c'] });
  const model = decodeModel(exportNetwork(net, { producer: 'trainer-test', docString: 'three classes', metadata: { dataset: 'iris', [HEAD_METADATA_KEY]: 'spoofed' } }));

  it('uses MatMul + Add per layer and never Gemm (the dynamic quantizer targets MatMul)', () => {
    const ops = model.graph ? [...walkNodes(model.graph)].map((v) => v.node.opType) : [];
    expect(ops.filter((op) => op === 'MatMul')).toHaveLength(net.layers.length);
    expect(ops).not.toContain('Gemm');
    expect(model.opsetImport.map((o) => o.domain)).toEqual(['']);
  });

  it('declares the inputs and outputs of types.ts', () => {
    const io = (values: ValueInfoProto[]): string[] => values.map((v) => v.name);
    expect(io(model.graph?.input ?? [])).toEqual(['numeric', 'categorical']);
    expect(io(model.graph?.output ?? [])).toEqual(['probabilities', 'label']);
  });

  it('carries the feature spec and head as JSON metadata', () => {
    const meta = metadataOf(model);
    expect(JSON.parse(meta[FEATURES_METADATA_KEY] ?? 'null')).toEqual({ numeric: MIXED_FEATURES.numeric.map((f) => f.name), categorical: MIXED_FEATURES.categorical });
    expect(JSON.parse(meta[HEAD_METADATA_KEY] ?? 'null')).toEqual(net.head);
    expect(meta['dataset']).toBe('iris');
    expect([model.producerName, model.docString]).toEqual(['trainer-test', 'three classes']);
  });

  it('rejects inconsistent networks', () => {
    const badLayer = { ...net, layers: net.layers.map((layer, i) => (i === 0 ? { ...layer, inputs: 3 } : layer)) };
    expect(() => exportNetwork(badLayer)).toThrow(/layer 0/);
    const badHead: TrainedNetwork = { ...net, head: { kind: 'sigmoid-binary', classes: ['a', 'b'] } };
    expect(() => exportNetwork(badHead)).toThrow(/sigmoid-binary head needs 1/);
    const emptyCategory = { ...net, features: { ...MIXED_FEATURES, categorical: [{ name: 'site', categories: ['', 'x', 'y', 'z', 'w'] }] } };
    expect(() => exportNetwork(emptyCategory)).toThrow(/means missing/);
  });
});
