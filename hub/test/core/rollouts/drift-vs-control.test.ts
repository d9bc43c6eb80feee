import { describe, expect, it } from 'vitest';
import { DEFAULT_DRIFT_OPTIONS, evaluateDrift, normalSampler, windowOf, type SignalReport } from '../../../src/core/drift';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { attributeDrift, compareEffects } from '../../../src/core/rollouts/drift-vs-control';
import { mulberry32 } from '../../../src/core/seeded-random';

const { psi, jensenShannon, meanShift, lInfinity } = DEFAULT_DRIFT_OPTIONS;
/** A numeric signal as the drift engine reports it, with the effect sizes given. */
const numeric = (statistics: { psi: number; jensenShannon: number; meanShift: number; sdRatio?: number }, over: Partial<SignalReport> = {}): SignalReport => ({
  name: 'temperature',
  kind: 'numeric',
  verdict: 'drift',
  n: 500,
  pValue: 0,
  adjustedPValue: 0,
  statistics: { sdRatio: 1, ...statistics },
  thresholds: { psi, jensenShannon, meanShift },
  evidence: 'drift: (effects)',
  ...over,
});
const classes = (statistics: { jensenShannon: number; lInfinity: number }, n: number): SignalReport => ({
  name: 'state',
  kind: 'class',
  verdict: 'drift',
  n,
  pValue: 0,
  adjustedPValue: 0,
  statistics,
  thresholds: { jensenShannon, lInfinity },
  evidence: 'drift: (effects)',
});

describe('attributeDrift', () => {
  it.each([
    // [case, candidate, control, attribution]
    ['the same drift as the old version', numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6 }), numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: -0.6 }), 'shared'],
    ['a reference far off while the old version drifts a little', numeric({ psi: 7.9, jensenShannon: 0.69, meanShift: -3 }), numeric({ psi: 0.33, jensenShannon: 0.06, meanShift: -0.6 }), 'own'],
    // 0.6 + 0.5: mean shift is linear, so the margin is the drift threshold itself.
    ['a mean shift just under the margin beyond the old one', numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 1.09 }), numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6 }), 'shared'],
    ['a mean shift at the margin beyond the old one', numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 1.1 }), numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6 }), 'own'],
    // PSI 4 vs 1 is sqrt 2 vs 1: below 1.25 x 1 + sqrt(0.25) = 1.75, worth no more than 1 sd beyond.
    ['a larger PSI from a farther world move', numeric({ psi: 3, jensenShannon: 0.3, meanShift: 1.2 }), numeric({ psi: 1, jensenShannon: 0.2, meanShift: 1 }), 'shared'],
    ['a PSI far beyond the old one', numeric({ psi: 3.1, jensenShannon: 0.3, meanShift: 1.2 }), numeric({ psi: 1, jensenShannon: 0.2, meanShift: 1 }), 'own'],
    ['a reference twice as wide as the world', numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.3, sdRatio: 0.5 }), numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6, sdRatio: 1 }), 'own'],
    ['a drift the old version does not see', numeric({ psi: 0.5, jensenShannon: 0.08, meanShift: 0.7 }), numeric({ psi: 0.01, jensenShannon: 0.002, meanShift: 0.02 }, { verdict: 'ok' }), 'own'],
    ['a statistic that is not a number', numeric({ psi: Number.NaN, jensenShannon: 0.08, meanShift: 0.6 }), numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6 }), 'own'],
    ['an old version without the effect', numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6 }), { ...numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6 }), statistics: { psi: 0.4, jensenShannon: 0.08 } }, 'own'],
  ] as const)('%s', (_, candidate, control, attribution) => {
    expect(attributeDrift(candidate, control).attribution).toBe(attribution);
  });

  it('says which effects exceed the old version\'s, and by what limit', () => {
    const result = attributeDrift(numeric({ psi: 7.9, jensenShannon: 0.69, meanShift: -3 }), numeric({ psi: 0.36, jensenShannon: 0.0576, meanShift: -0.6 }));
    expect(result.evidence).toBe("temperature: drift: (effects); beyond the old version's own: sqrt psi 2.811 >= 1.250 (old version 0.600), sqrt jensenShannon 0.831 >= 0.524 (old version 0.240), meanShift 3.000 >= 1.100 (old version 0.600)");
    expect(attributeDrift(numeric({ psi: 0.36, jensenShannon: 0.0576, meanShift: 0.6 }), numeric({ psi: 0.36, jensenShannon: 0.0576, meanShift: 0.6 })).evidence).toBe(
      'temperature drifts on the old version too, as much: sqrt psi 0.600 < 1.250 (old version 0.600), sqrt jensenShannon 0.240 < 0.524 (old version 0.240), meanShift 0.600 < 1.100 (old version 0.600), |ln sdRatio| 0.000 < 0.405 (old version 0.000)',
    );
  });

  it('counts the drift as the new version\'s when the old version cannot be compared, saying why', () => {
    const candidate = numeric({ psi: 0.4, jensenShannon: 0.08, meanShift: 0.6 });
    expect(attributeDrift(candidate, undefined)).toMatchObject({ attribution: 'own', evidence: 'temperature: drift: (effects) (no comparable signal on the old version)' });
    expect(attributeDrift(candidate, { ...candidate, verdict: 'insufficient-data' })).toMatchObject({ attribution: 'own', evidence: expect.stringContaining('(insufficient data on the old version)') });
    expect(attributeDrift(candidate, { ...candidate, kind: 'categorical' })).toMatchObject({ attribution: 'own', evidence: expect.stringContaining('(the old version measures it as categorical, not numeric)') });
  });

  it('allows class shares one standard error of noise on top of the L-infinity margin', () => {
    // 0.15 + 0.1 + 0.5 sqrt(1/100 + 1/100) = 0.3207 at 100 rows each; 0.15 + 0.1 + 0.0158 at 2,000.
    const limit = (n: number): number | undefined => compareEffects(classes({ jensenShannon: 0.05, lInfinity: 0.3 }, n), classes({ jensenShannon: 0.05, lInfinity: 0.15 }, n)).find((e) => e.effect === 'lInfinity')?.limit;
    expect(limit(100)).toBeCloseTo(0.3207, 4);
    expect(limit(2000)).toBeCloseTo(0.2658, 4);
    expect(attributeDrift(classes({ jensenShannon: 0.05, lInfinity: 0.3 }, 100), classes({ jensenShannon: 0.05, lInfinity: 0.15 }, 100)).attribution).toBe('shared');
    expect(attributeDrift(classes({ jensenShannon: 0.05, lInfinity: 0.3 }, 2000), classes({ jensenShannon: 0.05, lInfinity: 0.15 }, 2000)).attribution).toBe('own');
  });
});

