/**
 * The request checks without a schema library: parsePredictBody (the local API's JSON, one pass
 * into typed arrays) accepts exactly what the former zod body schema + checkInputs accepted and
 * gives the arrays tensorFromJson gave; both it and checkTypedInputs (the in-process API) refuse
 * with E_SCHEMA naming the field.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tensorFromJson, tensorJsonSchema, type IoSpec, type TensorJson } from '@edgefleet/protocol';
import { checkInputs, checkTypedInputs, parsePredictBody } from '../../src/core/predict-request';
import type { TypedTensor } from '@edgefleet/device-core';
import { AgentError } from '../../src/errors';

const fail = (fn: () => unknown): string => {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    return error instanceof AgentError ? `${error.code} ${error.message}` : `not an AgentError: ${String(error)}`;
  }
};

/** The local API's check before this one, kept as the reference. */
const formerBody = z.strictObject({ inputs: z.record(z.string(), tensorJsonSchema) });
function formerParse(body: unknown, specs: readonly IoSpec[]): Record<string, TensorJson> {
  const parsed = formerBody.safeParse(body);
  if (!parsed.success) throw new AgentError('E_SCHEMA', 'former schema');
  return checkInputs(parsed.data.inputs, specs, 'inputs');
}

/** Plain arrays of what tensorFromJson makes and what parsePredictBody makes, to compare (bool: 0/1 either way). */
const valuesOf = (data: ArrayLike<unknown>): unknown[] => Array.from(data, (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'bigint' ? `${v}n` : v));

const ALL_TYPES: IoSpec[] = [
  { name: 'f32', type: 'float32', shape: ['N', 2] },
  { name: 'f64', type: 'float64', shape: ['N'] },
  { name: 'i8', type: 'int8', shape: [2] },
  { name: 'u8', type: 'uint8', shape: [2] },
  { name: 'i16', type: 'int16', shape: [2] },
  { name: 'i32', type: 'int32', shape: [2] },
  { name: 'i64', type: 'int64', shape: [] },
  { name: 'b', type: 'bool', shape: [3] },
  { name: 's', type: 'string', shape: [2] },
];
const ALL_GOOD: Record<string, TensorJson> = {
  f32: { type: 'float32', dims: [2, 2], data: [0.1, -2, 3.5, 1e30] },
  f64: { type: 'float64', dims: [3], data: [0.1, -2, 1e300] },
  i8: { type: 'int8', dims: [2], data: [-128, 127] },
  u8: { type: 'uint8', dims: [2], data: [0, 255] },
  i16: { type: 'int16', dims: [2], data: [-32768, 32767] },
  i32: { type: 'int32', dims: [2], data: [-2147483648, 2147483647] },
  i64: { type: 'int64', dims: [], data: [Number.MAX_SAFE_INTEGER] },
  b: { type: 'bool', dims: [3], data: [true, false, true] },
  s: { type: 'string', dims: [2], data: ['a', 'ünï'] },
};

