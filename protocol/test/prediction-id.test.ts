import { describe, expect, it } from 'vitest';
import { seeded } from './fixtures';
import { z } from 'zod';
import {
  canonicalPredictionId,
  decodePredictionId,
  describeIssues,
  deviceIdSchema,
  encodePredictionId,
  MAX_PREDICTION_ID_LENGTH,
  modelNameSchema,
  predictedValueSchema,
  predictionIdSchema,
  ProtocolError,
  toBase64,
  utf8Encode,
  versionLabelSchema,
  type PredictionRef,
} from '../src/index';

const ref: PredictionRef = { device: 'dev-1', model: 'iris', version: '1.2.0', at: 1_700_000_000_123, nonce: 'k3J9_x-A', row: 4, predicted: 'setosa' };

/** base64url of arbitrary JSON text, to forge ids the encoder would never write. */
const forge = (json: string): string => btoa(json).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof ProtocolError ? error.code : 'not a ProtocolError';
  }
  return undefined;
};

describe('prediction ids', () => {
  it('round-trip device, model, version, time, row and a class or numeric prediction', () => {
    expect(decodePredictionId(encodePredictionId(ref))).toEqual(ref);
    const numeric = { ...ref, predicted: -0.125 };
    expect(decodePredictionId(encodePredictionId(numeric))).toEqual(numeric);
    const { predicted: _absent, ...none } = ref;
    expect(decodePredictionId(encodePredictionId(none))).toEqual(none);
  });

  it('are URL-safe and compact', () => {
    const id = encodePredictionId({ ...ref, predicted: 'ünïcode/+?' });
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id.length).toBeLessThan(160);
    expect(decodePredictionId(id).predicted).toBe('ünïcode/+?');
  });

  it('differ between rows and between requests of the same millisecond', () => {
    const ids = new Set([encodePredictionId(ref), encodePredictionId({ ...ref, row: 5 }), encodePredictionId({ ...ref, nonce: 'other' })]);
    expect(ids.size).toBe(3);
  });

  it('refuse to encode what cannot be carried, naming the field', () => {
    expect(() => encodePredictionId({ ...ref, device: 'a b' })).toThrow(/d:/);
    expect(() => encodePredictionId({ ...ref, at: Number.NaN })).toThrow(/t:/);
    expect(() => encodePredictionId({ ...ref, predicted: Number.POSITIVE_INFINITY })).toThrow(/p:/);
    expect(codeOf(() => encodePredictionId({ ...ref, predicted: 'x'.repeat(300) }))).toBe('E_SCHEMA');
  });

  it('reject garbage, foreign JSON, extra fields and non-canonical spellings with a reason', () => {
    expect(codeOf(() => decodePredictionId(''))).toBe('E_SCHEMA');
    expect(codeOf(() => decodePredictionId('x'.repeat(MAX_PREDICTION_ID_LENGTH + 1)))).toBe('E_SCHEMA');
    expect(codeOf(() => decodePredictionId('not base64!'))).toBe('E_SCHEMA');
    expect(codeOf(() => decodePredictionId(forge('{not json')))).toBe('E_BAD_JSON');
    expect(() => decodePredictionId(forge('{"d":"dev-1"}'))).toThrow(/m:/);
    expect(() => decodePredictionId(forge('{"d":"dev-1","m":"iris","v":"1","t":1,"n":"a","i":0,"x":1}'))).toThrow(/x/);
    // Same bytes, different trailing bits: refused, so one prediction has one id.
    const id = encodePredictionId(ref);
    const last = id.at(-1) ?? '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = id.slice(0, -1) + (alphabet[alphabet.indexOf(last) ^ 1] ?? 'A');
    expect(id.length % 4, 'this id has padding bits to flip').not.toBe(0);
    expect(codeOf(() => decodePredictionId(sibling))).toBe('E_SCHEMA');
  });

  it('have one canonical spelling whatever the field order', () => {
    const reordered = forge(JSON.stringify({ p: 'setosa', i: 4, n: 'k3J9_x-A', t: 1_700_000_000_123, v: '1.2.0', m: 'iris', d: 'dev-1' }));
    expect(reordered).not.toBe(encodePredictionId(ref));
    expect(canonicalPredictionId(reordered)).toBe(encodePredictionId(ref));
  });

  it('validate at a boundary through predictionIdSchema', () => {
    expect(predictionIdSchema.safeParse(encodePredictionId(ref)).success).toBe(true);
    const bad = predictionIdSchema.safeParse('@@@');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/base64url/);
  });
});

/**
 * The encoder as it was before its fast path (zod parse of the built object, JSON, UTF-8,
 * base64, three replaces), kept here as the reference the fast one must equal byte for byte,
 * error for error.
 */
const referenceSchema = z.strictObject({
  d: deviceIdSchema,
  m: modelNameSchema,
  v: versionLabelSchema,
  t: z.number().int().min(0).max(8_640_000_000_000_000),
  n: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 of A-Z a-z 0-9 _ -'),
  i: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  p: predictedValueSchema.optional(),
});

