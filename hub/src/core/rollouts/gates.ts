/**
 * Rollout gates (ROLLOUTS.md "Gate"): each metric over the devices already on the new version,
 * compared with absolute limits and with the control group (devices still on the old version,
 * same window), gives `pass`, `fail` or `inconclusive` (not enough data) with its evidence; the
 * gate's limits on failed and inconclusive metrics decide the gate. Drift metrics weigh each
 * drifting signal against the old version's drift on it (drift-vs-control.ts). Pure.
 */
import { LATENCY_EDGES_MS, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { evaluateDrift } from '../drift/evaluate-drift';
import type { SignalReport } from '../drift/options';
import { attributeDrift } from './drift-vs-control';
import type { GateMetric, GateStep } from './plan';

export type GateOutcome = 'pass' | 'fail' | 'inconclusive';

export interface GateMetricResult {
  metric: GateMetric['metric'];
  outcome: GateOutcome;
  value: number | null;
  control: number | null;
  /** what the value rests on: requests (error-rate, latency-p95), rows (ood-rate, drift), comparisons (shadow-agreement), devices (install metrics); null without data */
  samples: number | null;
  /** the control group's samples, for metrics compared with it */
  controlSamples: number | null;
  /** below this many samples the metric is inconclusive; null when it takes no such limit (probe-failures; drift metrics, whose engine judges its own data) */
  minSamples: number | null;
  evidence: string;
}

export interface GateReport {
  verdict: GateOutcome;
  metrics: GateMetricResult[];
  failed: string[];
  inconclusive: string[];
}

export interface InstallCounts {
  /** devices assigned the new version so far */
  total: number;
  serving: number;
  failed: number;
  timedOut: number;
  /** failures by error code */
  errors: Record<string, number>;
}

export interface GateInputs {
  install: InstallCounts;
  /** merged statistics of the new version on the rollout's devices in the gate window */
  candidate: StatsWindow | null;
  /** merged statistics of the old version on the other devices in the same window */
  control: StatsWindow | null;
  reference: ReferenceProfile | null;
  /** the old version's reference profile, to judge the control group's own drift */
  controlReference?: ReferenceProfile | null;
  /** shadow-mode agreement of the new version with the serving one, when devices ran it as a shadow */
  shadow: { n: number; agree: number } | null;
}

const DEFAULT_MIN_PREDICTIONS = 100;
const LOAD_FAILURES = new Set(['E_PROBE_FAILED', 'E_LOAD_FAILED', 'E_INCOMPATIBLE']);
/** A control rate of 0 would make any error infinitely worse: compare against at least this. */
const RATE_FLOOR = 0.001;

const fmt = (x: number | null): string => (x === null ? 'n/a' : Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString());
const sumErrors = (w: StatsWindow): number => Object.values(w.errors).reduce((a, b) => a + b, 0);

/** Successful requests: the latency histogram counts one per request (`n` counts rows, a batch request has many). */
const requestsOf = (w: StatsWindow): number => w.latencyMs.underflow + w.latencyMs.overflow + w.latencyMs.counts.reduce((a, b) => a + b, 0);

/**
 * Failed requests among all requests. Errors are counted per request (a failed batch has no
 * rows to count), so they are set against requests, never rows: 10 failed requests of 10 rows
 * beside 10 good ones is a rate of 0.5, not 10 of 110.
 */
export function errorRate(w: StatsWindow | null): { rate: number; samples: number } | null {
  if (!w) return null;
  const errors = sumErrors(w);
  const samples = requestsOf(w) + errors;
  return samples > 0 ? { rate: errors / samples, samples } : null;
}

const LATENCY_CEILING_MS = LATENCY_EDGES_MS[LATENCY_EDGES_MS.length - 1] as number;

/** The 95th percentile of request latency from the shared histogram: the upper edge of its bin (conservative). */
export function latencyP95(w: StatsWindow | null): { ms: number; samples: number } | null {
  if (!w) return null;
  const { counts, underflow, overflow } = w.latencyMs;
  const total = underflow + overflow + counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = underflow;
  const rank = 0.95 * total;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] as number;
    if (seen >= rank) return { ms: LATENCY_EDGES_MS[i + 1] ?? LATENCY_CEILING_MS, samples: total };
  }
  return { ms: w.latencyMs.max ?? LATENCY_CEILING_MS, samples: total };
}

export function oodRate(w: StatsWindow | null): { rate: number; samples: number } | null {
  if (!w?.ood || w.n === 0) return null;
  return { rate: w.ood.aboveP95 / w.n, samples: w.n };
}