describe('parsePredictBody', () => {
  it('turns every JSON tensor type into the typed array onnxruntime takes, and keeps the JSON beside it', () => {
    const { json, typed } = parsePredictBody({ inputs: ALL_GOOD }, ALL_TYPES);
    expect(json).toEqual(ALL_GOOD);
    const arrays: Record<string, unknown> = { f32: Float32Array, f64: Float64Array, i8: Int8Array, u8: Uint8Array, i16: Int16Array, i32: Int32Array, i64: BigInt64Array, b: Uint8Array };
    for (const [name, tensor] of Object.entries(ALL_GOOD)) {
      const out = typed[name] as TypedTensor;
      expect(out.type, name).toBe(tensor.type);
      expect(out.dims, name).toEqual(tensor.dims);
      if (arrays[name]) expect(out.data, name).toBeInstanceOf(arrays[name] as new () => unknown);
      expect(valuesOf(out.data), name).toEqual(valuesOf(tensorFromJson(tensor).data));
    }
  });

  const specs: IoSpec[] = [
    { name: 'input', type: 'float32', shape: ['', 3] },
    { name: 'sr', type: 'int64', shape: [] },
  ];
  const good = { input: { type: 'float32', dims: [1, 3], data: [1, 2, 3] }, sr: { type: 'int64', dims: [], data: [16000] } };
  const bad: Array<[string, unknown, string]> = [
    ['a body that is not an object', [good], '(root): expected an object'],
    ['null', null, '(root): expected an object'],
    ['no inputs', {}, 'inputs: expected an object of named tensors, got nothing'],
    ['inputs as an array', { inputs: [] }, 'inputs: expected an object of named tensors, got an array'],
    ['another top-level field', { inputs: good, extra: 1 }, 'extra: unknown field'],
    ['an unknown input', { inputs: { ...good, bogus: good.sr } }, 'inputs.bogus: unknown input (expected input, sr)'],
    ['a missing input', { inputs: { input: good.input } }, 'inputs.sr: missing input'],
    ['a tensor that is not an object', { inputs: { ...good, sr: 16000 } }, 'inputs.sr: expected a tensor'],
    ['an unknown tensor field', { inputs: { ...good, sr: { ...good.sr, shape: [] } } }, 'inputs.sr.shape: unknown field'],
    ['another type', { inputs: { ...good, sr: { ...good.sr, type: 'int32' } } }, 'inputs.sr.type: expected int64, got int32'],
    ['a null type', { inputs: { ...good, sr: { type: null, dims: [], data: [1] } } }, 'inputs.sr.type: expected int64, got null'],
    ['dims that are not an array', { inputs: { ...good, sr: { ...good.sr, dims: 'x' } } }, 'inputs.sr.dims: must be an array'],
    ['too many dims', { inputs: { ...good, input: { ...good.input, dims: [1, 1, 1, 1, 1, 1, 1, 1, 3] } } }, 'inputs.input.dims: has 9 entries, at most 8 allowed'],
    ['a negative dim', { inputs: { ...good, input: { ...good.input, dims: [-1, 3] } } }, 'inputs.input.dims: [0] must be a non-negative integer'],
    ['another rank', { inputs: { ...good, input: { ...good.input, dims: [3] } } }, "inputs.input.dims: rank 1 does not match the model's rank 2"],
    ['a fixed dim off', { inputs: { ...good, input: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } } }, 'inputs.input.dims: dimension 1 is 4, the model needs 3'],
    ['data that is not an array', { inputs: { ...good, input: { ...good.input, data: 'x' } } }, 'inputs.input.data: expected an array, got a string'],
    ['fewer elements than the dims need', { inputs: { ...good, input: { ...good.input, data: [1, 2] } } }, 'inputs.input.data: has 2 elements but dims [1,3] need 3'],
    ['a string in float32 data', { inputs: { ...good, input: { ...good.input, data: [1, '2', 3] } } }, 'inputs.input.data[1] is not a valid float32 value (got "2")'],
    ['null in float32 data', { inputs: { ...good, input: { ...good.input, data: [1, 2, null] } } }, 'inputs.input.data[2] is not a valid float32 value (got null)'],
    ['a fraction in int64 data', { inputs: { ...good, sr: { ...good.sr, data: [1.5] } } }, 'inputs.sr.data[0] is not a valid int64 value (got 1.5)'],
    ['an unsafe int64', { inputs: { ...good, sr: { ...good.sr, data: [2 ** 53] } } }, 'inputs.sr.data[0] is not a valid int64 value'],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what}: E_SCHEMA "${message}"`, () => {
      const result = fail(() => parsePredictBody(body, specs));
      expect(result).toMatch(/^E_SCHEMA /);
      expect(result).toContain(message);
    });
  }

  it("takes each input's type from the model when the body leaves it out", () => {
    const untyped = Object.fromEntries(Object.entries(ALL_GOOD).map(([name, { dims, data }]) => [name, { dims, data }]));
    const { json, typed } = parsePredictBody({ inputs: untyped }, ALL_TYPES);
    expect(json).toEqual(ALL_GOOD);
    for (const spec of ALL_TYPES) expect((typed[spec.name] as TypedTensor).type, spec.name).toBe(spec.type);
  });

  it('refuses out-of-range integers, wrong bools and strings element by element, naming the element', () => {
    const cases: Array<[string, TensorJson['data'], string]> = [
      ['i8', [-129, 0], 'inputs.i8.data[0] is not a valid int8 value (got -129)'],
      ['u8', [0, 256], 'inputs.u8.data[1] is not a valid uint8 value (got 256)'],
      ['i16', [40000, 0], 'inputs.i16.data[0]'],
      ['i32', [0, 2 ** 31], 'inputs.i32.data[1]'],
      ['b', [true, 1, false], 'inputs.b.data[1] is not a valid bool value (got 1)'],
      ['s', ['a', 2], 'inputs.s.data[1] is not a valid string value (got 2)'],
    ];
    for (const [name, data, message] of cases) {
      const body = { inputs: { ...ALL_GOOD, [name]: { ...ALL_GOOD[name], data } } };
      const result = fail(() => parsePredictBody(body, ALL_TYPES));
      expect(result, name).toMatch(/^E_SCHEMA /);
      expect(result, name).toContain(message);
    }
  });

  it('refuses float16 inputs, which JSON cannot carry', () => {
    const half: IoSpec[] = [{ name: 'h', type: 'float16', shape: [1] }];
    expect(fail(() => parsePredictBody({ inputs: { h: { type: 'float16', dims: [1], data: [1] } } }, half))).toBe('E_SCHEMA inputs.h.type: float16 tensors are not supported over JSON');
  });

  it('accepts exactly what the former zod schema + checkInputs accepted, with the same arrays (varied bodies)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const values = [0, 1, -1, 0.5, 127, 128, 255, 256, -129, 40000, 2 ** 31, 2 ** 53, 1e300, true, false, 'a', '', null, [], {}];
    let accepted = 0;
    for (let k = 0; k < 3000; k++) {
      // Most bodies valid but for (at most) one change in one tensor: the two checks must agree on each.
      const inputs: Record<string, unknown> = Object.fromEntries(Object.entries(ALL_GOOD).map(([name, t]) => [name, { ...t, data: [...t.data] }]));
      const name = pick(ALL_TYPES).name;
      const tensor = inputs[name] as Record<string, unknown>;
      const roll = random();
      if (roll < 0.6) {
        const data = tensor.data as unknown[];
        data[Math.floor(random() * data.length)] = pick(values);
      } else if (roll < 0.7) tensor.dims = pick([[1], [-1], [1.5], ['1'], [], [9, 9, 9, 9, 9, 9, 9, 9, 9]]);
      else if (roll < 0.75) tensor.type = pick(['float32', 'int64', 'float16', 'x']);
      else if (roll < 0.78) tensor.extra = 1;
      else if (roll < 0.8) delete inputs[name];
      else if (roll < 0.82) inputs.unknown = ALL_GOOD.i64;
      const body = { inputs };
      let former: Record<string, TensorJson> | null = null;
      try {
        former = formerParse(body, ALL_TYPES);
      } catch {
        former = null;
      }
      let now: ReturnType<typeof parsePredictBody> | null = null;
      try {
        now = parsePredictBody(body, ALL_TYPES);
      } catch (error) {
        expect(error).toBeInstanceOf(AgentError);
        expect((error as AgentError).code).toBe('E_SCHEMA');
      }
      expect(now !== null, JSON.stringify(body)).toBe(former !== null);
      if (!now || !former) continue;
      accepted++;
      for (const [name, tensor] of Object.entries(former)) {
        // Float values: the former path converted at run time (tensorFromJson), this one at once.
        expect(valuesOf((now.typed[name] as TypedTensor).data), name).toEqual(valuesOf(tensorFromJson(tensor).data));
      }
    }
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(3000);
  });
});

describe('checkTypedInputs', () => {
  const specs: IoSpec[] = [
    { name: 'x', type: 'float32', shape: ['N', 2] },
    { name: 'flag', type: 'bool', shape: ['N'] },
    { name: 'tag', type: 'string', shape: [1] },
  ];
  const good: Record<string, TypedTensor> = {
    x: { type: 'float32', dims: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
    flag: { type: 'bool', dims: [2], data: Uint8Array.from([0, 1]) },
    tag: { type: 'string', dims: [1], data: ['a'] },
  };

  it('accepts typed arrays of the declared types and shapes and hands back the same object (no copy)', () => {
    expect(checkTypedInputs(good, specs)).toBe(good);
    // Elements of a typed array are not inspected: NaN is a float32 like any other.
    expect(() => checkTypedInputs({ ...good, x: { type: 'float32', dims: [1, 2], data: Float32Array.from([Number.NaN, 1]) } }, specs)).not.toThrow();
  });

  const bad: Array<[string, unknown, string]> = [
    ['a bool byte other than 0 or 1', { ...good, flag: { type: 'bool', dims: [2], data: Uint8Array.from([0, 2]) } }, 'inputs.flag.data: a bool tensor takes a Uint8Array of 0 and 1, got a Uint8Array'],
    ['booleans for bool', { ...good, flag: { type: 'bool', dims: [2], data: [true, false] } }, 'inputs.flag.data: a bool tensor takes a Uint8Array of 0 and 1, got an array'],
    ['a number among strings', { ...good, tag: { type: 'string', dims: [1], data: [1] } }, 'inputs.tag.data: a string tensor takes an array of strings'],
    ['an unsupported type the model declares', { ...good, x: { type: 'float16', dims: [1, 2], data: new Uint16Array(2) } }, 'inputs.x.type: expected float32, got float16'],
    ['an unknown name in place of a known one', { x: good.x, flag: good.flag, tog: good.tag }, 'inputs.tog: unknown input (expected x, flag, tag)'],
    ['a missing one', { x: good.x, flag: good.flag }, 'inputs.tag: missing input'],
    ['dims that are not an array', { ...good, x: { type: 'float32', dims: 4, data: new Float32Array(4) } }, 'inputs.x.dims: must be an array'],
    ['a data length off', { ...good, x: { type: 'float32', dims: [2, 2], data: new Float32Array(3) } }, 'inputs.x.data: has 3 elements but dims [2,2] need 4'],
  ];
  for (const [what, inputs, message] of bad) {
    it(`refuses ${what}: E_SCHEMA "${message}"`, () => {
      const result = fail(() => checkTypedInputs(inputs as Record<string, TypedTensor>, specs));
      expect(result).toMatch(/^E_SCHEMA /);
      expect(result).toContain(message);
    });
  }
});
