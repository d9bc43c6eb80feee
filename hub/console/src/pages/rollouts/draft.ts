/**
 * A plan while the admin edits it: plain JSON that may be wrong in any way (a field emptied, a
 * value out of range, a step of the wrong kind), because the hub is the one that says what is
 * wrong with it (POST /api/v1/rollouts/validate). The editor only keeps its shape editable.
 */
import type { MetricName, Plan, StepKind } from './types';

export type DraftStep = { kind: StepKind } & Record<string, unknown>;
export interface Draft {
  steps: DraftStep[];
  autoRollback?: unknown;
}

export const STEP_KINDS: readonly StepKind[] = ['ring', 'bake', 'gate', 'approve'];
export const METRICS: readonly MetricName[] = ['install-success', 'probe-failures', 'error-rate', 'latency-p95', 'input-drift', 'prediction-drift', 'ood-rate', 'shadow-agreement'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isKind = (value: unknown): value is StepKind => typeof value === 'string' && (STEP_KINDS as readonly string[]).includes(value);

export function draftOf(plan: Plan): Draft {
  return JSON.parse(JSON.stringify(plan)) as Draft;
}

/** The draft a JSON text holds, when its shape is one the form can show (any values). */
export function draftFromJson(value: unknown): Draft | null {
  if (!isRecord(value) || !Array.isArray(value.steps)) return null;
  const steps: DraftStep[] = [];
  for (const step of value.steps) {
    if (!isRecord(step) || !isKind(step.kind)) return null;
    steps.push({ ...step, kind: step.kind });
  }
  return { ...value, steps };
}

/** A fresh step of a kind, with the values the hub would fill in. */
export function newStep(kind: StepKind, ring: string): DraftStep {
  switch (kind) {
    case 'ring':
      return { kind, ring, percent: 100, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false };
    case 'bake':
      return { kind, minutes: 30, minReporting: 1 };
    case 'gate':
      return { kind, metrics: [{ metric: 'install-success', min: 0.95 }], maxFailed: 0, maxInconclusive: 0, deadlineMinutes: 60 };
    case 'approve':
      return { kind };
  }
}

export const metricsOf = (step: DraftStep): Record<string, unknown>[] => (Array.isArray(step.metrics) ? step.metrics.filter(isRecord) : []);

/** A copy of `record` with `field` set, or removed when `value` is undefined (the hub's default, or its "required"). */
export function withField<T extends Record<string, unknown>>(record: T, field: string, value: unknown): T {
  const next: Record<string, unknown> = { ...record };
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next as T;
}

/** A step of a stored plan or of a draft. */
export type PlanStepLike = { kind: StepKind } & Record<string, unknown>;

/** One line about a step, as the detail page shows it. */
export function describeStep(step: PlanStepLike): string {
  switch (step.kind) {
    case 'ring': {
      const where = step.ring === '*' ? 'the whole fleet' : `ring ${String(step.ring)}`;
      const percent = typeof step.percent === 'number' && step.percent < 100 ? `${step.percent}% of ` : '';
      const traffic = typeof step.traffic === 'number' ? ` (${step.traffic}% of requests to the new version)` : '';
      return `${percent}${where}${step.shadow === true ? ' (shadow)' : ''}${traffic}`;
    }
    case 'bake':
      return `bake ${String(step.minutes)} min, ${String(step.minReporting ?? 1)} reporting`;
    case 'gate': {
      const metrics = Array.isArray(step.metrics) ? step.metrics.filter(isRecord).map((m) => String(m.metric)) : [];
      return `gate: ${metrics.join(', ')}`;
    }
    case 'approve':
      return typeof step.note === 'string' && step.note ? `approval: ${step.note}` : 'approval by a person';
  }
}
