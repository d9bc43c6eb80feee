import { describe, expect, it } from 'vitest';
import type { StatsWindow } from '@edgefleet/protocol';
import { evaluateGate, evaluateMetric, latencyP95, type GateInputs } from '../../../src/core/rollouts/gates';
import { rolloutPlanSchema, type GateStep } from '../../../src/core/rollouts/plan';
import { windowOf } from '../../../src/core/drift';
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
    expect(evaluateMetric(metric, inputs({ reference, controlReference: reference, candidate: sample(1), control: sample(1) }))).toMatchObject({ outcome: 'pass', evidence: expect.stringContaining('x drift on the old version too (not counted)') });
  });

  it('without a control reference, judges against the reference alone', () => {
    expect(evaluateMetric(metric, inputs({ reference, candidate: sample(1), control: sample(1) }))).toMatchObject({ outcome: 'fail' });
  });
});
