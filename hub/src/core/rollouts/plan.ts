/**
 * Rollout plans as data (ROLLOUTS.md "Step kinds"): `ring` (a ring, the whole fleet, or a
 * stable-hash percentage of either, optionally narrowed by tags), `bake` (minimum time and
 * reporting devices), `gate` (metrics with limits), `approve` (a person). The zod schema checks
 * each step's shape; `planProblems` checks what a schema cannot (order, growth, known rings) and
 * explains each problem with the step it is about.
 */
import { z } from 'zod';

/** `*` targets every ring. */
export const ALL_RINGS = '*';

const ringName = z.string().regex(/^(\*|[A-Za-z0-9_-]{1,32})$/, 'must be a ring name or * for every ring');
const fraction = z.number().min(0).max(1);

export const ringStepSchema = z.strictObject({
  kind: z.literal('ring'),
  ring: ringName,
  /** only devices with all these tags */
  tags: z.record(z.string().max(64), z.string().max(256)).optional(),
  /** of the ring's devices, chosen by a stable hash of the device id (the same ones every time); default 100 */
  percent: z.number().gt(0).max(100).default(100),
  /** share of the step's devices that must serve the new version to go on (default 0.9) */
  successThreshold: fraction.default(0.9),
  /** share of failed installs (load or probe failures, timed-out devices) that halts the rollout (default 0.1) */
  maxFailures: fraction.default(0.1),
  /** devices that have not converged this long after their assignment are timed-out (default 60) */
  deadlineMinutes: z.number().gt(0).max(7 * 24 * 60).default(60),
  /**
   * run the new version as a shadow beside what the devices serve (ROLLOUTS "Shadow"): they report
   * agreement and latency for a `shadow-agreement` gate; a later ring step over them promotes it
   */
  shadow: z.boolean().default(false),
  /**
   * gradual ramp-up (ROLLOUTS "Ramp-up"): each device of the step loads the new version beside the
   * one it serves and lets it answer this percent of its requests (sticky by the request's key);
   * a later ring step over them with a higher `traffic` raises it, one without it switches them
   * over; a rollback unloads the new version (no download)
   */
  traffic: z.number().gt(0).lt(100).optional(),
});

export const bakeStepSchema = z.strictObject({
  kind: z.literal('bake'),
  /** at least this long since the step began */
  minutes: z.number().min(0).max(30 * 24 * 60),
  /** and at least this many devices reporting statistics on the new version (default 1) */
  minReporting: z.number().int().min(0).default(1),
});

export const GATE_METRICS = ['install-success', 'probe-failures', 'error-rate', 'latency-p95', 'input-drift', 'prediction-drift', 'ood-rate', 'shadow-agreement'] as const;
export type GateMetricName = (typeof GATE_METRICS)[number];

export const gateMetricSchema = z.strictObject({
  metric: z.enum(GATE_METRICS),
  /** absolute lower bound (install-success, shadow-agreement) */
  min: z.number().optional(),
  /** absolute upper bound (probe-failures, error-rate, latency-p95 in ms, ood-rate) */
  max: z.number().optional(),
  /** upper bound as a multiple of the control group (devices still on the old version, same window) */
  maxVsControl: z.number().gt(0).optional(),
  /** below this many samples the metric is inconclusive: requests (error-rate, latency-p95), rows (ood-rate), comparisons (shadow-agreement), devices (install metrics); default 100 / 1 */
  minSamples: z.number().int().min(0).optional(),
});
export type GateMetric = z.infer<typeof gateMetricSchema>;

export const gateStepSchema = z.strictObject({
  kind: z.literal('gate'),
  metrics: z.array(gateMetricSchema).min(1).max(16),
  /** failing metrics tolerated (default 0) */
  maxFailed: z.number().int().min(0).default(0),
  /** inconclusive metrics tolerated once the deadline passes (default 0) */
  maxInconclusive: z.number().int().min(0).default(0),
  /** how long to wait for enough data before inconclusive metrics count (default 60) */
  deadlineMinutes: z.number().gt(0).max(7 * 24 * 60).default(60),
});