/** A rate or level against an absolute max and a multiple of the control's. */
function upperBounded(metric: GateMetric, value: { v: number; samples: number } | null, control: { v: number; samples: number } | null, unit: string, floor: number): GateMetricResult {
  const minSamples = metric.minSamples ?? DEFAULT_MIN_PREDICTIONS;
  const base = { metric: metric.metric, value: value?.v ?? null, control: control?.v ?? null, samples: value?.samples ?? null, controlSamples: control?.samples ?? null, minSamples };
  if (!value || value.samples < minSamples) return { ...base, outcome: 'inconclusive', evidence: `${value?.samples ?? 0} samples on the new version, ${minSamples} needed` };
  if (metric.max !== undefined && value.v > metric.max) return { ...base, outcome: 'fail', evidence: `${fmt(value.v)}${unit} > max ${fmt(metric.max)}${unit}` };
  if (metric.maxVsControl !== undefined) {
    if (!control || control.samples < minSamples) {
      // Without a comparable control the absolute bound (if any) is all there is to go on.
      if (metric.max !== undefined) return { ...base, outcome: 'pass', evidence: `${fmt(value.v)}${unit} <= max ${fmt(metric.max)}${unit}; no control group with ${minSamples} samples` };
      return { ...base, outcome: 'inconclusive', evidence: `control group has ${control?.samples ?? 0} samples, ${minSamples} needed` };
    }
    const limit = metric.maxVsControl * Math.max(control.v, floor);
    if (value.v > limit) return { ...base, outcome: 'fail', evidence: `${fmt(value.v)}${unit} > ${metric.maxVsControl} x control ${fmt(control.v)}${unit}` };
    return { ...base, outcome: 'pass', evidence: `${fmt(value.v)}${unit} <= ${metric.maxVsControl} x control ${fmt(control.v)}${unit}${metric.max !== undefined ? ` and max ${fmt(metric.max)}${unit}` : ''}` };
  }
  return { ...base, outcome: 'pass', evidence: `${fmt(value.v)}${unit} <= max ${fmt(metric.max ?? Number.POSITIVE_INFINITY)}${unit}` };
}

/** The old version's signals against its own reference, by name; empty when they cannot be judged. */
function controlSignals(inputs: GateInputs, which: 'features' | 'outputs'): Map<string, SignalReport> {
  if (!inputs.control || !inputs.controlReference || inputs.control.n === 0) return new Map();
  try {
    const report = evaluateDrift(inputs.controlReference, inputs.control);
    return new Map((which === 'features' ? report.features : report.outputs).map((s) => [s.name, s]));
  } catch {
    // the old version's statistics do not fit its reference (another shape): no comparison
    return new Map();
  }
}

function driftMetric(metric: GateMetric, inputs: GateInputs, which: 'features' | 'outputs'): GateMetricResult {
  const base = { metric: metric.metric, value: null, control: null, samples: inputs.candidate?.n ?? null, controlSamples: inputs.control?.n ?? null, minSamples: null };
  if (!inputs.reference) return { ...base, outcome: 'inconclusive', evidence: 'the version has no reference profile' };
  if (!inputs.candidate || inputs.candidate.n === 0) return { ...base, outcome: 'inconclusive', evidence: 'no statistics on the new version yet' };
  const report = evaluateDrift(inputs.reference, inputs.candidate);
  const signals = which === 'features' ? report.features : report.outputs;
  const drifting = signals.filter((s) => s.verdict === 'drift');
  // The gate is about what the new version changes: a signal that drifts on the old version too
  // (same window) counts only by how much more it drifts on the new one (drift-vs-control.ts).
  const control = drifting.length > 0 ? controlSignals(inputs, which) : new Map<string, SignalReport>();
  const attributed = drifting.map((s) => attributeDrift(s, control.get(s.name)));
  const own = attributed.filter((a) => a.attribution === 'own');
  const shared = attributed.filter((a) => a.attribution === 'shared');
  const sharedNote = shared.length > 0 ? `; not counted: ${shared.map((a) => a.evidence).join('; ')}` : '';
  if (own.length > 0) return { ...base, value: own.length, outcome: 'fail', evidence: `${own.map((a) => a.evidence).join('; ')}${sharedNote}` };
  if (shared.length > 0) return { ...base, value: 0, outcome: 'pass', evidence: `no drift beyond the old version's (n = ${report.n})${sharedNote}` };
  const judged = signals.filter((s) => s.verdict !== 'insufficient-data');
  if (judged.length === 0) return { ...base, outcome: 'inconclusive', evidence: `insufficient data for every ${which === 'features' ? 'input' : 'output'} (n = ${report.n})` };
  return { ...base, value: 0, outcome: 'pass', evidence: `no drift in ${judged.length} ${which === 'features' ? 'inputs' : 'outputs'} (n = ${report.n})` };
}

