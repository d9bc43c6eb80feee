/**
 * The one decoding path for JSON off the wire (src/parse.ts): valid UTF-8 JSON comes back parsed;
 * anything else is E_BAD_JSON, and so is a string a database cannot store (U+0000, an unpaired
 * surrogate), named by its path, while the same characters properly paired or escaped as text pass.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonBytes } from '../src/parse';
import { codeOf } from './fixtures';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseJsonBytes', () => {
  it('parses JSON, escapes and paired surrogates included', () => {
    expect(parseJsonBytes(bytes('{"a":[1,"x\\u00e9\\ud83d\\ude00"],"b":"back\\\\u0000slash"}'), 'msg')).toEqual({ a: [1, 'xé😀'], b: 'back\\u0000slash' });
  });

  it.each([
    ['a NUL in a nested string', '{"error":{"message":"bad\\u0000"}}', 'msg: error.message'],
    ['a NUL in a key', '{"k\\u0000":1}', 'msg: k'],
    ['an unpaired high surrogate', '{"id":"x\\ud800"}', 'msg: id'],
    ['an unpaired low surrogate in an array', '{"list":["ok","\\udc00y"]}', 'msg: list.1'],
    ['a NUL at the root', '"\\u0000"', 'msg: (root)'],
  ])('refuses %s, naming where', async (_what, text, named) => {
    expect(await codeOf(Promise.resolve().then(() => parseJsonBytes(bytes(text), 'msg')))).toBe('E_BAD_JSON');
    expect(() => parseJsonBytes(bytes(text), 'msg')).toThrow(named);
  });

  it('refuses what is not UTF-8 JSON', async () => {
    const decoded = (input: Uint8Array) => codeOf(Promise.resolve().then(() => parseJsonBytes(input, 'msg')));
    expect(await decoded(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe('E_BAD_JSON');
    expect(await decoded(bytes('{"a":'))).toBe('E_BAD_JSON');
  });
});