export const approveStepSchema = z.strictObject({
  kind: z.literal('approve'),
  note: z.string().max(500).optional(),
});

export const planStepSchema = z.discriminatedUnion('kind', [ringStepSchema, bakeStepSchema, gateStepSchema, approveStepSchema]);
export type PlanStep = z.infer<typeof planStepSchema>;
export type RingStep = z.infer<typeof ringStepSchema>;
export type GateStep = z.infer<typeof gateStepSchema>;

export const rolloutPlanSchema = z.strictObject({
  steps: z.array(planStepSchema).min(1).max(64),
  /** on a failing gate or error threshold: revert every touched device (default true) */
  autoRollback: z.boolean().default(true),
});
export type RolloutPlan = z.infer<typeof rolloutPlanSchema>;
/** A plan as users write it (defaults not yet filled in). */
export type RolloutPlanInput = z.input<typeof rolloutPlanSchema>;

export interface PlanProblem {
  path: string;
  message: string;
}

const ABSOLUTE_BOUND: Record<GateMetricName, 'min' | 'max' | null> = {
  'install-success': 'min',
  'probe-failures': 'max',
  'error-rate': 'max',
  'latency-p95': 'max',
  'input-drift': null,
  'prediction-drift': null,
  'ood-rate': 'max',
  'shadow-agreement': 'min',
};
const COMPARABLE: ReadonlySet<GateMetricName> = new Set(['error-rate', 'latency-p95', 'ood-rate']);

/** What the schema cannot see; `rings` are the names that exist. Empty when the plan is sound. */
export function planProblems(plan: RolloutPlan, rings: readonly string[]): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const first = plan.steps[0];
  if (first && first.kind !== 'ring') problems.push({ path: 'steps.0', message: `a plan starts with a ring step (it has no devices to ${first.kind === 'bake' ? 'bake' : first.kind === 'gate' ? 'gate' : 'approve'} yet)` });
  if (!plan.steps.some((s) => s.kind === 'ring')) problems.push({ path: 'steps', message: 'a plan needs at least one ring step' });
  const reached = new Map<string, { percent: number; traffic: number }>();
  plan.steps.forEach((step, i) => {
    if (step.kind === 'ring') {
      if (step.ring !== ALL_RINGS && !rings.includes(step.ring)) problems.push({ path: `steps.${i}.ring`, message: `no ring "${step.ring}" (rings: ${rings.join(', ') || 'none'}): create it with PUT /api/v1/rings/${step.ring} {"position": <n>}, or enrol a device in it ("ring": "${step.ring}")` });
      if (step.shadow && step.traffic !== undefined) problems.push({ path: `steps.${i}.traffic`, message: 'a traffic step already runs the new version beside the old one and lets it answer that share of requests: drop "shadow"' });
      // Shadow and traffic steps both load the new version beside the old; traffic 0 is a shadow.
      const beside = step.shadow || step.traffic !== undefined;
      const traffic = step.traffic ?? 0;
      const key = `${step.ring}|${JSON.stringify(step.tags ?? {})}|${beside}`;
      const before = reached.get(key);
      if (before !== undefined && step.percent <= before.percent && !(beside && traffic > before.traffic)) {
        const where = step.ring === ALL_RINGS ? 'the fleet' : `ring ${step.ring}`;
        problems.push({
          path: `steps.${i}.${beside ? 'traffic' : 'percent'}`,
          message: beside ? `${step.percent}% of ${where} already ran the new version beside the old at ${before.traffic}% of traffic: a later step must raise traffic or percent` : `${step.percent}% of ${where} was already reached at ${before.percent}%: a later step must grow it`,
        });
      }
      reached.set(key, { percent: Math.max(before?.percent ?? 0, step.percent), traffic: Math.max(before?.traffic ?? 0, traffic) });
    }
    if (step.kind === 'gate') {
      step.metrics.forEach((m, j) => {
        const path = `steps.${i}.metrics.${j}`;
        const bound = ABSOLUTE_BOUND[m.metric];
        const wrong = bound === 'min' ? m.max : bound === 'max' ? m.min : (m.min ?? m.max);
        if (wrong !== undefined) problems.push({ path, message: bound === null ? `${m.metric} is judged by the drift engine's verdict: it takes no min or max` : `${m.metric} takes ${bound === 'min' ? 'a min' : 'a max'}, not ${bound === 'min' ? 'a max' : 'a min'}` });
        if (m.maxVsControl !== undefined && !COMPARABLE.has(m.metric)) problems.push({ path: `${path}.maxVsControl`, message: `${m.metric} has no control-group comparison (only ${[...COMPARABLE].join(', ')})` });
        if (bound !== null && m.min === undefined && m.max === undefined && m.maxVsControl === undefined) problems.push({ path, message: `${m.metric} needs a limit: ${bound}${COMPARABLE.has(m.metric) ? ' or maxVsControl' : ''}` });
      });
    }
  });
  return problems;
}

