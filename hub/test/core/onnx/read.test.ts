import { readFileSync } from 'node:fs';
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, TensorProto_DataType } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../src/core/onnx/attribute';
import { GraphBuilder, ML_DOMAIN, decodeModel, encodeModel } from '../../../src/core/onnx/builder';
import { defaultOpset, findInitializer, initializerMap, opsetOf, readFloat32, tensorDims, walkGraphs, walkNodes } from '../../../src/core/onnx/read';
import { floats } from '../../../src/core/onnx/tensor';
import { RUNTIMES, list } from './runtimes';

/** y = cond ? x * 2 : x + 10, with each constant inside its branch body. */
function ifModel() {
  const then = new GraphBuilder('then_branch');
  then.node('Mul', ['x', then.initializer('two', floats([2]), [1])], ['then_y']);
  then.output('then_y', 'float32', ['N']);
  const otherwise = new GraphBuilder('else_branch');
  otherwise.node('Add', ['x', otherwise.initializer('ten', floats([10]), [1])], ['else_y']);
  otherwise.output('else_y', 'float32', ['N']);
  const g = new GraphBuilder('if_model');
  g.input('x', 'float32', ['N']);
  g.input('cond', 'bool', []);
  g.initializer('outer', floats([1, 2, 3, 4, 5, 6]), [2, 3]);
  g.node('If', ['cond'], ['y'], { then_branch: attr.graph(then.graph()), else_branch: attr.graph(otherwise.graph()) });
  g.output('y', 'float32', ['N']);
  return g.build();
}

const SILERO = new URL('../../../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url);

describe('read helpers', () => {
  it('walks nodes in If bodies and finds initializers by scope', () => {
    const graph = ifModel().graph;
    if (!graph) throw new Error('no graph');
    expect([...walkNodes(graph)].map((v) => [v.node.opType, v.depth])).toEqual([
      ['If', 0],
      ['Mul', 1],
      ['Add', 1],
    ]);
    expect([...walkGraphs(graph)].map((v) => v.graph.name)).toEqual(['if_model', 'then_branch', 'else_branch']);
    expect(findInitializer(graph, 'two')).toBeUndefined();
    const two = findInitializer(graph, 'two', { deep: true });
    expect(two && Array.from(readFloat32(two))).toEqual([2]);
    const outer = initializerMap(graph).get('outer');
    expect(outer && tensorDims(outer)).toEqual([2, 3]);
    expect(outer && Array.from(readFloat32(outer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads float_data as well as raw_data, and refuses other types', () => {
    const tensor = create(TensorProtoSchema, { name: 'f', dims: [2n], dataType: TensorProto_DataType.FLOAT, floatData: [0.5, -3] });
    expect(Array.from(readFloat32(tensor))).toEqual([0.5, -3]);
    expect(() => readFloat32(create(TensorProtoSchema, { name: 'i', dims: [1n], dataType: TensorProto_DataType.INT64, int64Data: [1n] }))).toThrow(/not FLOAT/);
    expect(() => readFloat32(create(TensorProtoSchema, { name: 'f', dims: [3n], dataType: TensorProto_DataType.FLOAT, floatData: [1] }))).toThrow(RangeError);
  });

  it('reads opsets by domain', () => {
    const model = new GraphBuilder('g', 17).useOpset(ML_DOMAIN, 3).build();
    expect([defaultOpset(model), opsetOf(model, ML_DOMAIN), opsetOf(model, 'com.microsoft')]).toEqual([17, 3, undefined]);
  });

  for (const runtime of RUNTIMES) {
    it(`builds If subgraphs that ${runtime.name} runs`, async () => {
      const bytes = encodeModel(ifModel());
      const x = { type: 'float32' as const, data: Float32Array.of(1, -2), dims: [2] };
      const yes = await runtime.run(bytes, { x, cond: { type: 'bool', data: Uint8Array.of(1), dims: [] } });
      const no = await runtime.run(bytes, { x, cond: { type: 'bool', data: Uint8Array.of(0), dims: [] } });
      expect([list(yes['y']), list(no['y'])]).toEqual([
        [2, -4],
        [11, 8],
      ]);
    });
  }
});

describe('Silero VAD v5 (a model no one here wrote)', () => {
  const original = new Uint8Array(readFileSync(SILERO));

  it('re-encodes byte for byte and exposes its opset and If bodies', () => {
    const model = decodeModel(original);
    expect(Buffer.from(encodeModel(model)).equals(original)).toBe(true);
    expect(defaultOpset(model)).toBe(16);
    const visits = model.graph ? [...walkNodes(model.graph)] : [];
    expect(visits.some((v) => v.node.opType === 'If')).toBe(true);
    expect(visits.some((v) => v.depth > 0 && v.node.opType === 'LSTM')).toBe(true);
  });

  for (const runtime of RUNTIMES) {
    it(`runs identically before and after re-encoding in ${runtime.name}`, async () => {
      const reencoded = encodeModel(decodeModel(original));
      const input = Float32Array.from({ length: 512 }, (_, i) => 0.3 * Math.sin(i / 7) + 0.05 * Math.sin(i * 1.3));
      const feeds = {
        input: { type: 'float32' as const, data: input, dims: [1, 512] },
        state: { type: 'float32' as const, data: new Float32Array(2 * 128), dims: [2, 1, 128] },
        sr: { type: 'int64' as const, data: BigInt64Array.of(16000n), dims: [] },
      };
      const before = await runtime.run(original, feeds);
      const after = await runtime.run(reencoded, feeds);
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      for (const [name, value] of Object.entries(before)) expect(after[name]?.data).toEqual(value.data);
      expect(before['output']?.dims).toEqual([1, 1]);
    });
  }
});
