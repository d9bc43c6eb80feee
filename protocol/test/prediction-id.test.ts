import { describe, expect, it } from 'vitest';
import { canonicalPredictionId, decodePredictionId, encodePredictionId, MAX_PREDICTION_ID_LENGTH, predictionIdSchema, ProtocolError, type PredictionRef } from '../src/index';

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