/** Gate checks between widening steps: healthy installs, errors and latency no worse than the old version, no drift. */
const defaultGate = (): PlanStep => ({
  kind: 'gate',
  metrics: [
    { metric: 'install-success', min: 0.95 },
    { metric: 'error-rate', max: 0.05, maxVsControl: 2 },
    { metric: 'latency-p95', maxVsControl: 1.5 },
    { metric: 'prediction-drift' },
    { metric: 'ood-rate', maxVsControl: 2 },
  ],
  maxFailed: 0,
  maxInconclusive: 1,
  deadlineMinutes: 120,
});

const ringStep = (ring: string, percent: number): PlanStep => ({ kind: 'ring', ring, percent, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false });

/** The share of requests (0..1) the new version answers on a member added by `step`; undefined when it is not a traffic step. */
export function trafficShareOf(plan: RolloutPlan, step: number): number | undefined {
  const s = plan.steps[step];
  return s?.kind === 'ring' && s.traffic !== undefined ? s.traffic / 100 : undefined;
}
const bake = (minutes: number): PlanStep => ({ kind: 'bake', minutes, minReporting: 1 });

/** ROLLOUTS.md's default: the canary ring (the first ring), then 10%, 50% and 100% of the fleet, with bake and gates between. */
export function defaultPlan(canaryRing: string): RolloutPlan {
  return {
    steps: [ringStep(canaryRing, 100), bake(30), defaultGate(), ringStep(ALL_RINGS, 10), bake(30), defaultGate(), ringStep(ALL_RINGS, 50), bake(60), defaultGate(), ringStep(ALL_RINGS, 100)],
    autoRollback: true,
  };
}

/** FNV-1a of the device id in [0, 10000): the same devices fall under the same percentage in every rollout. */
export function stableBucket(deviceId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    hash ^= deviceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 10_000;
}

export interface TargetDevice {
  id: string;
  ring: string;
  tags: Record<string, string>;
}

/** The tag of devices that are browser pages (enrolled with a token: issue 14). */
export const BROWSER_KIND = { key: 'kind', value: 'browser' } as const;

/**
 * Whether a ring step takes `device`. Browser pages join only steps that name their ring (or
 * select `kind: browser`): a page runs what its ring was given for it (e.g. the digit model its
 * page draws for), so "the whole fleet" of a rollout made for the agents must not reach it.
 */
export function ringStepIncludes(step: RingStep, device: TargetDevice): boolean {
  if (step.ring !== ALL_RINGS && device.ring !== step.ring) return false;
  if (step.ring === ALL_RINGS && device.tags[BROWSER_KIND.key] === BROWSER_KIND.value && step.tags?.[BROWSER_KIND.key] !== BROWSER_KIND.value) return false;
  for (const [key, value] of Object.entries(step.tags ?? {})) if (device.tags[key] !== value) return false;
  return stableBucket(device.id) < step.percent * 100;
}
