import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '@edgefleet/protocol';

describe('toBase64', () => {
  it('matches the standard encoding (padding included) for every length remainder and large inputs', () => {
    let state = 12345;
    const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) & 255;
    for (const length of [0, 1, 2, 3, 4, 5, 63, 64, 65, 100_000, 300_001]) {
      const bytes = Uint8Array.from({ length }, next);
      const encoded = toBase64(bytes);
      expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(encoded)).toEqual(bytes);
    }
  });
});
