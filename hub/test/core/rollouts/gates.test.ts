import { describe, expect, it } from 'vitest';
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { evaluateGate, evaluateMetric, latencyP95, type GateInputs } from '../../../src/core/rollouts/gates';
import { rolloutPlanSchema, type GateStep } from '../../../src/core/rollouts/plan';
import { evaluateDrift, normalSampler, windowOf } from '../../../src/core/drift';
import { mulberry32 } from '../../../src/core/seeded-random';
import { buildReferenceProfile } from '../../../src/core/reference-profile';

const empty = { counts: [], underflow: 0, overflow: 0, missing: 0, sum: 0, sumSq: 0, min: null, max: null };
/**
 * A window with n rows from `requests` successful requests (one row each unless said), `errors`
 * failed requests, and every request's latency in bin `latencyBin` (LATENCY_EDGES_MS), as an
 * agent counts them: latency per successful request, rows in n, failures per request.
 */
const window = (n: number, errors: number, latencyBin: number, ood = 0, requests = n): StatsWindow => ({
  msgId: 'w-00000001',
  device: 'd',
  model: 'm',
  version: '2',
  sha256: 'a'.repeat(64),
  windowStart: '2026-11-25T10:00:00.000Z',
  windowEnd: '2026-11-25T10:01:00.000Z',
  n,
  errors: errors > 0 ? { E_INFERENCE: errors } : {},
  latencyMs: { ...empty, counts: Array.from({ length: 15 }, (_, i) => (i === latencyBin ? requests : 0)) },
  features: [],
  outputs: [],
  ood: ood > 0 ? { score: empty, aboveP95: ood, aboveP99: 0 } : { score: empty, aboveP95: 0, aboveP99: 0 },
});
const inputs = (over: Partial<GateInputs> = {}): GateInputs => ({ install: { total: 10, serving: 10, failed: 0, timedOut: 0, errors: {} }, candidate: window(1000, 5, 5), control: window(5000, 20, 5), reference: null, shadow: null, ...over });
const gate = (metrics: unknown[], over: object = {}): GateStep => {
  const step = rolloutPlanSchema.parse({ steps: [{ kind: 'ring', ring: 'a' }, { kind: 'gate', metrics, ...over }] }).steps[1];
  if (step?.kind !== 'gate') throw new Error('gate expected');
  return step;
};

describe('gate metrics', () => {
  it('install success and probe failures come from device statuses', () => {
    const install = { total: 10, serving: 8, failed: 2, timedOut: 0, errors: { E_PROBE_FAILED: 2 } };
    expect(evaluateMetric({ metric: 'install-success', min: 0.9 }, inputs({ install }))).toMatchObject({ outcome: 'fail', value: 0.8, evidence: '8 of 10 installs serve (0.8 < min 0.9)' });
    expect(evaluateMetric({ metric: 'probe-failures', max: 0.1 }, inputs({ install }))).toMatchObject({ outcome: 'fail', value: 0.2 });
    expect(evaluateMetric({ metric: 'install-success', min: 0.9 }, inputs({ install: { total: 3, serving: 0, failed: 0, timedOut: 0, errors: {} } }))).toMatchObject({ outcome: 'inconclusive' });
  });

  it('error rate against an absolute max and against the control group', () => {
    // 5 of 1005 vs 20 of 5020: 0.5% vs 0.4%.
    expect(evaluateMetric({ metric: 'error-rate', max: 0.01, maxVsControl: 2 }, inputs())).toMatchObject({ outcome: 'pass' });
    const bad = inputs({ candidate: window(1000, 40, 5) });
    expect(evaluateMetric({ metric: 'error-rate', maxVsControl: 2 }, bad)).toMatchObject({ outcome: 'fail', evidence: expect.stringContaining('> 2 x control') });
    expect(evaluateMetric({ metric: 'error-rate', max: 0.01 }, bad)).toMatchObject({ outcome: 'fail', evidence: '0.0385 > max 0.01' });
    // Too little data on the new version, or no control for a relative-only limit: inconclusive.
    expect(evaluateMetric({ metric: 'error-rate', max: 0.01 }, inputs({ candidate: window(50, 0, 5) }))).toMatchObject({ outcome: 'inconclusive' });
    expect(evaluateMetric({ metric: 'error-rate', maxVsControl: 2 }, inputs({ control: null }))).toMatchObject({ outcome: 'inconclusive', evidence: 'control group has 0 samples, 100 needed' });
  });

  it('error rate counts requests, not rows: failed batch requests are set against all requests', () => {
    // 200 rows in 20 good requests of 10, and 30 failed requests: 30 of 50 requests failed.
    const batched = window(200, 30, 5, 0, 20);
    expect(evaluateMetric({ metric: 'error-rate', max: 0.05, minSamples: 10 }, inputs({ candidate: batched }))).toMatchObject({ outcome: 'fail', value: 0.6, evidence: '0.6 > max 0.05' });
    // Rows alone would have read 30 of 230 (0.13); and 50 requests are below the default 100.
    expect(evaluateMetric({ metric: 'error-rate', max: 0.05 }, inputs({ candidate: batched }))).toMatchObject({ outcome: 'inconclusive', evidence: '50 samples on the new version, 100 needed' });
  });

  it('latency p95 from the shared histogram, relative to the control', () => {
    expect(latencyP95(window(100, 0, 5))).toEqual({ ms: 5, samples: 100 });
    expect(evaluateMetric({ metric: 'latency-p95', maxVsControl: 1.5 }, inputs({ candidate: window(1000, 0, 7) }))).toMatchObject({ outcome: 'fail', value: 25, control: 5 });
    expect(evaluateMetric({ metric: 'latency-p95', max: 10 }, inputs())).toMatchObject({ outcome: 'pass', value: 5 });
  });

  it('OOD rate and shadow agreement', () => {
    expect(evaluateMetric({ metric: 'ood-rate', max: 0.1 }, inputs({ candidate: window(1000, 0, 5, 300) }))).toMatchObject({ outcome: 'fail', value: 0.3 });
    expect(evaluateMetric({ metric: 'shadow-agreement', min: 0.95 }, inputs({ shadow: { n: 500, agree: 490 } }))).toMatchObject({ outcome: 'pass', value: 0.98 });
    expect(evaluateMetric({ metric: 'shadow-agreement', min: 0.99 }, inputs({ shadow: { n: 500, agree: 490 } }))).toMatchObject({ outcome: 'fail' });
    expect(evaluateMetric({ metric: 'shadow-agreement', min: 0.95 }, inputs())).toMatchObject({ outcome: 'inconclusive' });
  });

  it('drift metrics without a reference are inconclusive', () => {
    expect(evaluateMetric({ metric: 'prediction-drift' }, inputs())).toMatchObject({ outcome: 'inconclusive', evidence: 'the version has no reference profile' });
  });
});