function referenceEncode(ref: PredictionRef): string {
  const compact = { d: ref.device, m: ref.model, v: ref.version, t: ref.at, n: ref.nonce, i: ref.row, ...(ref.predicted === undefined ? {} : { p: ref.predicted }) };
  const parsed = referenceSchema.safeParse(compact);
  if (!parsed.success) throw new ProtocolError('E_SCHEMA', `prediction id: ${describeIssues(parsed.error)}`);
  const id = toBase64(utf8Encode(JSON.stringify(parsed.data))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  if (id.length > MAX_PREDICTION_ID_LENGTH) throw new ProtocolError('E_TOO_LARGE', `prediction id would be ${id.length} characters (limit ${MAX_PREDICTION_ID_LENGTH})`);
  return id;
}

/** What an encoder does with `ref`: its id, or its error's code and message. */
function outcome(encode: (ref: PredictionRef) => string, ref: PredictionRef): string {
  try {
    return `id ${encode(ref)}`;
  } catch (error) {
    return error instanceof ProtocolError ? `${error.code} ${error.message}` : `not a ProtocolError: ${String(error)}`;
  }
}

describe('the fast prediction-id encoder', () => {
  const pick = <T,>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const names = ['dev-1', 'a', 'D_9-x', 'x'.repeat(64), 'x'.repeat(65), '', 'a b', 'dev/1', 'é', '-lead', '.lead', 'v1.2.3+build', 'ok.name_-9', '1'];
  const numbers = [0, -0, 1, 7, 1_700_000_000_123, 8_640_000_000_000_000, 8_640_000_000_000_001, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, 2 ** 32 + 3];
  const nonces = ['k3J9_x-A', 'a', 'x'.repeat(32), 'x'.repeat(33), '', 'no space', 'ü', '0123456789abcdef-1k2'];
  const predictions: ReadonlyArray<PredictionRef['predicted']> = [
    undefined,
    'setosa',
    '',
    'x'.repeat(256),
    'x'.repeat(257),
    'ünïcode/+?',
    'quote " and \\ backslash',
    'emoji 😀',
    '\u0000 control \n\t',
    'lone \ud800 surrogate',
    '中文类别',
    -0.125,
    0,
    -0,
    1e21,
    1e-7,
    5e-324,
    Number.MAX_VALUE,
    3.4028234663852886e38,
    0.1 + 0.2,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
  ];

  it('writes the very ids (and errors) of the zod-validated encoder, for varied valid and invalid refs', () => {
    const random = seeded(20261203);
    let valid = 0;
    for (let k = 0; k < 4000; k++) {
      // Mostly valid names (the common case), sometimes any of the edge cases.
      const name = (fallback: string) => (random() < 0.7 ? fallback : pick(random, names));
      const ref: PredictionRef = {
        device: name('dev-1'),
        model: name('iris'),
        version: name('1.2.0'),
        at: random() < 0.8 ? 1_700_000_000_000 + Math.floor(random() * 1e9) : pick(random, numbers),
        nonce: random() < 0.8 ? `a3f9c2d1e0b4a5c6-${k.toString(36)}` : pick(random, nonces),
        row: random() < 0.8 ? Math.floor(random() * 64) : pick(random, numbers),
        ...(() => {
          const predicted = random() < 0.3 ? (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6) : pick(random, predictions);
          return predicted === undefined ? {} : { predicted };
        })(),
      };
      const expected = outcome(referenceEncode, ref);
      expect(outcome(encodePredictionId, ref), JSON.stringify(ref)).toBe(expected);
      if (expected.startsWith('id ')) {
        valid++;
        // Decodable, and canonical: decoding and encoding again gives the same id (-0 reads back as 0).
        const id = expected.slice(3);
        expect(decodePredictionId(id)).toMatchObject({ device: ref.device, model: ref.model, version: ref.version, nonce: ref.nonce });
        expect(canonicalPredictionId(id)).toBe(id);
      }
    }
    // Both sides of the rules were exercised.
    expect(valid).toBeGreaterThan(1000);
    expect(valid).toBeLessThan(4000);
  });

  it('does not let one ref that passed vouch for the next one', () => {
    // An empty nonce is refused whatever was accepted before (the encoder remembers the last good one).
    expect(outcome(encodePredictionId, { ...ref, nonce: '' })).toMatch(/^E_SCHEMA prediction id: n:/);
    expect(encodePredictionId(ref)).toBe(referenceEncode(ref));
    expect(outcome(encodePredictionId, { ...ref, nonce: '' })).toMatch(/^E_SCHEMA prediction id: n:/);
    expect(outcome(encodePredictionId, { ...ref, device: 'a b' })).toBe(outcome(referenceEncode, { ...ref, device: 'a b' }));
    expect(outcome(encodePredictionId, { ...ref, version: '' })).toMatch(/^E_SCHEMA prediction id: v:/);
    expect(encodePredictionId(ref)).toBe(referenceEncode(ref));
  });
});
