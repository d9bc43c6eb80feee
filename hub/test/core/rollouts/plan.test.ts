import { describe, expect, it } from 'vitest';
import { defaultPlan, planProblems, ringStepIncludes, rolloutPlanSchema, stableBucket, type RolloutPlanInput } from '../../../src/core/rollouts/plan';

const parse = (plan: RolloutPlanInput) => rolloutPlanSchema.parse(plan);

describe('rollout plans', () => {
  it('fills step defaults', () => {
    expect(parse({ steps: [{ kind: 'ring', ring: 'canary' }] })).toEqual({
      steps: [{ kind: 'ring', ring: 'canary', percent: 100, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false }],
      autoRollback: true,
    });
  });

  it('refuses bad shapes with the field named', () => {
    const result = rolloutPlanSchema.safeParse({ steps: [{ kind: 'ring', ring: 'a b' }, { kind: 'bake', minutes: -1 }, { kind: 'wait' }] });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['steps.0.ring', 'steps.1.minutes', 'steps.2.kind']));
  });

  it('explains what the schema cannot see', () => {
    const plan = parse({
      steps: [
        { kind: 'bake', minutes: 5 },
        { kind: 'ring', ring: 'lab' },
        { kind: 'ring', ring: '*', percent: 50 },
        { kind: 'ring', ring: '*', percent: 20 },
        { kind: 'gate', metrics: [{ metric: 'install-success', max: 1 }, { metric: 'input-drift', max: 0.2 }, { metric: 'error-rate' }, { metric: 'probe-failures', max: 0, maxVsControl: 2 }] },
      ],
    });
    expect(planProblems(plan, ['canary', 'main'])).toEqual([
      { path: 'steps.0', message: 'a plan starts with a ring step (it has no devices to bake yet)' },
      { path: 'steps.1.ring', message: 'no ring "lab" (rings: canary, main): create it with PUT /api/v1/rings/lab {"position": <n>}, or enrol a device in it ("ring": "lab")' },
      { path: 'steps.3.percent', message: '20% of the fleet was already reached at 50%: a later step must grow it' },
      { path: 'steps.4.metrics.0', message: 'install-success takes a min, not a max' },
      { path: 'steps.4.metrics.1', message: "input-drift is judged by the drift engine's verdict: it takes no min or max" },
      { path: 'steps.4.metrics.2', message: 'error-rate needs a limit: max or maxVsControl' },
      { path: 'steps.4.metrics.3.maxVsControl', message: 'probe-failures has no control-group comparison (only error-rate, latency-p95, ood-rate)' },
    ]);
  });

  it('has a sound default plan: canary, then 10%, 50%, 100% of the fleet with bake and gates between', () => {
    const plan = defaultPlan('canary');
    expect(planProblems(plan, ['canary'])).toEqual([]);
    expect(plan.steps.map((s) => (s.kind === 'ring' ? `${s.ring}:${s.percent}` : s.kind))).toEqual(['canary:100', 'bake', 'gate', '*:10', 'bake', 'gate', '*:50', 'bake', 'gate', '*:100']);
    expect(rolloutPlanSchema.parse(plan)).toEqual(plan);
  });

  it('chooses percentages by a stable hash of the device id: the same devices, growing', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `dev-${i}`);
    expect(ids.map(stableBucket)).toEqual(ids.map(stableBucket));
    const at = (percent: number) => ids.filter((id) => ringStepIncludes({ kind: 'ring', ring: '*', percent, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false }, { id, ring: 'main', tags: {} }));
    const ten = at(10);
    const fifty = at(50);
    expect(ten.length).toBeGreaterThan(150);
    expect(ten.length).toBeLessThan(250);
    expect(ten.every((id) => fifty.includes(id))).toBe(true);
    expect(at(100)).toHaveLength(2000);
  });

  it('narrows a ring step by ring and tags', () => {
    const step = parse({ steps: [{ kind: 'ring', ring: 'canary', tags: { site: 'lab' } }] }).steps[0];
    if (step?.kind !== 'ring') throw new Error('ring step expected');
    expect(ringStepIncludes(step, { id: 'a', ring: 'canary', tags: { site: 'lab' } })).toBe(true);
    expect(ringStepIncludes(step, { id: 'a', ring: 'canary', tags: { site: 'plant' } })).toBe(false);
    expect(ringStepIncludes(step, { id: 'a', ring: 'main', tags: { site: 'lab' } })).toBe(false);
  });

  it('takes browser pages only into steps that name their ring or select kind: browser', () => {
    const step = (ring: string, tags?: Record<string, string>) => {
      const parsed = parse({ steps: [{ kind: 'ring', ring, ...(tags ? { tags } : {}) }] }).steps[0];
      if (parsed?.kind !== 'ring') throw new Error('ring step expected');
      return parsed;
    };
    const page = { id: 'web-a', ring: 'web', tags: { kind: 'browser' } };
    expect(ringStepIncludes(step('*'), page)).toBe(false);
    expect(ringStepIncludes(step('*'), { id: 'agent-a', ring: 'web', tags: {} })).toBe(true);
    expect(ringStepIncludes(step('web'), page)).toBe(true);
    expect(ringStepIncludes(step('*', { kind: 'browser' }), page)).toBe(true);
  });
});