describe('evaluateGate', () => {
  it('decides by the limits on failed and inconclusive metrics', () => {
    const metrics = [{ metric: 'error-rate', max: 0.01 }, { metric: 'shadow-agreement', min: 0.9 }];
    expect(evaluateGate(gate(metrics), inputs())).toMatchObject({ verdict: 'inconclusive', failed: [], inconclusive: [expect.stringContaining('shadow-agreement')] });
    expect(evaluateGate(gate(metrics, { maxInconclusive: 1 }), inputs()).verdict).toBe('pass');
    expect(evaluateGate(gate(metrics, { maxInconclusive: 1 }), inputs({ candidate: window(1000, 100, 5) }))).toMatchObject({ verdict: 'fail', failed: [expect.stringContaining('error-rate')] });
  });
});

describe('drift gates against the control group', () => {
  const random = (() => {
    let state = 7;
    return () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
  })();
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const reference = buildReferenceProfile({ rows: 5000, features: [{ name: 'x', kind: 'numeric', source: { input: 'in', index: 0 }, values: Array.from({ length: 5000 }, normal) }], outputs: [], bins: 10 });
  const sample = (shift: number): StatsWindow => windowOf(reference, { device: 'd', numeric: [Array.from({ length: 2000 }, () => normal() + shift)] });
  const metric = { metric: 'input-drift' as const };

  it('fails on a shift only the new version sees', () => {
    expect(evaluateMetric(metric, inputs({ reference, controlReference: reference, candidate: sample(1), control: sample(0) }))).toMatchObject({ outcome: 'fail', value: 1, evidence: expect.stringContaining('x: drift') });
  });

  it('passes a shift the old version sees too, saying so', () => {
    expect(evaluateMetric(metric, inputs({ reference, controlReference: reference, candidate: sample(1), control: sample(1) }))).toMatchObject({ outcome: 'pass', evidence: expect.stringMatching(/^no drift beyond the old version's \(n = 2000\); not counted: x drifts on the old version too, as much: sqrt psi /) });
  });

  it('without a control reference, judges against the reference alone', () => {
    expect(evaluateMetric(metric, inputs({ reference, candidate: sample(1), control: sample(1) }))).toMatchObject({ outcome: 'fail' });
  });
});

/**
 * Issue 11 item 5: a signal that drifts on the old version too was dropped whatever its size, so
 * a version whose reference is far from the world passed whenever the world had moved a little.
 * References and windows are built by the real profile builder and counted on their own bins.
 */
describe('drift gates weigh the new version against the old one', () => {
  const temperatureReference = (seed: number, meanC: number): ReferenceProfile => {
    const normal = normalSampler(mulberry32(seed));
    const values = Array.from({ length: 5000 }, () => meanC + 5 * normal());
    return buildReferenceProfile({ rows: 5000, features: [{ name: 'temperature', kind: 'numeric', source: { input: 'in', index: 0 }, values }], outputs: [], bins: 10 });
  };
  /** `rows` live readings, the same population for every device: the season's N(meanC, 5 C). */
  const season = (seed: number, meanC: number, rows: number): number[] => {
    const normal = normalSampler(mulberry32(seed));
    return Array.from({ length: rows }, () => meanC + 5 * normal());
  };
  const onBins = (reference: ReferenceProfile, readings: number[]): StatsWindow => windowOf(reference, { device: 'd', numeric: [readings] });
  const metric = { metric: 'input-drift' as const };
  // The old version, trained on a year around 15 C; this winter reads 3 C (0.6 sd) colder.
  const old = temperatureReference(1, 15);
  const winter = (seed: number, rows: number): number[] => season(seed, 12, rows);

  it('fails a version trained on data 12 C too warm while the old version drifts a little with the season', () => {
    const warm = temperatureReference(2, 27);
    const control = onBins(old, winter(3, 5000));
    // The premise: the world moved for the old version too, enough to be drift on its own.
    expect(evaluateDrift(old, control).features[0]?.verdict).toBe('drift');
    const result = evaluateMetric(metric, inputs({ reference: warm, controlReference: old, candidate: onBins(warm, winter(4, 500)), control }));
    expect(result).toMatchObject({ outcome: 'fail', value: 1 });
    expect(result.evidence).toMatch(/^temperature: drift: .*; beyond the old version's own: .*meanShift 3\.\d+ >= 1\.\d+ \(old version 0\.\d+\)/);
  });

  it('passes a twin of the old version that drifts with the season just as the old version does, at every seed', () => {
    // Trained on another sample of the same year; 300 rows beside the old version's 5,000.
    // Seasons right at the drift threshold (0.5 sd) put the old version at `warning` and the twin
    // at `drift` on some seeds, and moves of 1-2 sd inflate the twin's binned divergences.
    const outcomes: string[] = [];
    for (const [shiftC, seeds] of [[2.5, 40], [5, 20], [10, 20]] as const) {
      for (let seed = 1; seed <= seeds; seed++) {
        const twin = temperatureReference(1000 + seed, 15);
        const result = evaluateMetric(metric, inputs({ reference: twin, controlReference: old, candidate: onBins(twin, season(2 * seed, 15 + shiftC, 300)), control: onBins(old, season(2 * seed + 1, 15 + shiftC, 5000)) }));
        outcomes.push(`${shiftC} C seed ${seed}: ${result.outcome} ${result.evidence}`);
      }
    }
    expect(outcomes.filter((o) => !/: pass /.test(o))).toEqual([]);
  });

  it('judges a classifier\'s predictions against the old version\'s in the same way', () => {
    const classes = ['idle', 'running', 'fault'];
    const predictions = (seed: number, shares: readonly number[], rows: number): number[] => {
      const uniform = mulberry32(seed);
      return Array.from({ length: rows }, () => {
        const u = uniform();
        return u < (shares[0] as number) ? 0 : u < (shares[0] as number) + (shares[1] as number) ? 1 : 2;
      });
    };
    const classifier = (seed: number, shares: readonly number[]): ReferenceProfile =>
      buildReferenceProfile({ rows: 5000, features: [], outputs: [{ name: 'state', kind: 'class', classes, predicted: predictions(seed, shares, 5000) }], bins: 10 });
    const counted = (reference: ReferenceProfile, predicted: number[]): StatsWindow => windowOf(reference, { device: 'd', numeric: [], predicted });
    const oldModel = classifier(1, [0.6, 0.3, 0.1]);
    // Busier weeks: both versions predict `running` more often than in training.
    const busy = [0.45, 0.45, 0.1];
    const control = counted(oldModel, predictions(2, busy, 5000));
    expect(evaluateDrift(oldModel, control).outputs[0]?.verdict).toBe('drift');
    const prediction = { metric: 'prediction-drift' as const };
    // A version whose reference says `fault` half the time: its predictions are far from it.
    const skewed = classifier(3, [0.3, 0.2, 0.5]);
    expect(evaluateMetric(prediction, inputs({ reference: skewed, controlReference: oldModel, candidate: counted(skewed, predictions(4, busy, 500)), control }))).toMatchObject({ outcome: 'fail', evidence: expect.stringMatching(/beyond the old version's own: .*lInfinity 0\.3\d+ >= 0\.2\d+/) });
    const twin = classifier(5, [0.6, 0.3, 0.1]);
    expect(evaluateMetric(prediction, inputs({ reference: twin, controlReference: oldModel, candidate: counted(twin, predictions(6, busy, 500)), control }))).toMatchObject({ outcome: 'pass', value: 0 });
  });
});
