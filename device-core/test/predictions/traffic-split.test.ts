/** Which version answers one request during a traffic ramp-up: sticky per key, monotone in the share, the share kept. */
import { describe, expect, it } from 'vitest';
import { routeToCandidate, trafficPointOf } from '../../src/predictions/traffic-split';
import { mulberry32 } from '@edgefleet/protocol';

const never = () => {
  throw new Error('a keyed request must not draw');
};

describe('routeToCandidate', () => {
  it('sends the same key the same way every time, and never draws for a keyed request', () => {
    for (const key of ['user-1', 'user-2', 'ü-ключ-😀', 'x'.repeat(256)]) {
      const first = routeToCandidate(0.5, key, never);
      for (let i = 0; i < 20; i++) expect(routeToCandidate(0.5, key, never)).toBe(first);
      expect(trafficPointOf(key)).toBe(trafficPointOf(key));
    }
  });

  it('keeps a key on the candidate as the share rises (raising the share only adds keys)', () => {
    const shares = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];
    for (let k = 0; k < 2_000; k++) {
      const key = `session-${k}`;
      const routed = shares.map((share) => routeToCandidate(share, key, never));
      const firstOn = routed.indexOf(true);
      if (firstOn >= 0) expect(routed.slice(firstOn).every(Boolean)).toBe(true);
    }
  });

  it('sends the share of 100k distinct keys to the candidate, within 2%, sequential keys included', () => {
    const random = mulberry32(17);
    for (const share of [0.1, 0.5, 0.9]) {
      let randomKeys = 0;
      let sequentialKeys = 0;
      for (let k = 0; k < 100_000; k++) {
        if (routeToCandidate(share, `key-${random().toString(36).slice(2)}`, never)) randomKeys++;
        if (routeToCandidate(share, `user-${k}`, never)) sequentialKeys++;
      }
      expect(Math.abs(randomKeys / 100_000 - share)).toBeLessThan(0.02);
      expect(Math.abs(sequentialKeys / 100_000 - share)).toBeLessThan(0.02);
    }
  });

  it('draws for a request without a key: below the share goes to the candidate', () => {
    expect(routeToCandidate(0.3, undefined, () => 0.29)).toBe(true);
    expect(routeToCandidate(0.3, undefined, () => 0.3)).toBe(false);
    const random = mulberry32(5);
    let routed = 0;
    for (let i = 0; i < 100_000; i++) if (routeToCandidate(0.2, undefined, random)) routed++;
    expect(Math.abs(routed / 100_000 - 0.2)).toBeLessThan(0.02);
  });

  it('never routes at 0 or below, always at 1 or above', () => {
    expect(routeToCandidate(0, 'k', never)).toBe(false);
    expect(routeToCandidate(-1, undefined, never)).toBe(false);
    expect(routeToCandidate(Number.NaN, 'k', never)).toBe(false);
    expect(routeToCandidate(1, 'k', never)).toBe(true);
  });

  it('maps a key to a fixed point in [0, 1) (FNV-1a over UTF-8, then fmix32: the hub can compute it)', () => {
    // FNV-1a("a") = 0xe40c292c; fmix32 of it, divided by 2^32.
    const fmix = (value: number): number => {
      let h = value;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    };
    expect(trafficPointOf('a')).toBe(fmix(0xe40c292c) / 2 ** 32);
    // "é" is two UTF-8 bytes (0xc3 0xa9), not one UTF-16 unit.
    const fnv = (bytes: number[]) => bytes.reduce((h, b) => Math.imul(h ^ b, 0x01000193) >>> 0, 0x811c9dc5);
    expect(trafficPointOf('é')).toBe(fmix(fnv([0xc3, 0xa9])) / 2 ** 32);
    expect(trafficPointOf('😀')).toBe(fmix(fnv([0xf0, 0x9f, 0x98, 0x80])) / 2 ** 32);
    for (const key of ['', 'a', 'zzzz']) {
      expect(trafficPointOf(key)).toBeGreaterThanOrEqual(0);
      expect(trafficPointOf(key)).toBeLessThan(1);
    }
  });
});
