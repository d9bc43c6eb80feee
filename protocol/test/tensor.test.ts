import { describe, expect, it } from 'vitest';
import { ProtocolError, tensorFromJson, tensorToJson, type TensorJson } from '@edgefleet/protocol';

describe('tensor conversion', () => {
  it.each<[TensorJson, string]>([
    [{ type: 'float32', dims: [2], data: [0.5, -1] }, 'Float32Array'],
    [{ type: 'float64', dims: [1], data: [1e300] }, 'Float64Array'],
    [{ type: 'int8', dims: [2], data: [-128, 127] }, 'Int8Array'],
    [{ type: 'uint8', dims: [1], data: [255] }, 'Uint8Array'],
    [{ type: 'int16', dims: [1], data: [-300] }, 'Int16Array'],
    [{ type: 'int32', dims: [1], data: [70000] }, 'Int32Array'],
    [{ type: 'int64', dims: [], data: [16000] }, 'BigInt64Array'],
    [{ type: 'bool', dims: [2], data: [true, false] }, 'Array'],
    [{ type: 'string', dims: [1], data: ['a'] }, 'Array'],
  ])('round-trips %j through %s', (json, arrayType) => {
    const typed = tensorFromJson(json);
    expect(typed.data.constructor.name).toBe(arrayType);
    expect(tensorToJson(typed.type, typed.data, typed.dims)).toEqual(json);
  });

  it('reads onnxruntime bool outputs given as bytes', () => {
    expect(tensorToJson('bool', Uint8Array.from([1, 0]), [2]).data).toEqual([true, false]);
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => tensorFromJson({ type: 'float16', dims: [1], data: [1] })).toThrow(ProtocolError);
    expect(() => tensorFromJson({ type: 'int64', dims: [1], data: [2 ** 60] })).toThrow(/safe integer/);
    expect(() => tensorToJson('uint64', new BigUint64Array(1), [1])).toThrow(/cannot be carried/);
  });
});
