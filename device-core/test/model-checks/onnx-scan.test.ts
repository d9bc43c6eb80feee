/**
 * The wire-format ONNX scan (issue 16, items 2 and 7) on real files: Silero VAD and the hub's own
 * exports pass clean; external data anywhere a tensor can sit is found; constant intermediates
 * over the limit are named with their size; and no byte sequence makes it throw (fast-check,
 * fixed seed): a malformed file is a verdict, never a crash.
 */
import { readFile } from 'node:fs/promises';
import { create } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { AttributeProtoSchema, AttributeProto_AttributeType, FunctionProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { describeExternalData, describeOversized, scanOnnxModel } from '../../src/model-checks/onnx-scan';
import { GraphBuilder, attr, decodeModel, encodeModel, makeTensor } from '../../../hub/src/core/onnx';
import { BOMB_ELEMENTS, computedShapeBomb, constantOfShapeBomb, externalDataModel, slowModel } from '../../../test/fixtures/hostile-models';
import { bulkyClassifierOnnx } from '../../../test/fixtures/rollout-models';
import { SILERO_LEGACY, SILERO_V5, SILERO_V6 } from '../../../test/fixtures/silero';

const MIB = 1024 * 1024;
const LIMIT = { maxIntermediateBytes: 512 * MIB };

/** A model whose output comes out of one node of `opType`, fed and configured by `build`. */
function single(opType: string, build: (g: GraphBuilder) => { inputs: string[]; attrs?: Parameters<GraphBuilder['node']>[3] }): Uint8Array {
  const g = new GraphBuilder('single');
  g.input('x', 'float32', [1]);
  const { inputs, attrs } = build(g);
  g.node(opType, inputs, ['y'], attrs ?? {});
  g.output('y', 'float32', ['n']);
  return encodeModel(g.build());
}

const int64 = (g: GraphBuilder, name: string, values: number[]) => g.initializer(name, { type: 'int64', data: BigInt64Array.from(values.map(BigInt)) }, [values.length]);

describe('scanOnnxModel', () => {
  it('finds nothing in real models: Silero VAD (three versions, with If/Loop bodies), the rollout fixtures, a slow but small model', async () => {
    for (const file of [SILERO_V5, SILERO_V6, SILERO_LEGACY]) {
      expect(scanOnnxModel(new Uint8Array(await readFile(file)), LIMIT), file).toEqual({ ok: true, externalData: null, oversized: null });
    }
    expect(scanOnnxModel(bulkyClassifierOnnx(), LIMIT)).toEqual({ ok: true, externalData: null, oversized: null });
    expect(scanOnnxModel(slowModel(), LIMIT)).toEqual({ ok: true, externalData: null, oversized: null });
  });

  it("names the outside review's ConstantOfShape of 805M floats, with its size", () => {
    const scan = scanOnnxModel(constantOfShapeBomb(), LIMIT);
    expect(scan).toEqual({ ok: true, externalData: null, oversized: { node: 'ConstantOfShape_node', opType: 'ConstantOfShape', elements: BOMB_ELEMENTS, bytes: BOMB_ELEMENTS * 4 } });
    if (!scan.ok || !scan.oversized) throw new Error('unreachable');
    expect(describeOversized(scan.oversized)).toBe("ConstantOfShape node 'ConstantOfShape_node' makes 805000000 elements (3071 MiB)");
    // Under a limit it fits, it is no finding; a shape computed at run time is not the scan's to see.
    expect(scanOnnxModel(constantOfShapeBomb(1000), LIMIT)).toEqual({ ok: true, externalData: null, oversized: null });
    expect(scanOnnxModel(computedShapeBomb(), LIMIT)).toEqual({ ok: true, externalData: null, oversized: null });
  });

  it('sizes ConstantOfShape by its value type, Random* by shape and dtype, Expand by the target shape, Range by its bounds', () => {
    const int64Value = attr.tensor(makeTensor('v', { type: 'int64', data: BigInt64Array.from([7n]) }, [1]));
    const cases: Array<[Uint8Array, { opType: string; elements: number; bytes: number }]> = [
      [single('ConstantOfShape', (g) => ({ inputs: [int64(g, 's', [100_000, 1000])], attrs: { value: int64Value } })), { opType: 'ConstantOfShape', elements: 1e8, bytes: 8e8 }],
      [single('RandomNormal', () => ({ inputs: [], attrs: { shape: attr.ints([20_000, 10_000]), dtype: attr.int(11) } })), { opType: 'RandomNormal', elements: 2e8, bytes: 1.6e9 }],
      [single('RandomUniform', () => ({ inputs: [], attrs: { shape: attr.ints([200_000_000]) } })), { opType: 'RandomUniform', elements: 2e8, bytes: 8e8 }],
      [single('Expand', (g) => ({ inputs: ['x', int64(g, 's', [1000, 1000, 1000])] })), { opType: 'Expand', elements: 1e9, bytes: 1e9 }],
      [single('Range', (g) => ({ inputs: [g.initializer('a', { type: 'int64', data: BigInt64Array.from([0n]) }, []), g.initializer('b', { type: 'int64', data: BigInt64Array.from([100_000_000n]) }, []), g.initializer('d', { type: 'int64', data: BigInt64Array.from([1n]) }, [])] })), { opType: 'Range', elements: 1e8, bytes: 8e8 }],
    ];
    for (const [bytes, expected] of cases) {
      const scan = scanOnnxModel(bytes, LIMIT);
      expect(scan.ok && scan.oversized, expected.opType).toMatchObject(expected);
    }
  });

  it('follows shapes that come from Constant nodes (value tensor, value_ints) and looks inside If/Loop bodies', () => {
    const viaValueInts = single('ConstantOfShape', (g) => {
      g.node('Constant', [], ['shape'], { value_ints: attr.ints([300_000_000]) });
      return { inputs: ['shape'] };
    });
    expect(scanOnnxModel(viaValueInts, LIMIT)).toMatchObject({ oversized: { opType: 'ConstantOfShape', elements: 3e8 } });

    const body = new GraphBuilder('then');
    body.node('Constant', [], ['shape_in_body'], { value: attr.tensor(makeTensor('s', { type: 'int64', data: BigInt64Array.from([400_000_000n]) }, [1])) });
    body.node('ConstantOfShape', ['shape_in_body'], ['big']);
    body.output('big', 'float32', ['n']);
    const nested = single('If', (g) => ({ inputs: [g.initializer('c', { type: 'bool', data: Uint8Array.of(1) }, [])], attrs: { then_branch: attr.graph(body.graph()), else_branch: attr.graph(body.graph()) } }));
    expect(scanOnnxModel(nested, LIMIT)).toMatchObject({ oversized: { opType: 'ConstantOfShape', elements: 4e8, bytes: 1.6e9 } });
  });

  it('finds external data in an initializer, a Constant node, a node attribute in a nested body, a sparse initializer, a function attribute default', () => {
    expect(scanOnnxModel(externalDataModel(), LIMIT)).toEqual({ ok: true, externalData: { tensor: 'w', where: 'initializer' }, oversized: null });
    expect(scanOnnxModel(externalDataModel('constant'), LIMIT)).toMatchObject({ externalData: { tensor: 'w', where: 'attribute of a Constant' } });
    expect(describeExternalData({ tensor: 'w', where: 'initializer' })).toBe("initializer 'w' keeps its data in an external file");

    // Inside an If body, as an attribute tensor of some node.
    const constant = decodeModel(externalDataModel('constant')).graph?.node.find((node) => node.opType === 'Constant');
    if (!constant) throw new Error('unreachable');
    const outer = new GraphBuilder('outer');
    outer.input('x', 'float32', [1]);
    const inner = new GraphBuilder('inner');
    inner.node('Identity', ['x'], ['z']);
    inner.output('z', 'float32', [1]);
    const innerGraph = inner.graph();
    innerGraph.node.push(constant);
    outer.node('If', [outer.initializer('c', { type: 'bool', data: Uint8Array.of(1) }, [])], ['y'], { then_branch: attr.graph(innerGraph), else_branch: attr.graph(innerGraph) });
    outer.output('y', 'float32', [1]);
    expect(scanOnnxModel(encodeModel(outer.build()), LIMIT)).toMatchObject({ externalData: { tensor: 'w' } });

    // Only the location flag, no external_data entries: still external.
    const flagged = decodeModel(single('Identity', (g) => ({ inputs: [g.initializer('w', { type: 'float32', data: Float32Array.of(1) }, [1])] })));
    const weight = flagged.graph?.initializer[0];
    if (!weight) throw new Error('unreachable');
    weight.dataLocation = TensorProto_DataLocation.EXTERNAL;
    expect(scanOnnxModel(encodeModel(flagged), LIMIT)).toMatchObject({ externalData: { tensor: 'w', where: 'initializer' } });

    // A sparse tensor attribute whose values are external.
    const sparse = decodeModel(single('Identity', () => ({ inputs: ['x'] })));
    const identity = sparse.graph?.node[0];
    if (!identity) throw new Error('unreachable');
    const values = decodeModel(externalDataModel()).graph?.initializer[0];
    identity.attribute.push(create(AttributeProtoSchema, { name: 'unused', type: AttributeProto_AttributeType.SPARSE_TENSOR, sparseTensor: { values, dims: [1n] } }));
    expect(scanOnnxModel(encodeModel(sparse), LIMIT)).toMatchObject({ externalData: { tensor: 'w', where: 'attribute of a Identity' } });

    // A model-local function whose attribute default (attribute_proto) is an external tensor.
    const withFunction = decodeModel(single('Identity', () => ({ inputs: ['x'] })));
    const external = decodeModel(externalDataModel()).graph?.initializer[0];
    withFunction.functions.push(
      create(FunctionProtoSchema, {
        name: 'scaled',
        domain: 'local',
        input: ['a'],
        output: ['b'],
        attribute: [],
        attributeProto: [create(AttributeProtoSchema, { name: 'w', type: AttributeProto_AttributeType.TENSOR, t: external })],
        node: [],
      }),
    );
    expect(scanOnnxModel(encodeModel(withFunction), LIMIT)).toMatchObject({ externalData: { tensor: 'w', where: 'attribute of a function' } });
  });

  it('says a malformed file is malformed: truncated, garbage, nested past 64 graphs', async () => {
    const silero = new Uint8Array(await readFile(SILERO_V5));
    expect(scanOnnxModel(silero.subarray(0, silero.length - 100), LIMIT)).toMatchObject({ ok: false });
    expect(scanOnnxModel(new TextEncoder().encode('definitely not a model'), LIMIT)).toMatchObject({ ok: false, reason: expect.stringContaining('wire type') });

    let graph = new GraphBuilder('leaf').graph();
    for (let depth = 0; depth < 70; depth++) {
      const g = new GraphBuilder(`level${depth}`);
      g.node('If', ['c'], ['o'], { then_branch: attr.graph(graph) });
      graph = g.graph();
    }
    const deep = new GraphBuilder('deep');
    deep.node('If', ['c'], ['o'], { then_branch: attr.graph(graph) });
    expect(scanOnnxModel(encodeModel(deep.build()), LIMIT)).toEqual({ ok: false, reason: 'graphs nested deeper than 64' });
  });

  it('never throws, whatever the bytes (fast-check, fixed seed): random bytes, and real models cut or flipped anywhere', async () => {
    const silero = new Uint8Array(await readFile(SILERO_V5));
    const verdict = (bytes: Uint8Array) => {
      const scan = scanOnnxModel(bytes, LIMIT);
      expect(typeof scan.ok).toBe('boolean');
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), verdict), { seed: 16_02, numRuns: 500 });
    const models = [silero, constantOfShapeBomb(), externalDataModel('constant')];
    fc.assert(
      fc.property(fc.nat(models.length - 1), fc.nat(), fc.nat(255), fc.boolean(), (which, at, byte, cut) => {
        const model = models[which] ?? silero;
        const position = at % model.length;
        const bytes = cut ? model.subarray(0, position) : model.slice();
        if (!cut) bytes[position] = byte;
        verdict(bytes);
      }),
      { seed: 16_02, numRuns: 200 },
    );
  });
});