/**
 * The margins against seeded data through the real drift engine: a twin (trained on another
 * sample of the same distribution) seen on 100 rows beside 5,000 on the old version never counts
 * as drifting on its own, however far the world moved; a reference 0.8 sd off always does.
 */
describe('attributeDrift on seeded twins and miscalibrated references', () => {
  const referenceOf = (seed: number, mean: number, sd: number) => {
    const normal = normalSampler(mulberry32(seed));
    return buildReferenceProfile({ rows: 5000, features: [{ name: 'x', kind: 'numeric', source: { input: 'in', index: 0 }, values: Array.from({ length: 5000 }, () => mean + sd * normal()) }], outputs: [], bins: 10 });
  };
  const old = referenceOf(1, 0, 1);
  /** Attribution of each seed where the candidate drifts: the world is N(shift, 1) for both versions. */
  const attributions = (shift: number, candidateMean: number, candidateSd: number, seeds: number): string[] => {
    const out: string[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const candidateReference = referenceOf(1000 + seed, candidateMean, candidateSd);
      const normal = normalSampler(mulberry32(7 * seed + 3));
      const world = (rows: number): number[] => Array.from({ length: rows }, () => shift + normal());
      const candidate = evaluateDrift(candidateReference, windowOf(candidateReference, { device: 'c', numeric: [world(100)] })).features[0] as SignalReport;
      const control = evaluateDrift(old, windowOf(old, { device: 'k', numeric: [world(5000)] })).features[0] as SignalReport;
      if (candidate.verdict === 'drift') out.push(attributeDrift(candidate, control).attribution);
    }
    return out;
  };

  it.each([0.5, 1, 2, 3])('twins drift as much as the old version when the world moves %s sd', (shift) => {
    const seen = attributions(shift, 0, 1, 30);
    expect(seen.length).toBeGreaterThan(15);
    expect(seen.filter((a) => a === 'own')).toEqual([]);
  });

  it.each([
    ['0.8 sd too high', 0.8, 1],
    ['2.4 sd too high (12 C in 5 C sds)', 2.4, 1],
    ['twice as wide', 0, 2],
  ])('a reference %s drifts on its own while the world moves -0.6 sd', (_, mean, sd) => {
    const seen = attributions(-0.6, mean, sd, 30);
    expect(seen).toHaveLength(30);
    expect(seen.filter((a) => a === 'shared')).toEqual([]);
  });
});
