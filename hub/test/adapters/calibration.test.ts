/** calibrate() with real onnxruntime-node: exposes activations, accepts JSON and typed feeds. */
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/adapters/calibration';
import { mlp, randomInputs } from '../core/quantize/test-models';

const MODEL = mlp(5, [8, 16, 3]);

describe('calibrate', () => {
  const typed = { x: { type: 'float32', data: randomInputs(20, 8, 1), dims: [20, 8] } };
  const json = { x: { type: 'float32' as const, dims: [2, 8], data: Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? -3 : 5)) } };

  it('returns ranges for graph inputs (from the feeds) and intermediates (exposed as outputs)', async () => {
    const ranges = await calibrate(MODEL, [typed, json], ['x', 'a1', 'h2'], 'minmax');
    expect(ranges['x']).toEqual({ min: -3, max: 5 });
    expect(ranges['a1']?.min).toBe(0); // after Relu
    expect(ranges['a1']?.max).toBeGreaterThan(0);
    expect(ranges['h2']?.min).toBeLessThan(ranges['h2']?.max ?? -Infinity);
  });

  it('percentile ranges are never wider than minmax', async () => {
    const minmax = await calibrate(MODEL, [typed], ['a1'], 'minmax');
    const clipped = await calibrate(MODEL, [typed], ['a1'], { percentile: 99 });
    expect(clipped['a1']?.max).toBeLessThanOrEqual(minmax['a1']?.max ?? 0);
  });

  it('omits names it cannot expose (not produced in the main graph)', async () => {
    expect(await calibrate(MODEL, [typed], ['nowhere'], 'minmax')).toEqual({});
  });
});