export function evaluateMetric(metric: GateMetric, inputs: GateInputs): GateMetricResult {
  const { install } = inputs;
  switch (metric.metric) {
    case 'install-success': {
      const attempted = install.serving + install.failed + install.timedOut;
      const minSamples = metric.minSamples ?? 1;
      const value = attempted > 0 ? install.serving / attempted : null;
      const base = { metric: metric.metric, value, control: null, samples: attempted, controlSamples: null, minSamples };
      if (value === null || attempted < minSamples) return { ...base, outcome: 'inconclusive', evidence: `${attempted} devices finished installing, ${minSamples} needed` };
      const ok = value >= (metric.min ?? 1);
      return { ...base, outcome: ok ? 'pass' : 'fail', evidence: `${install.serving} of ${attempted} installs serve (${fmt(value)} ${ok ? '>=' : '<'} min ${fmt(metric.min ?? 1)})` };
    }
    case 'probe-failures': {
      const failures = Object.entries(install.errors).reduce((sum, [code, n]) => sum + (LOAD_FAILURES.has(code) ? n : 0), 0);
      const value = install.total > 0 ? failures / install.total : null;
      const base = { metric: metric.metric, value, control: null, samples: install.total, controlSamples: null, minSamples: null };
      if (value === null) return { ...base, outcome: 'inconclusive', evidence: 'no device assigned yet' };
      const ok = value <= (metric.max ?? 0);
      return { ...base, outcome: ok ? 'pass' : 'fail', evidence: `${failures} of ${install.total} devices failed to load or probe (${fmt(value)} ${ok ? '<=' : '>'} max ${fmt(metric.max ?? 0)})` };
    }
    case 'error-rate': {
      const c = errorRate(inputs.candidate);
      const k = errorRate(inputs.control);
      return upperBounded(metric, c && { v: c.rate, samples: c.samples }, k && { v: k.rate, samples: k.samples }, '', RATE_FLOOR);
    }
    case 'latency-p95': {
      const c = latencyP95(inputs.candidate);
      const k = latencyP95(inputs.control);
      return upperBounded(metric, c && { v: c.ms, samples: c.samples }, k && { v: k.ms, samples: k.samples }, ' ms', LATENCY_EDGES_MS[1] as number);
    }
    case 'ood-rate': {
      const c = oodRate(inputs.candidate);
      const k = oodRate(inputs.control);
      return upperBounded(metric, c && { v: c.rate, samples: c.samples }, k && { v: k.rate, samples: k.samples }, '', RATE_FLOOR);
    }
    case 'input-drift':
      return driftMetric(metric, inputs, 'features');
    case 'prediction-drift':
      return driftMetric(metric, inputs, 'outputs');
    case 'shadow-agreement': {
      const s = inputs.shadow;
      const minSamples = metric.minSamples ?? DEFAULT_MIN_PREDICTIONS;
      const base = { metric: metric.metric, control: null, samples: s?.n ?? 0, controlSamples: null, minSamples };
      if (!s || s.n < minSamples) return { ...base, value: s && s.n > 0 ? s.agree / s.n : null, outcome: 'inconclusive', evidence: `${s?.n ?? 0} shadow comparisons, ${minSamples} needed` };
      const value = s.agree / s.n;
      const ok = value >= (metric.min ?? 1);
      return { ...base, value, outcome: ok ? 'pass' : 'fail', evidence: `${s.agree} of ${s.n} shadow predictions agree (${fmt(value)} ${ok ? '>=' : '<'} min ${fmt(metric.min ?? 1)})` };
    }
  }
}

export function evaluateGate(step: GateStep, inputs: GateInputs): GateReport {
  const metrics = step.metrics.map((m) => evaluateMetric(m, inputs));
  const failed = metrics.filter((m) => m.outcome === 'fail').map((m) => `${m.metric} (${m.evidence})`);
  const inconclusive = metrics.filter((m) => m.outcome === 'inconclusive').map((m) => `${m.metric} (${m.evidence})`);
  const verdict: GateOutcome = failed.length > step.maxFailed ? 'fail' : inconclusive.length > step.maxInconclusive ? 'inconclusive' : 'pass';
  return { verdict, metrics, failed, inconclusive };
}
