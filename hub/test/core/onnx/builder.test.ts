import { equals } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { attr } from '../../../src/core/onnx/attribute';
import { DEFAULT_OPSET, GraphBuilder, ML_DOMAIN, decodeModel, encodeModel, irVersionForOpset } from '../../../src/core/onnx/builder';
import { defaultOpset, metadataOf } from '../../../src/core/onnx/read';
import { floats, int64s, makeTensor, rawLittleEndian, strings } from '../../../src/core/onnx/tensor';
import { RUNTIMES, list } from './runtimes';

/** x [N,3] -> MatMul W + biases from int8/uint8/int32 -> LeakyRelu -> Transpose -> Reshape; plus Constants of every attribute kind. */
function everyKindModel() {
  const g = new GraphBuilder('every_kind');
  const x = g.input('x', 'float32', ['N', 3]);
  const w = g.initializer('w', floats([1, 0, 0, 1, 1, -1]), [3, 2]);
  const b8 = g.op('Cast', [g.initializer('b', { type: 'int8', data: Int8Array.of(-3, 2) }, [2])], { to: attr.int(1) });
  const bu8 = g.op('Cast', [g.initializer('b', { type: 'uint8', data: Uint8Array.of(200, 0) }, [2])], { to: attr.int(1) });
  const b32 = g.op('Cast', [g.initializer('b', { type: 'int32', data: Int32Array.of(-100000, 7) }, [2])], { to: attr.int(1) });
  const bias = g.op('Sum', [b8, bu8, b32]);
  const y = g.op('LeakyRelu', [g.op('Add', [g.op('MatMul', [x, w]), bias])], { alpha: attr.float(0.5) });
  const t = g.op('Transpose', [y], { perm: attr.ints([1, 0]) });
  g.node('Reshape', [t, g.initializer('shape', int64s([-1]), [1])], ['flat']);
  g.output('flat', 'float32', ['M']);
  g.node('Constant', [], ['c_floats'], { value_floats: attr.floats([0.25, -1.5]) });
  g.output('c_floats', 'float32', [2]);
  g.node('Constant', [], ['c_string'], { value_string: attr.string('héllo') });
  g.output('c_string', 'string', []);
  g.node('Constant', [], ['c_strings'], { value_strings: attr.strings(['a', 'b']) });
  g.output('c_strings', 'string', [2]);
  g.node('Constant', [], ['c_tensor'], { value: attr.tensor(makeTensor('t', int64s([5, -6, 7]), [3])) });
  g.output('c_tensor', 'int64', [3]);
  return g.build({ metadata: { purpose: 'test' }, docString: 'every kind' });
}

describe('GraphBuilder', () => {
  it('writes raw_data little-endian', () => {
    expect([...rawLittleEndian({ type: 'float32', data: Float32Array.of(1) })]).toEqual([0, 0, 0x80, 0x3f]);
    expect([...rawLittleEndian({ type: 'int64', data: BigInt64Array.of(-2n) })]).toEqual([0xfe, 255, 255, 255, 255, 255, 255, 255]);
    expect([...rawLittleEndian({ type: 'int32', data: Int32Array.of(0x01020304) })]).toEqual([4, 3, 2, 1]);
    expect([...rawLittleEndian({ type: 'bool', data: Uint8Array.of(0, 5) })]).toEqual([0, 1]);
  });

  it('generates unique names and rejects duplicates', () => {
    const g = new GraphBuilder();
    g.input('w', 'float32', [1]);
    expect([g.uniqueName('w'), g.uniqueName('w'), g.uniqueName('v')]).toEqual(['w_1', 'w_2', 'v']);
    expect(() => g.input('v', 'float32', [1])).toThrow(/already used/);
  });

  it('refuses a node whose domain has no opset import', () => {
    const g = new GraphBuilder();
    g.input('x', 'string', ['N']);
    g.node('LabelEncoder', ['x'], ['y'], {}, { domain: ML_DOMAIN });
    expect(() => g.build()).toThrow(/ai\.onnx\.ml/);
    g.useOpset(ML_DOMAIN, 3);
    expect(g.build().opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', DEFAULT_OPSET],
      [ML_DOMAIN, 3],
    ]);
  });

  it('pairs opsets with IR versions', () => {
    expect([8, 11, 13, 17, 19, 21, 23].map(irVersionForOpset)).toEqual([3, 6, 7, 8, 9, 10, 11]);
    expect(Number(everyKindModel().irVersion)).toBe(9);
  });

  it('round-trips through encodeModel/decodeModel', () => {
    const model = everyKindModel();
    const bytes = encodeModel(model);
    const decoded = decodeModel(bytes);
    expect(equals(ModelProtoSchema, decoded, model)).toBe(true);
    expect(encodeModel(decoded)).toEqual(bytes);
    expect(defaultOpset(decoded)).toBe(DEFAULT_OPSET);
    expect(metadataOf(decoded)).toEqual({ purpose: 'test' });
    const dims = decoded.graph?.input[0]?.type?.value.case === 'tensorType' ? decoded.graph.input[0].type.value.value.shape?.dim.map((d) => d.value.value) : [];
    expect(dims).toEqual(['N', 3n]);
  });

  for (const runtime of RUNTIMES) {
    it(`runs every initializer type and attribute kind in ${runtime.name}`, async () => {
      const x = Float32Array.of(1, 2, 3, -4, 0, 1);
      const out = await runtime.run(encodeModel(everyKindModel()), { x: { type: 'float32', data: x, dims: [2, 3] } });
      // bias = [-3 + 200 - 100000, 2 + 0 + 7]; row 1: [1 + 3, 2 - 3]; row 2: [-4 + 1, 0 - 1]
      const leaky = (v: number): number => (v > 0 ? v : 0.5 * v);
      const rows = [
        [4 - 99803, -1 + 9],
        [-3 - 99803, -1 + 9],
      ].map((r) => r.map(leaky));
      expect(list(out['flat'])).toEqual([rows[0]?.[0], rows[1]?.[0], rows[0]?.[1], rows[1]?.[1]]);
      expect(out['flat']?.dims).toEqual([4]);
      expect(list(out['c_floats'])).toEqual([0.25, -1.5]);
      expect(out['c_string']?.data).toEqual(['héllo']);
      expect(out['c_strings']?.data).toEqual(['a', 'b']);
      expect(list(out['c_tensor'])).toEqual([5n, -6n, 7n]);
    });

    it(`compares strings with Equal at the default opset in ${runtime.name}`, async () => {
      const g = new GraphBuilder();
      g.input('x', 'string', ['N', 1]);
      g.node('Equal', ['x', g.initializer('cats', strings(['a', 'b']), [2])], ['y']);
      g.output('y', 'bool', ['N', 2]);
      const out = await runtime.run(encodeModel(g.build()), { x: { type: 'string', data: ['b', '', 'zz'], dims: [3, 1] } });
      expect(list(out['y'])).toEqual([0, 1, 0, 0, 0, 0]);
    });
  }
});
