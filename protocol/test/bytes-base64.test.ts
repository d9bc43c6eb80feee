/**
 * Issue 16 item 1: fromBase64 checked its input with a backtracking regex that overflowed the
 * stack on strings of about 4.5 MB, so every device refused a large document with E_SCHEMA
 * "Maximum call stack size exceeded". It is now one pass over the char codes: a 6 MB string
 * decodes, and on any string it answers exactly as the regex and atob did.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64, toBase64 } from '@edgefleet/protocol';
import { fuzz } from '../../test/support/fuzz';

/** The former implementation, as the reference of what is valid (fine on short strings). */
function formerFromBase64(text: string): Uint8Array | null {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return null;
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

describe('fromBase64 in linear time', () => {
  it('decodes a 6 MB base64 string (4.5 MB of bytes) without overflowing the stack', () => {
    const bytes = Uint8Array.from({ length: 4.5 * 1024 * 1024 }, (_, i) => (i * 131) & 255);
    const text = toBase64(bytes);
    expect(text.length).toBeGreaterThanOrEqual(6 * 1024 * 1024);
    const started = performance.now();
    const decoded = fromBase64(text);
    expect(decoded).not.toBeNull();
    expect(Buffer.from(decoded ?? new Uint8Array()).equals(Buffer.from(bytes))).toBe(true);
    // Generous for a loaded 2-core machine; the regex took seconds before it overflowed.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses a 6 MB string with one bad character at its end, as quickly', () => {
    const text = `${'A'.repeat(6 * 1024 * 1024 - 4)}AB!=`;
    expect(fromBase64(text)).toBeNull();
  });

  it.each([
    ['', []],
    ['AA==', [0]],
    ['AAE=', [0, 1]],
    ['AAEC', [0, 1, 2]],
    ['/+/+', [255, 239, 254]],
  ])('decodes %j', (text, bytes) => {
    expect(Array.from(fromBase64(text) ?? [-1])).toEqual(bytes);
  });

  it.each(['A', 'AA', 'AAA', 'AA=', '====', 'A===', 'AA=A', '=AAA', 'AA==AAAA', 'AA A', 'AA\nA', 'AA-_', 'ÀAAA', 'AAA\u0100'])('refuses %j', (text) => {
    expect(fromBase64(text)).toBeNull();
  });

  it('answers exactly as the regex and atob did, on any string of base64 characters, padding and strays', async () => {
    const char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split(''), '=', '=', '-', '_', ' ', '\n', 'é', '\u0100', '\0');
    await fuzz(
      fc.property(fc.array(char, { maxLength: 64 }), (chars) => {
        const text = chars.join('');
        expect(fromBase64(text)).toEqual(formerFromBase64(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('round-trips any bytes through toBase64', async () => {
    await fuzz(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
        expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
      { numRuns: 1_000 },
    );
  });
});
