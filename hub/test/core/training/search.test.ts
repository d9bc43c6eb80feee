import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/training/random';
import { gridPoints, gridSearch, randomSearch, sampleParams, type Params } from '../../../src/core/training/search';

const num = (p: Params, k: string): number => {
  const v = p[k];
  if (typeof v !== 'number') throw new Error(`${k} is not a number`);
  return v;
};

describe('grid search', () => {
  it('enumerates every combination, last parameter fastest', () => {
    expect(gridPoints({ lr: [0.1, 0.01], hidden: [[8], [16, 8]] })).toEqual([
      { lr: 0.1, hidden: [8] },
      { lr: 0.1, hidden: [16, 8] },
      { lr: 0.01, hidden: [8] },
      { lr: 0.01, hidden: [16, 8] },
    ]);
  });

  it('maximises accuracy, minimises rmse, records every trial, first wins ties', async () => {
    const space = { a: [1, 2, 3], b: [0, 1] };
    const byAccuracy = await gridSearch(space, 'accuracy', (p) => ({ accuracy: num(p, 'a') === 3 ? 0.5 : num(p, 'a') * 0.2 + num(p, 'b') * 0.1 }));
    expect(byAccuracy.trials).toHaveLength(6);
    expect(byAccuracy.best?.params).toEqual({ a: 2, b: 1 });
    expect(byAccuracy.direction).toBe('max');
    const byRmse = await gridSearch(space, 'rmse', async (p) => ({ rmse: Math.abs(num(p, 'a') - 2) }));
    expect(byRmse.best?.params).toEqual({ a: 2, b: 0 }); // (2, 1) ties and comes later
    expect(byRmse.direction).toBe('min');
  });

  it('ignores trials without a finite metric', async () => {
    const result = await gridSearch({ a: [1, 2] }, 'macroF1', (p): Record<string, number> => (num(p, 'a') === 1 ? { macroF1: Number.NaN } : {}));
    expect(result.trials).toHaveLength(2);
    expect(result.best).toBeUndefined();
  });
});

describe('random search', () => {
  const space = {
    lr: { min: 1e-4, max: 1e-1, log: true },
    epochs: { min: 5, max: 50, int: true },
    dropout: { min: 0, max: 0.5 },
    activation: ['relu', 'tanh'],
  } as const;

  it('samples inside the ranges, integers where asked, from the choices', () => {
    const random = createRandom(11);
    const logs: number[] = [];
    for (let i = 0; i < 500; i++) {
      const p = sampleParams(space, random);
      expect(num(p, 'lr')).toBeGreaterThanOrEqual(1e-4);
      expect(num(p, 'lr')).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(num(p, 'epochs')) && num(p, 'epochs') >= 5 && num(p, 'epochs') <= 50).toBe(true);
      expect(['relu', 'tanh']).toContain(p.activation);
      logs.push(Math.log10(num(p, 'lr')));
    }
    // log-uniform: about a third of the draws in each decade
    expect(logs.filter((l) => l < -3).length / 500).toBeGreaterThan(0.25);
    expect(logs.filter((l) => l < -3).length / 500).toBeLessThan(0.42);
  });

  it('runs the trial budget reproducibly and picks the best', async () => {
    const run = (seed: number) => randomSearch(space, 'logLoss', (p) => ({ logLoss: Math.abs(Math.log10(num(p, 'lr')) + 2) }), { trials: 12, random: createRandom(seed) });
    const a = await run(3);
    expect(a.trials).toHaveLength(12);
    expect(await run(3)).toEqual(a);
    const best = Math.min(...a.trials.map((t) => t.metrics.logLoss ?? Infinity));
    expect(a.best?.metrics.logLoss).toBe(best);
  });

  it('rejects an empty choice list and an invalid log range', () => {
    expect(() => sampleParams({ a: [] }, createRandom(1))).toThrow(/no choices/);
    expect(() => sampleParams({ a: { min: 0, max: 1, log: true } }, createRandom(1))).toThrow(/invalid range/);
  });
});
